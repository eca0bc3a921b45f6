// --record FILE: every container and every notification, the facts the
// engine used and the decision taken, in the trace format (JSON Lines, see
// docs/trace-format.md), so that `seccomp-sim replay --check FILE` decides
// the same way. Thread-safe; each record is written and flushed as a line.
#pragma once

#include <fstream>
#include <mutex>
#include <optional>
#include <string>

#include "engine/decision.hpp"
#include "engine/recording_facts.hpp"
#include "model/call/container_info.hpp"
#include "model/call/notification.hpp"
#include "model/codec/trace_writer.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::agent {

class Recorder {
 public:
  // Throws std::runtime_error when the file cannot be opened for writing.
  // With `after_seq`, the file goes on with the trace of the agent before
  // this one (--takeover): no second header, numbers from after_seq + 1.
  Recorder(const std::string& path, const std::string& table_hash,
           std::optional<uint64_t> after_seq = std::nullopt);

  bool continued() const { return continued_; }
  uint64_t last_seq();

  void container(const model::ContainerInfo& c);
  // Numbers the record (seq) and writes it.
  void notification(trace::NotificationRecord& r);

 private:
  template <typename Write>
  void write(const Write& w);
  void check();

  std::mutex mutex_;
  std::string path_;
  std::ofstream file_;
  std::optional<trace::TraceWriter> writer_;
  uint64_t seq_ = 0;
  bool continued_ = false;
};

// The name of the notification's syscall: the decision's (`decided`), else
// libseccomp's for its architecture, else "".
std::string syscall_name(const model::Notification& n, std::string_view decided);

// The record of a notification as far as the decision: what the evaluation
// read (plus the remaining declared strings and the caller's facts, read now
// so that a replay against another table has them too) and the decision.
trace::NotificationRecord start_record(const model::ContainerInfo& c, const model::Notification& n,
                                       const engine::Decision& d, engine::RecordingFacts& facts);

}  // namespace sa::agent
