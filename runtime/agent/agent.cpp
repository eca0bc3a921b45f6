#include "agent/agent.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "agent/kernel_facts.hpp"
#include "kernel/emulate.hpp"
#include "model/call/origin.hpp"
#include "model/codec/table_json.hpp"
#include "model/overloaded.hpp"

namespace sa::agent {

using spdlog::level::err;
using spdlog::level::info;
using spdlog::level::warn;

// One notification on its way to an answer.
struct Agent::Pending {
  Pending(std::shared_ptr<Container> c, std::shared_ptr<const engine::Engine> e,
          const kernel::Notification& note)
      : container(std::move(c)), engine(std::move(e)), n(note) {}

  std::shared_ptr<Container> container;
  std::shared_ptr<const engine::Engine> engine;  // the decision points into its table
  kernel::Notification n;
  engine::Decision decision;
  std::optional<trace::NotificationRecord> record;  // with --record
  std::optional<boost::asio::steady_timer> timer;   // `delay D then ...`, on the container's loop
  std::optional<model::Response> sent;
  std::string outcome;
};

namespace {

std::shared_ptr<const engine::Engine> load_engine(const std::string& path) {
  return std::make_shared<const engine::Engine>(table::load_table_file(path));
}

}  // namespace

Agent::Agent(AgentOptions options)
    : options_(std::move(options)), signals_(io_, SIGTERM, SIGINT, SIGHUP) {
  for (unsigned i = 0; i < std::max(1u, options_.threads); ++i) {
    loops_.push_back(std::make_unique<boost::asio::io_context>(1));
    loop_work_.push_back(boost::asio::make_work_guard(*loops_.back()));
    // Asio opens a reactor's fds (epoll, eventfd, timerfd) with the first
    // I/O object; a timer made and dropped now opens them at start, so the
    // agent's fd count stays flat from then on and a leak shows as growth.
    boost::asio::steady_timer opens_the_reactor(*loops_.back());
  }
  try {
    engine_ = load_engine(options_.table_path);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot use the decision table: {}", e.what()));
  }
  if (!options_.record_path.empty()) {
    recorder_ = std::make_unique<Recorder>(options_.record_path, engine_->table().hash);
  }
  describe_metrics();
  metrics_.set("seccomp_agent_table_info", {{"hash", engine_->table().hash}}, 1);
  if (options_.metrics) {
    metrics_server_ = std::make_unique<MetricsServer>(io_, *options_.metrics, metrics_);
  }
  socket_.emplace(kernel::ContainerSocket::listen(options_.socket_path, options_.allowed_uids));
  socket_watch_.emplace(io_, ::dup(socket_->get()));
  std::vector<std::string> policies;
  for (const auto& p : engine_->table().policies)
    policies.push_back(p.name);
  log_event(
      info, "agent started",
      {{"socket", options_.socket_path},
       {"table", options_.table_path},
       {"hash", engine_->table().hash},
       {"policies", policies},
       {"threads", options_.threads},
       {"metrics", options_.metrics ? fmt::format("{}:{}", options_.metrics->address().to_string(),
                                                  metrics_server_->endpoint().port())
                                    : std::string()}});
}

Agent::~Agent() = default;

void Agent::describe_metrics() {
  metrics_.describe("seccomp_agent_notifications_total", "counter",
                    "Notifications decided, by policy, syscall, action and origin");
  metrics_.describe("seccomp_agent_containers", "gauge", "Containers being served");
  metrics_.describe("seccomp_agent_containers_registered_total", "counter",
                    "Notify fds received from container runtimes");
  metrics_.describe("seccomp_agent_messages_rejected_total", "counter",
                    "Runtime messages dropped: refused peer or malformed message");
  metrics_.describe(
      "seccomp_agent_containers_stopped_total", "counter",
      "Containers stopped because they used forbidden syscalls, by the syscalls used");
  metrics_.describe("seccomp_agent_emulation_failures_total", "counter",
                    "Emulations the agent could not carry out, by syscall");
  metrics_.describe("seccomp_agent_table_reloads_total", "counter", "SIGHUP reloads, by result");
  metrics_.describe("seccomp_agent_table_info", "gauge", "The decision table in force");
}

int Agent::run() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) { on_signal(ec, sig); });
  accept_next();
  std::vector<std::thread> threads;
  for (auto& loop : loops_)
    threads.emplace_back([&loop] { loop->run(); });
  io_.run();
  for (auto& t : threads)
    t.join();
  log_event(info, "agent stopped", {});
  return 0;
}

