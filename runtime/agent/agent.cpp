#include "agent/agent.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <stdexcept>

#include "agent/handover_protocol.hpp"
#include "agent/log.hpp"
#include "kernel/acting_as_caller.hpp"
#include "kernel/sys_error.hpp"
#include "model/codec/table_json.hpp"

namespace sa::agent {
namespace {

Generation load(const std::string& path, Telemetry& telemetry) {
  auto engine = std::make_shared<const engine::Engine>(table::load_table_file(path));
  auto counters = telemetry.counters_for(*engine);
  return Generation{std::move(engine), std::move(counters)};
}

Generation load_at_start(const std::string& path, Telemetry& telemetry) {
  try {
    return load(path, telemetry);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot use the decision table: {}", e.what()));
  }
}

}  // namespace

Agent::Agent(AgentOptions options)
    : options_(std::move(options)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      telemetry_(metrics_),
      falco_(options_.falco_socket, telemetry_),
      registry_(telemetry_, load_at_start(options_.table_path, telemetry_)),
      notifier_(telemetry_),
      handler_(registry_, telemetry_, notifier_, falco_, stopping_, options_.emulation_timeout),
      abandoned_(kMaxAbandonedThreads, telemetry_.abandoned_threads_gauge()),
      watchdog_(io_, loops_, options_.emulation_timeout, abandoned_, telemetry_),
      table_reader_(io_, options_.table_path,
                    [this](std::shared_ptr<const engine::Engine> engine, const std::string& error) {
                      on_table_read(std::move(engine), error);
                    }),
      started_ns_(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count())) {
  for (unsigned i = 0; i < std::max(1u, options_.threads); ++i) {
    loops_.push_back(std::make_unique<Loop>());
    loop_work_.push_back(boost::asio::make_work_guard(loops_.back()->io()));
    // Asio opens a reactor's fds (epoll, eventfd, timerfd) with the first
    // I/O object; a timer made and dropped now opens them at start, so the
    // agent's fd count stays flat from then on and a leak shows as growth.
    boost::asio::steady_timer opens_the_reactor(loops_.back()->io());
  }
  // With a holder, a stop timer armed is deposited at once: an agent
  // started after a crash stops the container all the same.
  handler_.on_stop_armed = [this](Container& c) {
    if (holder_ && !c.holder_key.empty())
      holder_->update(c.holder_key, handler_.state_of(c), c.init != nullptr);
  };
  // Likewise what emulating as a caller needs to come back (the agent's
  // root and cwd); failing here is failing at start, not at a first mkdir.
  kernel::prepare_to_act_as_callers();
  const Generation g = registry_.generation();
  if (options_.takeover) {
    take_over();
  } else {
    if (!options_.record_path.empty())
      telemetry_.record_to(options_.record_path, g.engine->table().hash);
    if (options_.metrics)
      metrics_server_ = std::make_unique<MetricsServer>(io_, *options_.metrics, metrics_);
    // The takeover socket first: the runtime socket's appearing is what says
    // the agent is up (to tests and scripts), and a successor started then
    // must find its predecessor's takeover socket.
    takeover_socket_.emplace(kernel::ContainerSocket::listen(
        handover::takeover_path(options_.socket_path), options_.allowed_uids));
    socket_.emplace(kernel::ContainerSocket::listen(options_.socket_path, options_.allowed_uids));
    watch_sockets();
    if (!options_.holder_path.empty())
      take_back();
  }
  telemetry_.started(options_.socket_path, options_.table_path, *g.engine, options_.threads,
                     options_.metrics
                         ? fmt::format("{}:{}", options_.metrics->address().to_string(),
                                       metrics_server_->endpoint().port())
                         : std::string());
}

Agent::~Agent() = default;

void Agent::watch_sockets() {
  for (auto [socket, watch] :
       {std::pair{&*socket_, &socket_watch_}, std::pair{&*takeover_socket_, &takeover_watch_}}) {
    const int fd = ::dup(socket->get());
    if (fd < 0)
      kernel::throw_errno("dup " + socket->path().string());
    watch->emplace(io_, fd);
  }
}

int Agent::run() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) { on_signal(ec, sig); });
  accept_next();
  accept_takeover_next();
  for (auto& loop : loops_)
    loop->start(abandoned_);
  watchdog_.start();
  io_.run();
  return finish();
}

