// Writes traces: JSON Lines record by record (what the agent's --record and
// the simulator's import-audit produce), or the one-document form.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "model/trace/trace_model.hpp"

namespace sa::trace {

class TraceWriter {
 public:
  // Writes the header line at once.
  TraceWriter(std::ostream& out, const Header& header);
  // Goes on with a trace whose header is there already (an agent's
  // successor after --takeover, appending to the same file).
  explicit TraceWriter(std::ostream& out) : out_(out) {}

  void container(const model::ContainerInfo& c);
  void notification(const NotificationRecord& n);
  // False once a write failed (disk full, closed pipe).
  bool ok() const { return static_cast<bool>(out_); }

 private:
  std::ostream& out_;
};

void write_document(std::ostream& out, const Header& header,
                    const std::vector<model::ContainerInfo>& containers,
                    const std::vector<NotificationRecord>& notifications);

// RFC 3339 in UTC with microseconds: "2024-05-01T12:00:00.123456Z".
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace sa::trace