void Agent::on_signal(boost::system::error_code ec, int sig) {
  if (ec)
    return;
  if (sig == SIGHUP) {
    reload();
    signals_.async_wait([this](boost::system::error_code e, int s) { on_signal(e, s); });
    return;
  }
  shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

// ---- receiving containers ---------------------------------------------------

void Agent::accept_next() {
  socket_watch_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this](boost::system::error_code ec) {
                              if (ec || stopping_)
                                return;
                              on_connection();
                              accept_next();
                            });
}

void Agent::on_connection() {
  kernel::Accepted a;
  try {
    a = socket_->accept();
  } catch (const std::exception& e) {
    log_event(err, "accept failed", {{"error", e.what()}});
    return;
  }
  if (a.outcome == kernel::AcceptOutcome::NoConnection)
    return;
  if (a.outcome == kernel::AcceptOutcome::Refused) {
    metrics_.count("seccomp_agent_messages_rejected_total", {{"reason", "peer"}});
    log_event(warn, "connection refused",
              {{"peer_pid", a.peer.pid},
               {"peer_uid", a.peer.uid},
               {"why", "the peer is neither root nor an allowed uid"}});
    return;
  }
  // A runtime writes its message and closes at once; reading it here holds
  // one reactor thread for at most the read timeout, never the others.
  on_message(kernel::read_container_message(a.connection.get()), a.peer);
}

void Agent::on_message(kernel::MessageResult result, kernel::PeerCredentials peer) {
  if (auto* bad = std::get_if<kernel::MessageError>(&result)) {
    metrics_.count("seccomp_agent_messages_rejected_total", {{"reason", "malformed"}});
    log_event(err, "message dropped",
              {{"peer_pid", peer.pid}, {"peer_uid", peer.uid}, {"error", bad->message}});
    return;
  }
  add_container(std::move(std::get<kernel::ContainerMessage>(result)));
}

void Agent::add_container(kernel::ContainerMessage m) {
  const int watch_fd = ::dup(m.seccomp_fd.get());
  if (watch_fd < 0) {
    log_event(err, "container dropped", {{"id", m.state.id}, {"error", std::strerror(errno)}});
    return;
  }
  auto c =
      std::make_shared<Container>(next_loop(), kernel::NotifyFd(std::move(m.seccomp_fd)), watch_fd);
  c->info.id = m.state.id;
  c->info.pid = m.state.pid;
  c->info.bundle = m.state.bundle;
  c->info.status = std::string(kernel::status_name(m.state.status));
  c->info.annotations = m.state.annotations;
  c->info.metadata_raw = m.metadata;
  model::complete(c->info);
  if (m.state.pid > 0) {
    // Opened now, while the init is surely the container's, so that a later
    // stop cannot hit a process that reused the pid.
    try {
      if (auto fd = kernel::Pidfd::open(m.state.pid)) {
        c->init = std::make_shared<const kernel::Pidfd>(std::move(*fd));
      }
    } catch (const std::exception& e) {
      log_event(warn, "cannot open the container's init",
                {{"id", c->info.id}, {"error", e.what()}});
    }
    c->init_userns = kernel::user_namespace_of(m.state.pid);
  } else {
    adopt_init(*c);
  }
  if (options_.sync_wake_up) {
    auto refused = c->notify.enable_sync_wake_up();
    c->sync_wake_up = !refused.has_value();
  }
  {
    const std::lock_guard lock(mutex_);
    c->serial = next_serial_++;
    c->engine = engine_;
    containers_[c->serial] = c;
    metrics_.set("seccomp_agent_containers", {}, static_cast<int64_t>(containers_.size()));
  }
  select_policy(*c, false);
  metrics_.count("seccomp_agent_containers_registered_total", {});
  if (recorder_)
    recorder_->container(c->info);
  boost::asio::post(c->watch.get_executor(), [this, c] { watch(c); });
}

