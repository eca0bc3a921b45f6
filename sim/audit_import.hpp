// seccomp-sim import-audit: the kernel's seccomp audit records (type=1326,
// "type=SECCOMP" in audit.log; with or without a syslog/journal prefix; raw
// or as `ausearch -i` interprets them) turned into a trace. Other lines are
// skipped; a seccomp record that lacks pid, arch or syscall is an error
// naming its line. A syscall number libseccomp does not know (a kernel newer
// than it) is kept by number, with a warning. Records can be filtered by the
// caller's comm, pid and exe.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/codec/trace_writer.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::sim {

class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImportCounts {
  uint64_t records = 0;   // seccomp records turned into notifications
  uint64_t skipped = 0;   // other lines
  uint64_t filtered = 0;  // seccomp records the filter left out
  // "audit.log:7: no syscall has number 463 on x86_64 (libseccomp does not
  // know it); kept by number"
  std::vector<std::string> warnings;
};

// Which records to keep: each list given must hold the record's value (a
// record without that field does not match). Empty lists keep everything.
struct AuditFilter {
  std::vector<std::string> comm;
  std::vector<uint32_t> pid;
  std::vector<std::string> exe;
};

// One seccomp record: the notification (no container, strings or caller: an
// audit record carries none of them) and what the filter looks at.
struct AuditRecord {
  trace::NotificationRecord notification;
  std::optional<std::string> comm;
  std::optional<std::string> exe;
  bool unknown_number = false;  // libseccomp names no syscall with this number
};

// One line; nullopt when it is not a seccomp record. Throws ImportError
// (without position) when it is one but malformed.
std::optional<AuditRecord> parse_audit_line(std::string_view line);

bool matches(const AuditFilter& f, const AuditRecord& r);

// Throws ImportError naming `name` and the line.
ImportCounts import_audit(std::istream& in, const std::string& name, trace::TraceWriter& out,
                          const AuditFilter& filter = {});

}  // namespace sa::sim