int Agent::finish() {
  // SIGTERM must end the agent within a second whatever its threads are
  // doing: a thread waiting in the kernel for a filesystem is not joined.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  // Its call in progress is cancelled, not waited for (up to its 1 s
  // deadline); what is still queued is dropped, counted.
  falco_.stop();
  size_t stuck = 0;
  for (auto& loop : loops_)
    stuck += loop->wait_stopped(deadline) ? 0 : 1;
  const size_t abandoned = abandoned_.count();
  // A table read may wait in the kernel as well (table_reader.hpp).
  const bool reading = table_reader_.reading();
  if (stuck == 0 && abandoned == 0 && !reading) {
    log_event(spdlog::level::info, "agent stopped", {});
    return 0;
  }
  // Those threads may come back at any time and must find the agent whole:
  // no destructor runs; exit_group ends them (a wait the kernel makes
  // unkillable, such as a FUSE request its daemon has read, holds the
  // process until it ends).
  log_event(spdlog::level::warn, "agent stopped",
            {{"loops_inside_an_emulation", stuck},
             {"abandoned_threads", abandoned},
             {"table_read_unfinished", reading}});
  spdlog::default_logger()->flush();
  ::_exit(0);
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
                              if (ec || stopping_ || handing_over_)
                                return;  // a failed hand-over accepts again
                              if (on_connection())
                                accept_next();
                              else
                                pause_accepting();
                            });
}

void Agent::pause_accepting() {
  accept_pause_.expires_after(std::chrono::milliseconds(100));
  accept_pause_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopping_ && !handing_over_)
      accept_next();
  });
}

// False when accepting must pause (no fd left for the connection).
bool Agent::on_connection() {
  kernel::Accepted a;
  try {
    a = socket_->accept();
  } catch (const std::exception& e) {
    telemetry_.accept_failed(e.what());
    return true;
  }
  switch (a.outcome) {
    case kernel::AcceptOutcome::NoConnection:
      return true;
    case kernel::AcceptOutcome::OutOfFds:
      // Logged once an episode, not once a wake-up.
      if (!accept_paused_)
        telemetry_.accept_paused();
      accept_paused_ = true;
      return false;
    case kernel::AcceptOutcome::Refused:
      accept_paused_ = false;
      telemetry_.rejected(Rejection::Peer, a.peer.pid, a.peer.uid,
                          "the peer is neither root nor an allowed uid");
      return true;
    case kernel::AcceptOutcome::Accepted:
      accept_paused_ = false;
      break;
  }
  start_registration(std::move(a));
  return true;
}

struct Agent::Registration {
  Registration(boost::asio::io_context& io, kernel::UniqueFd connection,
               kernel::PeerCredentials who)
      : socket(io, connection.release()), deadline(io), peer(who) {}

  boost::asio::posix::stream_descriptor socket;
  boost::asio::steady_timer deadline;  // for the whole message, not each read
  kernel::ContainerMessageReader reader;
  kernel::PeerCredentials peer;
  bool done = false;
  std::list<std::shared_ptr<Registration>>::iterator in_pending;
};

void Agent::start_registration(kernel::Accepted a) {
  if (pending_.size() >= kMaxPendingRegistrations) {
    std::shared_ptr<Registration> oldest = pending_.front();
    finish_registration(oldest);
    telemetry_.rejected(Rejection::Busy, oldest->peer.pid, oldest->peer.uid,
                        "too many runtime connections are still sending their messages; "
                        "the oldest is dropped");
  }
  auto r = std::make_shared<Registration>(io_, std::move(a.connection), a.peer);
  r->in_pending = pending_.insert(pending_.end(), r);
  r->deadline.expires_after(kernel::MessageLimits{}.timeout);
  r->deadline.async_wait([this, r](boost::system::error_code ec) {
    if (!ec && !r->done)
      end_registration(r, r->reader.timed_out());
  });
  // A runtime sends its whole message at once, before we accept: read what
  // is there now, so that connections accepted after it cannot push it out.
  if (std::optional<kernel::MessageResult> message =
          r->reader.read_available(r->socket.native_handle()))
    end_registration(r, std::move(*message));
  else
    read_registration(r);
}