boost::asio::io_context& Agent::next_loop() {
  return *loops_[next_loop_++ % loops_.size()];
}

// A runtime that does not name the init (crun's exec sends pid 0): it is the
// init of the fd already registered under the same container id.
void Agent::adopt_init(Container& c) {
  const std::lock_guard lock(mutex_);
  for (const auto& [serial, other] : containers_) {
    if (other->info.id == c.info.id && other->init) {
      c.init = other->init;
      c.init_userns = other->init_userns;
      c.info.pid = other->info.pid;
      return;
    }
  }
}

void Agent::select_policy(Container& c, bool reloaded) {
  std::string why;
  const std::lock_guard lock(mutex_);
  const table::Policy* p = c.engine->select_policy(c.info, &why);
  c.policy = p;
  log_event(p != nullptr ? info : warn, reloaded ? "policy reselected" : "container registered",
            {{"id", c.info.id},
             {"pid", c.info.pid},
             {"status", c.info.status},
             {"pod", c.info.pod_namespace.empty() ? std::string()
                                                  : c.info.pod_namespace + "/" + c.info.pod_name},
             {"container", c.info.container_name},
             {"policy", p != nullptr ? p->name : std::string()},
             {"why", why},
             {"sync_wake_up", c.sync_wake_up}});
}

// ---- notifications ------------------------------------------------------------

void Agent::watch(const std::shared_ptr<Container>& c) {
  c->watch.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this, c](boost::system::error_code ec) {
                        if (ec || stopping_)
                          return;
                        on_readable(c);
                      });
}

void Agent::on_readable(const std::shared_ptr<Container>& c) {
  pollfd p{c->notify.get(), POLLIN, 0};
  if (::poll(&p, 1, 0) < 0) {
    watch(c);
    return;
  }
  if ((p.revents & POLLIN) == 0) {
    // No notification and the filter has no tasks left: the container is gone.
    if ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
      remove(c, "exited");
    else
      watch(c);
    return;
  }
  kernel::Received r;
  try {
    r = c->notify.receive();
  } catch (const std::exception& e) {
    log_event(err, "receive failed", {{"id", c->info.id}, {"error", e.what()}});
    remove(c, "receive failed");
    return;
  }
  // Answer first, listen again after: the re-arm (an epoll_ctl) stays off
  // the caller's critical path. Delays are timers; an emulation runs here
  // and holds this loop (not the others) for as long as it takes.
  if (r.outcome == kernel::RecvOutcome::Received)
    handle(c, r.notification);
  watch(c);
}

void Agent::handle(const std::shared_ptr<Container>& c, const kernel::Notification& n) {
  std::shared_ptr<const engine::Engine> engine;
  const table::Policy* policy = nullptr;
  {
    const std::lock_guard lock(mutex_);
    engine = c->engine;
    policy = c->policy;
  }
  auto p = std::make_shared<Pending>(c, engine, n);
  KernelFacts facts(c->notify, n, c->init_userns);
  if (recorder_) {
    engine::RecordingFacts recording(facts);
    p->decision = engine->evaluate(policy, c->info, n, recording);
    p->record = start_record(c->info, n, p->decision, recording);
  } else {
    p->decision = engine->evaluate(policy, c->info, n, facts);
  }
  ++c->notifications;
  for (const std::string& w : p->decision.warnings) {
    log_event(warn, "decision warning",
              {{"id", c->info.id}, {"syscall", std::string(p->decision.syscall)}, {"warning", w}});
  }
  if (p->decision.stops())
    count_forbidden(c, p->decision);
  if (p->decision.delay_ms && *p->decision.delay_ms > 0) {
    p->timer.emplace(c->watch.get_executor(), std::chrono::milliseconds(*p->decision.delay_ms));
    p->timer->async_wait([this, p](boost::system::error_code) { proceed(p); });
    return;
  }
  proceed(p);
}

