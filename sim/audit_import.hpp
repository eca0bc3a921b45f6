// seccomp-sim import-audit: the kernel's seccomp audit records (type=1326,
// "type=SECCOMP" in audit.log; with or without a syslog/journal prefix; raw
// or as `ausearch -i` interprets them) turned into a trace. Other lines are
// skipped; a seccomp record that lacks pid, arch or syscall is an error
// naming its line.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/codec/trace_writer.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::sim {

class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImportCounts {
  uint64_t records = 0;  // seccomp records turned into notifications
  uint64_t skipped = 0;  // other lines
};

// One line; nullopt when it is not a seccomp record. Throws ImportError
// (without position) when it is one but malformed. The record has no
// container, strings or caller: an audit record carries none of them.
std::optional<trace::NotificationRecord> parse_audit_line(std::string_view line);

// Throws ImportError naming `name` and the line.
ImportCounts import_audit(std::istream& in, const std::string& name, trace::TraceWriter& out);

}  // namespace sa::sim