void Agent::read_registration(const std::shared_ptr<Registration>& r) {
  r->socket.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this, r](boost::system::error_code ec) {
                         if (ec || r->done || stopping_)
                           return;
                         std::optional<kernel::MessageResult> message =
                             r->reader.read_available(r->socket.native_handle());
                         if (message)
                           end_registration(r, std::move(*message));
                         else
                           read_registration(r);
                       });
}

void Agent::finish_registration(const std::shared_ptr<Registration>& r) {
  r->done = true;
  pending_.erase(r->in_pending);
  r->deadline.cancel();
  boost::system::error_code ignored;
  r->socket.close(ignored);  // the runtime's end stays open as long as it likes; ours closes
}

void Agent::end_registration(const std::shared_ptr<Registration>& r, kernel::MessageResult result) {
  finish_registration(r);
  on_message(std::move(result), r->peer);
}

void Agent::on_message(kernel::MessageResult result, kernel::PeerCredentials peer) {
  if (auto* bad = std::get_if<kernel::MessageError>(&result)) {
    telemetry_.rejected(Rejection::Malformed, peer.pid, peer.uid, bad->message);
    return;
  }
  auto& m = std::get<kernel::ContainerMessage>(result);
  // Anything else (a pipe, a file, /dev/null) would be watched for ever and
  // never removed.
  if (!kernel::is_notify_fd(m.seccomp_fd.get())) {
    telemetry_.rejected(
        Rejection::NotNotifyFd, peer.pid, peer.uid,
        "the seccompFd of container \"" + m.state.id + "\" is not a seccomp notify fd");
    return;
  }
  // Out of fds (opening the init's /proc entry, its namespaces), this
  // container is dropped, not the agent: the exception used to end the
  // control reactor, and with it the service of every container.
  const std::string id = m.state.id;
  std::shared_ptr<Container> c;
  try {
    c = registry_.add(std::move(m), next_loop(), options_.sync_wake_up);
  } catch (const std::exception& e) {
    telemetry_.dropped(id, e.what());
    return;
  }
  // Not served yet: no loop touches it, nothing is in flight.
  if (c && holder_)
    deposit(*c, handler_.state_of(*c));
  if (c)
    boost::asio::post(c->loop.io(), [this, c] { handler_.start(c); });
}

Loop& Agent::next_loop() {
  return *loops_[next_loop_++ % loops_.size()];
}

// ---- reload and shutdown ------------------------------------------------------

void Agent::reload() {
  table_reader_.request();
}

void Agent::on_table_read(std::shared_ptr<const engine::Engine> engine, const std::string& error) {
  if (stopping_)
    return;
  const std::string old_hash = registry_.generation().engine->table().hash;
  if (!engine) {
    telemetry_.reload_refused(options_.table_path, error, old_hash);
    return;
  }
  const std::string hash = engine->table().hash;
  auto counters = telemetry_.counters_for(*engine);
  registry_.rebind(Generation{std::move(engine), std::move(counters)});
  telemetry_.reloaded(options_.table_path, old_hash, hash);
}

void Agent::shutdown(std::string_view why) {
  log_event(spdlog::level::info, "stopping", {{"why", why}});
  stopping_ = true;
  // With a holder the containers stay there, for the agent started next (or
  // until the holder gives up): none is withdrawn.
  if (holder_) {
    holder_->detach();
    log_event(spdlog::level::info, "containers left with the holder",
              {{"containers", registry_.all().size()}, {"holder", options_.holder_path}});
  }
  // Each container is let go on its own loop, after whatever that loop is
  // doing; then the loops end (a loop runs its handlers in order).
  for (auto& c : registry_.all()) {
    boost::asio::post(c->loop.io(), [this, c] { registry_.remove(c, "agent stopping"); });
  }
  stop_serving();
}

void Agent::stop_serving() {
  stopping_ = true;
  boost::system::error_code ignored;
  socket_watch_->close(ignored);
  takeover_watch_->close(ignored);
  socket_.reset();  // removes the socket file, unless handed over
  takeover_socket_.reset();
  if (metrics_server_)
    metrics_server_->stop();
  for (auto& loop : loops_)
    boost::asio::post(loop->io(), [&loop] { loop->io().stop(); });
  loop_work_.clear();
  accept_pause_.cancel();
  takeover_retry_.cancel();
  signals_.cancel();
  io_.stop();
}

}  // namespace sa::agent