void Agent::proceed(const std::shared_ptr<Pending>& p) {
  std::visit(
      Overloaded{
          [&](const engine::Continue&) { respond(p, model::Response::continue_syscall()); },
          [&](const engine::Fail& f) { respond(p, model::Response::fail(f.error)); },
          [&](const engine::Return& r) { respond(p, model::Response::return_value(r.value)); },
          [&](const engine::Emulate& e) { emulate(p, e.call); },
          [&](const engine::Kill&) { kill_caller(p); },
      },
      p->decision.answer);
}

void Agent::emulate(const std::shared_ptr<Pending>& p, const model::Emulation& call) {
  kernel::EmulationResult e;
  try {
    e = kernel::emulate(p->container->notify, p->n, call);
  } catch (const std::exception& ex) {
    e.outcome = kernel::EmulationOutcome::Failed;
    e.failure = kernel::SysError(EPERM, ex.what());
  }
  switch (e.outcome) {
    case kernel::EmulationOutcome::Done:
      respond(p, e.response());
      return;
    case kernel::EmulationOutcome::TargetGone:
      p->outcome = "target-gone";
      finish(p);
      return;
    case kernel::EmulationOutcome::Failed: {
      // The agent could not get into the caller's context: the call fails
      // rather than running natively behind the policy's back.
      const int code = e.failure && e.failure->err() != 0 ? e.failure->err() : EPERM;
      metrics_.count("seccomp_agent_emulation_failures_total",
                     {{"syscall", std::string(p->decision.syscall)}});
      log_event(err, "emulation failed",
                {{"id", p->container->info.id},
                 {"syscall", std::string(p->decision.syscall)},
                 {"error", e.failure ? std::string(e.failure->what()) : std::string("unknown")}});
      respond(p, kernel::Response::fail(code));
      return;
    }
  }
}

void Agent::kill_caller(const std::shared_ptr<Pending>& p) {
  try {
    auto pidfd = kernel::Pidfd::open(static_cast<pid_t>(p->n.pid));
    // The pidfd names whoever has the pid now; a pending notification proves
    // that is still the caller.
    if (pidfd && p->container->notify.id_valid(p->n.id)) {
      pidfd->kill();
      p->outcome = "killed";
    } else {
      p->outcome = "target-gone";
    }
  } catch (const std::exception& e) {
    p->outcome = std::string("failed: ") + e.what();
    log_event(err, "kill failed",
              {{"id", p->container->info.id}, {"pid", p->n.pid}, {"error", e.what()}});
    // It must not run: fail the call instead.
    respond(p, kernel::Response::fail(EPERM));
    return;
  }
  finish(p);
}

void Agent::respond(const std::shared_ptr<Pending>& p, const kernel::Response& r) {
  try {
    if (p->container->notify.respond(p->n.id, r) == kernel::SendOutcome::Sent) {
      p->sent = r;
      p->outcome = "sent";
    } else {
      p->outcome = "target-gone";
    }
  } catch (const std::exception& e) {
    p->outcome = std::string("failed: ") + e.what();
    log_event(err, "respond failed", {{"id", p->container->info.id}, {"error", e.what()}});
  }
  finish(p);
}

void Agent::finish(const std::shared_ptr<Pending>& p) {
  const engine::Decision& d = p->decision;
  const std::string policy = d.policy != nullptr ? d.policy->name : std::string();
  metrics_.count("seccomp_agent_notifications_total",
                 {{"policy", policy},
                  {"syscall", std::string(d.syscall)},
                  {"action", std::string(name_of(d.response()))},
                  {"origin", std::string(name_of(d.origin))}});
  if (d.log || spdlog::default_logger()->should_log(spdlog::level::debug)) {
    log_event(d.log ? info : spdlog::level::debug, "decision",
              {{"id", p->container->info.id},
               {"pid", p->n.pid},
               {"syscall", std::string(d.syscall)},
               {"action", d.action_text()},
               {"effect", d.effect_plan()},
               {"rule", d.row != nullptr ? d.row->id : std::string()},
               {"origin", std::string(name_of(d.origin))},
               {"outcome", p->outcome}});
  }
  if (recorder_ && p->record) {
    p->record->response = p->sent;
    recorder_->notification(*p->record);
  }
}

// ---- stopping containers (CRI-O's notifier) ---------------------------------

