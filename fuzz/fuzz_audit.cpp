// A kernel audit line, as `seccomp-sim import-audit` reads it. Rejection is
// an ImportError (or nullopt: not a seccomp record); a record it makes is a
// notification the trace format can carry: written and read back, the same.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "audit_import.hpp"
#include "fuzz_check.hpp"
#include "model/codec/trace_reader.hpp"
#include "model/codec/trace_writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::optional<sa::sim::AuditRecord> record;
  try {
    record = sa::sim::parse_audit_line(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const sa::sim::ImportError&) {
    return 0;
  }
  if (!record)
    return 0;
  sa::trace::NotificationRecord& n = record->notification;
  n.seq = 1;  // import_audit numbers the records it writes
  std::ostringstream out;
  sa::trace::TraceWriter writer(out, sa::trace::Header{});
  writer.notification(n);
  std::istringstream in(out.str());
  sa::trace::TraceReader reader(in, "fuzz");
  sa::trace::TraceItem item;
  sa::fuzz::require(reader.next(item), "an imported record reads back");
  std::ostringstream again;
  sa::trace::TraceWriter rewriter(again, sa::trace::Header{});
  rewriter.notification(item.notification);
  sa::fuzz::require(out.str() == again.str(), "an imported record is written the same again");
  return 0;
}
