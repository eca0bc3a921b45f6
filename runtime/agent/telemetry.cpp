#include "agent/telemetry.hpp"

#include <fmt/format.h>

#include "agent/container.hpp"
#include "agent/log.hpp"
#include "agent/responder.hpp"
#include "model/catalog/arch.hpp"

namespace sa::agent {

using spdlog::level::err;
using spdlog::level::info;
using spdlog::level::warn;

namespace {

constexpr uint64_t kLimitedBurst = 10;
constexpr std::chrono::seconds kLimitedWindow{1};

constexpr size_t kResponses = Vocabulary<table::Response>::count;
constexpr size_t kOrigins = Vocabulary<model::Origin>::count;

}  // namespace

DecisionCounters::DecisionCounters(Family& family, const engine::Engine& engine)
    : family_(family), engine_(engine), slots_(engine.syscall_slots() + 1) {
  const size_t cells = (engine.table().policies.size() + 1) * slots_ * kResponses * kOrigins;
  cells_ = std::make_unique<std::atomic<std::atomic<int64_t>*>[]>(cells);
}

size_t DecisionCounters::cell(const engine::Decision& d, int32_t syscall_slot) const {
  const auto& policies = engine_.table().policies;
  const size_t policy =
      d.policy == nullptr ? 0 : static_cast<size_t>(d.policy - policies.data()) + 1;
  const size_t slot = syscall_slot < 0 ? 0 : static_cast<size_t>(syscall_slot) + 1;
  const auto response = static_cast<size_t>(d.response());
  const auto origin = static_cast<size_t>(d.origin);
  return ((policy * slots_ + slot) * kResponses + response) * kOrigins + origin;
}

void DecisionCounters::count(const engine::Decision& d, int32_t syscall_slot) {
  std::atomic<std::atomic<int64_t>*>& c = cells_[cell(d, syscall_slot)];
  std::atomic<int64_t>* series = c.load(std::memory_order_acquire);
  if (series == nullptr) {
    // First of its kind in this table: find the series (two threads may
    // both get here; they find the same one).
    series = &family_.series({d.policy != nullptr ? d.policy->name : std::string(),
                              std::string(d.syscall), std::string(name_of(d.response())),
                              std::string(name_of(d.origin))});
    c.store(series, std::memory_order_release);
  }
  series->fetch_add(1, std::memory_order_relaxed);
}

Telemetry::Telemetry(Metrics& metrics)
    : metrics_(metrics),
      notifications_(
          metrics.counters("seccomp_agent_notifications_total",
                           "Notifications decided, by policy, syscall, action and origin",
                           {"policy", "syscall", "action", "origin"})),
      stopped_(metrics.counters(
          "seccomp_agent_containers_stopped_total",
          "Containers stopped because they used forbidden syscalls, by the syscalls used",
          {"name", "syscalls"})),
      emulation_failures_(metrics.counters("seccomp_agent_emulation_failures_total",
                                           "Emulations the agent could not carry out, by syscall",
                                           {"syscall"})),
      table_info_(
          metrics.gauges("seccomp_agent_table_info", "The decision table in force", {"hash"})),
      containers_(metrics.gauges("seccomp_agent_containers", "Containers being served").gauge({})),
      registered_(metrics
                      .counters("seccomp_agent_containers_registered_total",
                                "Notify fds received from container runtimes")
                      .counter({})),
      accept_failed_log_(kLimitedBurst, kLimitedWindow),
      receive_failed_log_(kLimitedBurst, kLimitedWindow),
      answer_failed_log_(kLimitedBurst, kLimitedWindow),
      refused_log_(kLimitedBurst, kLimitedWindow),
      dropped_log_(kLimitedBurst, kLimitedWindow),
      falco_failed_log_(kLimitedBurst, kLimitedWindow),
      falco_dropped_log_(kLimitedBurst, kLimitedWindow) {
  Family& rejected =
      metrics.counters("seccomp_agent_messages_rejected_total",
                       "Runtime messages dropped: refused peer, malformed message, or "
                       "a seccompFd that is no seccomp listener",
                       {"reason"});
  rejected_peer_ = rejected.counter({"peer"});
  rejected_malformed_ = rejected.counter({"malformed"});
  rejected_not_notify_fd_ = rejected.counter({"not-a-notify-fd"});
  rejected_busy_ = rejected.counter({"too-many-pending"});
  Family& reloads = metrics.counters("seccomp_agent_table_reloads_total",
                                     "SIGHUP reloads, by result", {"result"});
  reloads_loaded_ = reloads.counter({"loaded"});
  reloads_refused_ = reloads.counter({"refused"});
  emulation_timeouts_ =
      metrics
          .counters("seccomp_agent_emulation_timeouts_total",
                    "Emulations answered ETIMEDOUT by the watchdog after the time limit")
          .counter({});
  Family& suppressed = metrics.counters(
      "seccomp_agent_log_lines_suppressed_total",
      "Log lines left out by the rate limit (10 a second per event), by event", {"event"});
  accept_failed_suppressed_ = suppressed.counter({"accept failed"});
  receive_failed_suppressed_ = suppressed.counter({"receive failed"});
  answer_failed_suppressed_ = suppressed.counter({"answer failed"});
  refused_suppressed_ = suppressed.counter({"connection refused"});
  dropped_suppressed_ = suppressed.counter({"message dropped"});
  falco_failed_suppressed_ = suppressed.counter({"falco publish failed"});
  falco_dropped_suppressed_ = suppressed.counter({"falco events dropped"});
  Family& falco = metrics.counters(
      "seccomp_agent_falco_events_total",
      "Notifications published to the Falco plugin (MIDDLEWARE=falco), by result: published, "
      "failed (the call failed or passed its deadline), dropped (the queue was full, or the "
      "agent stopped)",
      {"result"});
  falco_published_ = falco.counter({"published"});
  falco_failed_ = falco.counter({"failed"});
  falco_dropped_ = falco.counter({"dropped"});
  abandoned_threads_ = metrics
                           .gauges("seccomp_agent_abandoned_threads",
                                   "Loop threads left waiting in the kernel by an emulation "
                                   "past the time limit")
                           .gauge({});
}

void Telemetry::record_to(const std::string& path, const std::string& table_hash,
                          std::optional<uint64_t> after_seq) {
  recorder_ = std::make_unique<Recorder>(path, table_hash, after_seq);
}

uint64_t Telemetry::recorded_seq() const {
  return recorder_ ? recorder_->last_seq() : 0;
}

std::shared_ptr<DecisionCounters> Telemetry::counters_for(const engine::Engine& engine) {
  return std::make_shared<DecisionCounters>(notifications_, engine);
}

void Telemetry::decided(const Container& c, const Binding& b, const model::Notification& n,
                        const engine::Decision& d, const Answered& a,
                        std::optional<trace::NotificationRecord> record) {
  const Generation& g = b.generation;
  g.counters->count(d, g.engine->syscall_slot(n));
  if (a.emulation_failed) {
    emulation_failures_.counter({std::string(d.syscall)}).add();
    log_event(err, "emulation failed",
              {{"id", c.info.id}, {"syscall", std::string(d.syscall)}, {"error", a.problem}});
  } else if (!a.problem.empty()) {
    log_limited(answer_failed_log_, answer_failed_suppressed_, err, "answer failed",
                {{"id", c.info.id},
                 {"pid", n.pid},
                 {"syscall", std::string(d.syscall)},
                 {"error", a.problem}});
  }
  if (d.log || spdlog::default_logger_raw()->should_log(spdlog::level::debug)) {
    log_event(d.log ? info : spdlog::level::debug, "decision",
              {{"id", c.info.id},
               {"pid", n.pid},
               {"syscall", std::string(d.syscall)},
               {"action", d.action_text()},
               {"effect", d.effect_plan()},
               {"rule", d.row != nullptr ? d.row->id : std::string()},
               {"origin", std::string(name_of(d.origin))},
               {"outcome", std::string(name_of(a.outcome))}});
  }
  if (recorder_ && record) {
    record->response = a.sent;
    recorder_->notification(*record);
  }
}

void Telemetry::decision_warnings(const Container& c, const engine::Decision& d) {
  for (const std::string& w : d.warnings) {
    log_event(warn, "decision warning",
              {{"id", c.info.id}, {"syscall", std::string(d.syscall)}, {"warning", w}});
  }
}

bool Telemetry::without_rule(model::Origin o) {
  switch (o) {
    case model::Origin::Unnamed:
    case model::Origin::UnknownSyscall:
    case model::Origin::NoPolicy:
      return true;
    case model::Origin::Rule:
    case model::Origin::Requirement:
    case model::Origin::Default:
    case model::Origin::Passthrough:
    case model::Origin::ReadFailed:
    case model::Origin::FactsUnavailable:
    case model::Origin::UnsafeContinueRefused:
      return false;
  }
  return false;
}

namespace {

std::string_view why_without_rule(model::Origin o) {
  switch (o) {
    case model::Origin::Unnamed:
      return "no policy of the table names this syscall, which the container's profile has "
             "notified: the policy default applies (further calls are not logged)";
    case model::Origin::NoPolicy:
      return "no policy applies to the container: the base profile's action (further calls are "
             "not logged)";
    case model::Origin::UnknownSyscall:
      return "no policy applies to the container and the table does not name this syscall, or "
             "there is no syscall of that number: ENOSYS (further calls are not logged)";
    case model::Origin::Rule:
    case model::Origin::Requirement:
    case model::Origin::Default:
    case model::Origin::Passthrough:
    case model::Origin::ReadFailed:
    case model::Origin::FactsUnavailable:
    case model::Origin::UnsafeContinueRefused:
      break;
  }
  return "";
}

}  // namespace

void Telemetry::first_without_rule(const Container& c, const model::Notification& n,
                                   const engine::Decision& d) {
  const auto arch = catalog::find_arch_by_audit(n.audit_arch);
  log_event(warn, "syscall without a rule",
            {{"id", c.info.id},
             {"policy", d.policy != nullptr ? d.policy->name : std::string()},
             {"syscall", std::string(d.syscall)},
             {"arch", arch ? arch->name : fmt::format("{:#x}", n.audit_arch)},
             {"nr", n.nr},
             {"action", d.action_text()},
             {"origin", std::string(name_of(d.origin))},
             {"why", std::string(why_without_rule(d.origin))}});
}

void Telemetry::started(const std::string& socket, const std::string& table,
                        const engine::Engine& e, unsigned threads,
                        const std::string& metrics_endpoint) {
  table_info_.gauge({e.table().hash}).set(1);
  std::vector<std::string> policies;
  for (const auto& p : e.table().policies)
    policies.push_back(p.name);
  log_event(info, "agent started",
            {{"socket", socket},
             {"table", table},
             {"hash", e.table().hash},
             {"policies", policies},
             {"threads", threads},
             {"metrics", metrics_endpoint}});
}

void Telemetry::registered(const Container& c, const table::Policy* policy, const std::string& why,
                           bool reloaded, size_t containers) {
  if (!reloaded) {
    registered_.add();
    containers_.set(static_cast<int64_t>(containers));
    if (recorder_)
      recorder_->container(c.info);
  }
  log_event(policy != nullptr ? info : warn,
            reloaded ? "policy reselected" : "container registered",
            {{"id", c.info.id},
             {"pid", c.info.pid},
             {"status", c.info.status},
             {"pod", c.info.pod_namespace.empty() ? std::string()
                                                  : c.info.pod_namespace + "/" + c.info.pod_name},
             {"container", c.info.container_name},
             {"policy", policy != nullptr ? policy->name : std::string()},
             {"why", why},
             {"sync_wake_up", c.sync_wake_up}});
}

void Telemetry::taken_over(const Container& c, const std::string& previous,
                           const table::Policy* policy, const std::string& why, size_t containers,
                           bool taken_back) {
  containers_.set(static_cast<int64_t>(containers));
  const std::string now = policy != nullptr ? policy->name : std::string();
  if (recorder_ && !recorder_->continued())
    recorder_->container(c.info);
  log_event(policy != nullptr ? info : warn,
            taken_back ? "container taken back" : "container taken over",
            {{"id", c.info.id},
             {"pid", c.info.pid},
             {"policy", now},
             {"previous_policy", previous},
             {"policy_changed", now != previous},
             {"why", why},
             {"notifications", c.notifications},
             {"forbidden", c.forbidden.summary()},
             {"sync_wake_up", c.sync_wake_up}});
}

void Telemetry::handed_over_answered(const Container& c, const model::Notification& n,
                                     const std::string& syscall, const Answered& a) {
  log_event(a.problem.empty() ? info : err, "handed-over answer",
            {{"id", c.info.id},
             {"pid", n.pid},
             {"syscall", syscall},
             {"outcome", std::string(name_of(a.outcome))},
             {"error", a.problem}});
}

void Telemetry::dropped(std::string_view id, std::string_view error) {
  log_event(err, "container dropped", {{"id", id}, {"error", error}});
}

void Telemetry::gone(const Container& c, std::string_view why, size_t containers) {
  containers_.set(static_cast<int64_t>(containers));
  log_event(info, "container gone",
            {{"id", c.info.id},
             {"why", why},
             {"notifications", c.notifications},
             {"forbidden", c.forbidden.summary()}});
}

void Telemetry::rejected(Rejection reason, pid_t peer_pid, uid_t peer_uid, std::string_view error) {
  // Any local user can connect as often as it likes: both lines are limited.
  const auto fields = [&](const char* key) {
    return nlohmann::json{{"peer_pid", peer_pid}, {"peer_uid", peer_uid}, {key, error}};
  };
  switch (reason) {
    case Rejection::Peer:
      rejected_peer_.add();
      log_limited(refused_log_, refused_suppressed_, warn, "connection refused", fields("why"));
      return;
    case Rejection::Malformed:
      rejected_malformed_.add();
      log_limited(dropped_log_, dropped_suppressed_, err, "message dropped", fields("error"));
      return;
    case Rejection::Busy:
      rejected_busy_.add();
      log_limited(refused_log_, refused_suppressed_, warn, "connection refused", fields("why"));
      return;
    case Rejection::NotNotifyFd:
      rejected_not_notify_fd_.add();
      log_limited(dropped_log_, dropped_suppressed_, err, "message dropped", fields("error"));
      return;
  }
}

void Telemetry::accept_failed(std::string_view error) {
  log_limited(accept_failed_log_, accept_failed_suppressed_, err, "accept failed",
              {{"error", error}});
}

void Telemetry::receive_failed(const Container& c, std::string_view error) {
  log_limited(receive_failed_log_, receive_failed_suppressed_, err, "receive failed",
              {{"id", c.info.id}, {"error", error}});
}

void Telemetry::falco_published() {
  falco_published_.add();
}

void Telemetry::falco_failed(std::string_view socket, uint64_t id, std::string_view syscall,
                             std::string_view error) {
  falco_failed_.add();
  log_limited(falco_failed_log_, falco_failed_suppressed_, err, "falco publish failed",
              {{"socket", socket}, {"notification", id}, {"syscall", syscall}, {"error", error}});
}

void Telemetry::falco_dropped(uint64_t events, std::string_view why) {
  falco_dropped_.add(events);
  log_limited(falco_dropped_log_, falco_dropped_suppressed_, err, "falco events dropped",
              {{"events", events}, {"why", why}});
}

void Telemetry::log_limited(LogLimiter& limiter, const Counter& suppressed,
                            spdlog::level::level_enum level, std::string_view event,
                            nlohmann::json fields) {
  const std::optional<uint64_t> admitted = limiter.admit(LogLimiter::Clock::now());
  if (!admitted) {
    suppressed.add();
    return;
  }
  if (*admitted > 0)
    fields["suppressed_before"] = *admitted;
  log_event(level, event, fields);
}

void Telemetry::accept_paused() {
  log_event(err, "accept paused",
            {{"why", "no fd left for a runtime's connection; retrying every 100 ms"}});
}

void Telemetry::init_unavailable(std::string_view id, std::string_view error) {
  log_event(warn, "cannot open the container's init", {{"id", id}, {"error", error}});
}

void Telemetry::protections_defaulted(std::string_view id, std::string_view problem) {
  log_event(warn,
            "the container's masked and read-only paths are not known; emulated mounts get "
            "runc's defaults",
            {{"id", id}, {"error", problem}});
}

void Telemetry::stopped(const Container& c, table::StopMode mode, const std::string& report,
                        const std::string& summary, std::string_view result) {
  stopped_.counter({c.info.id, summary}).add();
  const bool freeze = mode == table::StopMode::Freeze;
  log_event(err, freeze ? "container frozen" : "container stopped",
            {{"id", c.info.id},
             {"pid", c.info.pid},
             {"reason", freeze ? "seccomp froze" : "seccomp killed"},
             {"message", report},
             {"result", result}});
}

void Telemetry::reloaded(const std::string& table, const std::string& old_hash,
                         const std::string& new_hash) {
  table_info_.gauge({old_hash}).set(0);
  table_info_.gauge({new_hash}).set(1);
  reloads_loaded_.add();
  log_event(info, "table reloaded", {{"table", table}, {"hash", new_hash}});
}

void Telemetry::reload_refused(const std::string& table, std::string_view error,
                               const std::string& kept_hash) {
  reloads_refused_.add();
  log_event(err, "reload refused", {{"table", table}, {"error", error}, {"kept", kept_hash}});
}

void Telemetry::emulation_timed_out(size_t loop, std::chrono::milliseconds limit, bool handed_over,
                                    size_t abandoned, size_t max_abandoned) {
  emulation_timeouts_.add();
  log_event(err, "emulation timed out",
            {{"loop", loop},
             {"limit_ms", limit.count()},
             {"answer", "ETIMEDOUT"},
             {"loop_thread", handed_over ? "replaced" : "kept: too many threads abandoned already"},
             {"abandoned_threads", abandoned},
             {"max_abandoned_threads", max_abandoned}});
}

}  // namespace sa::agent