void Agent::count_forbidden(const std::shared_ptr<Container>& c, const engine::Decision& d) {
  const std::lock_guard lock(mutex_);
  if (c->stopped)
    return;
  c->forbidden.hit(std::string(d.syscall));
  // The grace time runs from the last forbidden call: rearming cancels the
  // previous wait.
  c->stop_timer.expires_after(std::chrono::milliseconds(*d.stop_after_ms));
  c->stop_timer.async_wait([this, c](boost::system::error_code ec) {
    if (!ec)
      stop_container(c);
  });
}

void Agent::stop_container(const std::shared_ptr<Container>& c) {
  std::string report;
  std::string summary;
  {
    const std::lock_guard lock(mutex_);
    if (c->stopped)
      return;
    c->stopped = true;
    report = c->forbidden.report();
    summary = c->forbidden.summary();
  }
  std::string result = "killed";
  try {
    if (!c->init || c->init->kill() == kernel::SignalOutcome::AlreadyGone)
      result = "already gone";
  } catch (const std::exception& e) {
    result = std::string("failed: ") + e.what();
  }
  metrics_.count("seccomp_agent_containers_stopped_total",
                 {{"name", c->info.id}, {"syscalls", summary}});
  log_event(err, "container stopped",
            {{"id", c->info.id},
             {"pid", c->info.pid},
             {"reason", "seccomp killed"},
             {"message", report},
             {"result", result}});
}

void Agent::remove(const std::shared_ptr<Container>& c, std::string_view why) {
  {
    const std::lock_guard lock(mutex_);
    if (c->closed)
      return;
    c->closed = true;
    containers_.erase(c->serial);
    metrics_.set("seccomp_agent_containers", {}, static_cast<int64_t>(containers_.size()));
    c->stop_timer.cancel();
  }
  boost::system::error_code ignored;
  c->watch.close(ignored);
  log_event(info, "container gone",
            {{"id", c->info.id},
             {"why", why},
             {"notifications", c->notifications},
             {"forbidden", c->forbidden.summary()}});
  // The notify fd itself closes when the last answer in flight lets go.
}

// ---- reload and shutdown ------------------------------------------------------

void Agent::reload() {
  std::shared_ptr<const engine::Engine> fresh;
  try {
    fresh = load_engine(options_.table_path);
  } catch (const std::exception& e) {
    metrics_.count("seccomp_agent_table_reloads_total", {{"result", "refused"}});
    log_event(
        err, "reload refused",
        {{"table", options_.table_path}, {"error", e.what()}, {"kept", engine_->table().hash}});
    return;
  }
  std::vector<std::shared_ptr<Container>> all;
  {
    const std::lock_guard lock(mutex_);
    metrics_.set("seccomp_agent_table_info", {{"hash", engine_->table().hash}}, 0);
    engine_ = fresh;
    for (auto& [serial, c] : containers_) {
      c->engine = fresh;
      all.push_back(c);
    }
  }
  for (auto& c : all)
    select_policy(*c, true);
  metrics_.set("seccomp_agent_table_info", {{"hash", fresh->table().hash}}, 1);
  metrics_.count("seccomp_agent_table_reloads_total", {{"result", "loaded"}});
  log_event(info, "table reloaded",
            {{"table", options_.table_path}, {"hash", fresh->table().hash}});
}

void Agent::shutdown(std::string_view why) {
  log_event(info, "stopping", {{"why", why}});
  stopping_ = true;
  boost::system::error_code ignored;
  socket_watch_->close(ignored);
  socket_.reset();  // removes the socket file
  if (metrics_server_)
    metrics_server_->stop();
  std::vector<std::shared_ptr<Container>> all;
  {
    const std::lock_guard lock(mutex_);
    for (auto& [serial, c] : containers_)
      all.push_back(c);
  }
  // Each container is let go on its own loop, after whatever that loop is
  // doing; then the loops end (a loop runs its handlers in order).
  for (auto& c : all) {
    boost::asio::post(c->watch.get_executor(), [this, c] { remove(c, "agent stopping"); });
  }
  for (auto& loop : loops_)
    boost::asio::post(*loop, [&loop] { loop->stop(); });
  loop_work_.clear();
  signals_.cancel();
  io_.stop();
}

}  // namespace sa::agent
