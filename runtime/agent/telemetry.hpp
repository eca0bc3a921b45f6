// What the agent tells the outside: Prometheus metrics (their handles made
// once, at start or when a table is loaded), structured logs and the
// --record trace, each event behind one call. The parts that decide and
// answer call these and format nothing themselves.
#pragma once

#include <spdlog/common.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "agent/log_limiter.hpp"
#include "agent/metrics.hpp"
#include "agent/recorder.hpp"
#include "engine/decision.hpp"
#include "engine/engine.hpp"
#include "model/call/notification.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::agent {

struct Container;
struct Binding;
struct Answered;

// seccomp_agent_notifications_total of one table: a cell per (policy,
// syscall, action, origin), each looked up in the registry on its first use
// and kept as a handle, so that counting a notification is an index and an
// atomic add. The series themselves belong to the registry: a reload starts
// new cells over the same series, and the counts go on.
class DecisionCounters {
 public:
  DecisionCounters(Family& family, const engine::Engine& engine);
  void count(const engine::Decision& d, int32_t syscall_slot);

 private:
  size_t cell(const engine::Decision& d, int32_t syscall_slot) const;

  Family& family_;
  const engine::Engine& engine_;  // kept alive by the Generation holding both
  size_t slots_;                  // the engine's syscall slots, plus one for "unknown"
  std::unique_ptr<std::atomic<std::atomic<int64_t>*>[]> cells_;
};

enum class Rejection { Peer, Malformed, NotNotifyFd, Busy };

class Telemetry {
 public:
  explicit Telemetry(Metrics& metrics);

  // --record FILE: throws std::runtime_error when it cannot be opened.
  // With `after_seq`, the trace an agent before this one wrote goes on: no
  // header, numbers from after_seq + 1.
  void record_to(const std::string& path, const std::string& table_hash,
                 std::optional<uint64_t> after_seq = std::nullopt);
  bool recording() const { return recorder_ != nullptr; }
  // The last sequence number recorded; 0 without --record.
  uint64_t recorded_seq() const;

  std::shared_ptr<DecisionCounters> counters_for(const engine::Engine& engine);

  // One notification, once answered (or given up): counted, logged when its
  // rule says `log` (every one at debug level), recorded with --record.
  // `b` is the binding the decision was made with (a reload may have
  // replaced the container's own since).
  void decided(const Container& c, const Binding& b, const model::Notification& n,
               const engine::Decision& d, const Answered& a,
               std::optional<trace::NotificationRecord> record);
  void decision_warnings(const Container& c, const engine::Decision& d);
  // A syscall no rule of the container's policy decided because no policy
  // names it (or the container has none): the handler logs the first one
  // of each syscall per container.
  static bool without_rule(model::Origin o);
  void first_without_rule(const Container& c, const model::Notification& n,
                          const engine::Decision& d);

  void started(const std::string& socket, const std::string& table, const engine::Engine& e,
               unsigned threads, const std::string& metrics_endpoint);
  void registered(const Container& c, const table::Policy* policy, const std::string& why,
                  bool reloaded, size_t containers);
  // A container taken over from the agent before (--takeover), or taken
  // back from the holder after a crash (`taken_back`), its policy chosen
  // again: `previous` is the name of the one it had ("" none).
  void taken_over(const Container& c, const std::string& previous, const table::Policy* policy,
                  const std::string& why, size_t containers, bool taken_back);
  // A delayed answer the agent before decided, sent by this one.
  void handed_over_answered(const Container& c, const model::Notification& n,
                            const std::string& syscall, const Answered& a);
  void dropped(std::string_view id, std::string_view error);
  void gone(const Container& c, std::string_view why, size_t containers);
  void rejected(Rejection reason, pid_t peer_pid, uid_t peer_uid, std::string_view error);
  void accept_failed(std::string_view error);
  void receive_failed(const Container& c, std::string_view error);
  void accept_paused();
  void init_unavailable(std::string_view id, std::string_view error);
  void protections_defaulted(std::string_view id, std::string_view problem);
  void stopped(const Container& c, table::StopMode mode, const std::string& report,
               const std::string& summary, std::string_view result);
  void reloaded(const std::string& table, const std::string& old_hash, const std::string& new_hash);
  void reload_refused(const std::string& table, std::string_view error,
                      const std::string& kept_hash);
  // The watchdog answered an emulation of loop `loop` past `limit`, and gave
  // the loop a new thread (`handed_over`) or could not (past the bound).
  void emulation_timed_out(size_t loop, std::chrono::milliseconds limit, bool handed_over,
                           size_t abandoned, size_t max_abandoned);
  // The Falco publisher (falco_publisher.hpp), from its thread: an event
  // the plugin took; a call that failed (`id`, `syscall`: the event's);
  // events dropped, the queue full or the agent stopping. Failures and
  // drops are logged rate-limited; all are counted in
  // seccomp_agent_falco_events_total{result}.
  void falco_published();
  void falco_failed(std::string_view socket, uint64_t id, std::string_view syscall,
                    std::string_view error);
  void falco_dropped(uint64_t events, std::string_view why);
  // seccomp_agent_abandoned_threads, for AbandonedThreads.
  Gauge abandoned_threads_gauge() const { return abandoned_threads_; }

 private:
  // A line that can repeat as fast as the kernel fails: logged through
  // `limiter` (10 a second), the lines left out counted in
  // seccomp_agent_log_lines_suppressed_total{event} and in the next line.
  void log_limited(LogLimiter& limiter, const Counter& suppressed, spdlog::level::level_enum level,
                   std::string_view event, nlohmann::json fields);

  Metrics& metrics_;
  std::unique_ptr<Recorder> recorder_;
  Family& notifications_;
  Family& stopped_;
  Family& emulation_failures_;
  Family& table_info_;
  Gauge containers_;
  Counter registered_;
  Counter rejected_peer_;
  Counter rejected_malformed_;
  Counter rejected_not_notify_fd_;
  Counter rejected_busy_;
  Counter reloads_loaded_;
  Counter reloads_refused_;
  Counter emulation_timeouts_;
  LogLimiter accept_failed_log_;
  LogLimiter receive_failed_log_;
  LogLimiter answer_failed_log_;
  LogLimiter refused_log_;
  LogLimiter dropped_log_;
  LogLimiter falco_failed_log_;
  LogLimiter falco_dropped_log_;
  Counter accept_failed_suppressed_;
  Counter receive_failed_suppressed_;
  Counter answer_failed_suppressed_;
  Counter refused_suppressed_;
  Counter dropped_suppressed_;
  Counter falco_failed_suppressed_;
  Counter falco_dropped_suppressed_;
  Counter falco_published_;
  Counter falco_failed_;
  Counter falco_dropped_;
  Gauge abandoned_threads_;
};

}  // namespace sa::agent
