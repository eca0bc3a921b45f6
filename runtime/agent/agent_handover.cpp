// The agent's hand-over to a successor started with --takeover, both sides;
// the protocol is in handover_protocol.hpp, its reasons in
// docs/architecture.md ("Restart and upgrade").
//
// The running agent, on the control thread: stops accepting runtime
// connections (they wait in the listen backlog, whoever serves next accepts
// them), reads to the end those it is reading, holds every loop (nothing more
// is received; a notification received is answered here or listed in the
// state), sends the state and the fds, and exits once the successor has
// taken everything. Until then any failure releases the loops and it serves
// on.
#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <thread>

#include "agent/agent.hpp"
#include "agent/handover_protocol.hpp"
#include "agent/log.hpp"
#include "kernel/framed_socket.hpp"
#include "kernel/notify_fd.hpp"
#include "kernel/pidfd.hpp"
#include "kernel/scm_rights.hpp"

namespace sa::agent {
namespace {

using namespace std::chrono_literals;
using spdlog::level::err;
using spdlog::level::info;

// The successor waits for the offer while the agent holds its loops and
// waits for its delayed emulations, each bounded.
constexpr std::chrono::milliseconds kSuccessorTimeout =
    2 * handover::kStepTimeout + handover::kQuiesceTimeout;

std::string endpoint_text(const std::optional<boost::asio::ip::tcp::endpoint>& e) {
  return e ? fmt::format("{}:{}", e->address().to_string(), e->port()) : std::string();
}

}  // namespace

struct Agent::Snapshot {
  std::shared_ptr<Container> container;
  handover::ContainerState state;
};

// ---- the running agent ----------------------------------------------------------

void Agent::accept_takeover_next() {
  takeover_watch_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                              [this](boost::system::error_code ec) {
                                if (!ec && !stopping_)
                                  on_takeover_connection();
                              });
}

void Agent::on_takeover_connection() {
  kernel::Accepted a;
  try {
    a = takeover_socket_->accept();
  } catch (const std::exception& e) {
    telemetry_.accept_failed(e.what());
    accept_takeover_next();
    return;
  }
  switch (a.outcome) {
    case kernel::AcceptOutcome::NoConnection:
      accept_takeover_next();
      return;
    case kernel::AcceptOutcome::OutOfFds:
      takeover_retry_.expires_after(100ms);
      takeover_retry_.async_wait([this](boost::system::error_code ec) {
        if (!ec && !stopping_)
          accept_takeover_next();
      });
      return;
    case kernel::AcceptOutcome::Refused:
      telemetry_.rejected(Rejection::Peer, a.peer.pid, a.peer.uid,
                          "a hand-over asked by a peer that is neither root nor an allowed uid");
      accept_takeover_next();
      return;
    case kernel::AcceptOutcome::Accepted:
      break;
  }
  log_event(info, "hand-over asked", {{"peer_pid", a.peer.pid}, {"peer_uid", a.peer.uid}});
  handing_over_ = true;
  boost::system::error_code ignored;
  socket_watch_->cancel(ignored);
  accept_pause_.cancel();
  wait_for_registrations(std::make_shared<kernel::UniqueFd>(std::move(a.connection)));
}

// A runtime's message being read is read to the end (each has a deadline of
// its own) and its container registered before the containers are counted.
void Agent::wait_for_registrations(std::shared_ptr<kernel::UniqueFd> connection) {
  if (!pending_.empty()) {
    takeover_retry_.expires_after(10ms);
    takeover_retry_.async_wait([this, connection](boost::system::error_code ec) {
      if (!ec && !stopping_)
        wait_for_registrations(connection);
    });
    return;
  }
  if (hand_over(connection->get()))
    return;
  handing_over_ = false;
  accept_next();
  accept_takeover_next();
}

// True once the successor has everything: this agent is ending then.
bool Agent::hand_over(int connection) {
  const Containers containers = registry_.all();
  bool held = false;
  try {
    kernel::set_io_timeout(connection, handover::kStepTimeout);
    handover::check_version(handover::receive_message(connection, "hello", 0).body);
    held = true;  // from the post on: a release posted later runs after it
    on_each_loop(containers,
                 [this](Loop& loop, const Containers& mine) { handler_.hold(loop, mine); });
    send_state(connection, containers);
    handover::receive_message(connection, "taken", 0);
    handover::send_message(connection, {{"type", "released"}});
  } catch (const std::exception& e) {
    log_event(err, "hand-over failed, serving on", {{"error", e.what()}});
    handover::send_error(connection, e.what());
    if (held)
      resume_after_failed_hand_over(containers);
    return false;
  }
  end_after_hand_over(containers.size());
  return true;
}

void Agent::on_each_loop(const Containers& containers,
                         const std::function<void(Loop&, const Containers&)>& step) {
  std::vector<std::future<void>> done;
  for (auto& loop : loops_) {
    Containers mine;
    for (const auto& c : containers) {
      if (&c->loop == loop.get())
        mine.push_back(c);
    }
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    boost::asio::post(loop->io(), [&l = *loop, mine = std::move(mine), step, promise] {
      step(l, mine);
      promise->set_value();
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + handover::kStepTimeout;
  for (auto& d : done) {
    if (d.wait_until(deadline) != std::future_status::ready)
      throw std::runtime_error("a notification loop did not come round within 10 s");
  }
}

std::vector<Agent::Snapshot> Agent::snapshot(const Containers& containers) {
  struct Taken {
    std::mutex mutex;
    std::vector<Snapshot> snapshots;
    bool busy = false;
  };
  const auto deadline = std::chrono::steady_clock::now() + handover::kQuiesceTimeout;
  for (;;) {
    auto taken = std::make_shared<Taken>();
    on_each_loop(containers, [this, taken](Loop&, const Containers& mine) {
      for (const auto& c : mine) {
        if (c->closed)
          continue;
        std::optional<handover::ContainerState> s = handler_.snapshot(*c);
        const std::lock_guard lock(taken->mutex);
        if (s)
          taken->snapshots.push_back({c, std::move(*s)});
        else
          taken->busy = true;
      }
    });
    const std::lock_guard lock(taken->mutex);
    if (!taken->busy) {
      std::sort(taken->snapshots.begin(), taken->snapshots.end(),
                [](const Snapshot& a, const Snapshot& b) {
                  return a.container->serial < b.container->serial;
                });
      return std::move(taken->snapshots);
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error(
          "a delayed emulation was still to be carried out after 10 s (emulations are never "
          "handed over)");
    std::this_thread::sleep_for(10ms);
  }
}

void Agent::send_state(int connection, const Containers& containers) {
  std::vector<Snapshot> snapshots = snapshot(containers);
  handover::State state;
  state.table_hash = registry_.generation().engine->table().hash;
  state.record_path = options_.record_path;
  state.record_seq = telemetry_.recorded_seq();
  std::vector<int> fds;
  std::map<const kernel::Pidfd*, size_t> inits;  // a pidfd shared by fds goes once
  for (Snapshot& s : snapshots) {
    s.state.notify_fd = fds.size();
    fds.push_back(s.container->notify.get());
    if (const auto& init = s.container->init) {
      const auto [at, fresh] = inits.try_emplace(init.get(), fds.size());
      if (fresh)
        fds.push_back(init->get());
      s.state.init_fd = at->second;
    }
    state.containers.push_back(std::move(s.state));
  }
  state.fds = fds.size();
  std::vector<int> sockets = {socket_->get(), takeover_socket_->get()};
  if (metrics_server_)
    sockets.push_back(metrics_server_->native_handle());
  handover::send_message(connection,
                         {{"type", "offer"},
                          {"version", handover::kProtocolVersion},
                          {"metrics", metrics_server_ ? endpoint_text(options_.metrics) : ""},
                          {"state", handover::to_json(state)}},
                         sockets);
  const std::span<const int> all(fds);
  for (size_t first = 0; first < fds.size(); first += kernel::kMaxPassedFds) {
    const size_t count = std::min(kernel::kMaxPassedFds, fds.size() - first);
    handover::send_message(connection, {{"type", "fds"}, {"first", first}, {"count", count}},
                           all.subspan(first, count));
  }
  log_event(info, "hand-over sent", {{"containers", state.containers.size()}, {"fds", fds.size()}});
}

void Agent::resume_after_failed_hand_over(const Containers& containers) {
  try {
    on_each_loop(containers,
                 [this](Loop& loop, const Containers& mine) { handler_.release(loop, mine); });
  } catch (const std::exception& e) {
    // Posted all the same: the loop releases when it comes round.
    log_event(err, "a loop is slow to serve again", {{"error", e.what()}});
  }
}

void Agent::end_after_hand_over(size_t containers) {
  log_event(info, "handed over", {{"containers", containers}});
  // The successor is the holder's client now: nothing more from this one.
  if (holder_)
    holder_->detach();
  // The successor listens on the same sockets: their files stay.
  socket_->keep_file();
  takeover_socket_->keep_file();
  stop_serving();
}

// ---- the successor ------------------------------------------------------------

namespace {

kernel::UniqueFd connect_to_running_agent(const std::string& path,
                                          const std::vector<uid_t>& allowed) {
  kernel::UniqueFd connection = kernel::connect_unix_socket(path);
  const kernel::PeerCredentials peer = kernel::peer_credentials(connection.get());
  if (peer.uid != 0 && std::find(allowed.begin(), allowed.end(), peer.uid) == allowed.end()) {
    throw std::runtime_error(
        fmt::format("the process at {} (pid {}) runs as uid {}, neither root nor an allowed uid",
                    path, peer.pid, peer.uid));
  }
  return connection;
}

std::vector<kernel::UniqueFd> receive_container_fds(int connection, size_t total) {
  std::vector<kernel::UniqueFd> fds;
  while (fds.size() < total) {
    handover::Message m = handover::receive_message(connection, "fds", kernel::kMaxPassedFds);
    const auto first = m.body.at("first").get<size_t>();
    const auto count = m.body.at("count").get<size_t>();
    if (first != fds.size() || count != m.fds.size() || count == 0 || first + count > total) {
      throw std::runtime_error(fmt::format("fds {}+{} came with {} fds after {} of {}", first,
                                           count, m.fds.size(), fds.size(), total));
    }
    for (auto& fd : m.fds)
      fds.push_back(std::move(fd));
  }
  return fds;
}

}  // namespace

void Agent::take_over() {
  const std::string path = handover::takeover_path(options_.socket_path);
  kernel::UniqueFd connection;
  try {
    connection = connect_to_running_agent(path, options_.allowed_uids);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("--takeover: no agent to take over from: {}", e.what()));
  }
  const int c = connection.get();
  try {
    kernel::set_io_timeout(c, kSuccessorTimeout);
    handover::send_message(c, {{"type", "hello"}, {"version", handover::kProtocolVersion}});
    handover::Message offer = handover::receive_message(c, "offer", 3);
    handover::check_version(offer.body);
    const auto metrics = offer.body.at("metrics").get<std::string>();
    const size_t sockets = metrics.empty() ? 2 : 3;
    if (offer.fds.size() != sockets)
      throw std::runtime_error(
          fmt::format("the offer came with {} fds instead of {}", offer.fds.size(), sockets));
    handover::State state = handover::state_from_json(offer.body.at("state"));
    std::vector<kernel::UniqueFd> fds = receive_container_fds(c, state.fds);
    socket_.emplace(kernel::ContainerSocket::adopt(options_.socket_path, std::move(offer.fds[0]),
                                                   options_.allowed_uids));
    takeover_socket_.emplace(
        kernel::ContainerSocket::adopt(path, std::move(offer.fds[1]), options_.allowed_uids));
    watch_sockets();
    open_metrics(metrics, sockets == 3 ? std::move(offer.fds[2]) : kernel::UniqueFd());
    const std::string table_hash = registry_.generation().engine->table().hash;
    if (!options_.record_path.empty()) {
      // One trace, one table: with another table the successor starts a
      // trace of its own (the old one is moved aside, recorder.cpp).
      const bool same_trace =
          state.record_path == options_.record_path && state.table_hash == table_hash;
      telemetry_.record_to(options_.record_path, table_hash,
                           same_trace ? std::optional(state.record_seq) : std::nullopt);
    }
    TakenOver taken = adopt_containers(std::move(state.containers), fds, false);
    handover::send_message(c, {{"type", "taken"}});
    handover::receive_message(c, "released", 0);
    if (!options_.holder_path.empty())
      join_holder(taken);
    size_t changed = 0;
    for (auto& entry : taken) {
      std::shared_ptr<Container> container = entry.first;
      const table::Policy* now = container->binding.policy;
      if ((now != nullptr ? now->name : std::string()) != entry.second.policy)
        ++changed;
      boost::asio::post(container->loop.io(),
                        [this, container, delayed = std::move(entry.second.delayed)] {
                          handler_.start_taken_over(container, delayed);
                        });
    }
    log_event(info, "took over",
              {{"containers", taken.size()},
               {"policy_changed", changed},
               {"previous_table", state.table_hash},
               {"table", table_hash}});
  } catch (const std::exception& e) {
    handover::send_error(c, e.what());
    throw std::runtime_error(fmt::format("--takeover: {}", e.what()));
  }
}

// Every fd checked before any container is taken: all or nothing.
Agent::TakenOver Agent::adopt_containers(std::vector<handover::ContainerState> states,
                                         std::vector<kernel::UniqueFd>& fds,
                                         bool taken_back) {
  std::map<size_t, std::shared_ptr<const kernel::Pidfd>> inits;
  std::set<size_t> notify_fds;
  std::vector<std::shared_ptr<const kernel::Pidfd>> init_of;
  for (const handover::ContainerState& s : states) {
    const kernel::UniqueFd& fd = fds[s.notify_fd];
    if (!notify_fds.insert(s.notify_fd).second || inits.contains(s.notify_fd) || !fd ||
        !kernel::is_notify_fd(fd.get())) {
      throw std::runtime_error(fmt::format(
          "the fd handed over for container \"{}\" is not a seccomp notify fd", s.info.id));
    }
    std::shared_ptr<const kernel::Pidfd> init;
    if (s.init_fd) {
      if (notify_fds.contains(*s.init_fd))
        throw std::runtime_error(fmt::format(
            "the init of container \"{}\" is handed over as one of its notify fds", s.info.id));
      auto& shared = inits[*s.init_fd];
      if (!shared) {
        shared = std::make_shared<const kernel::Pidfd>(
            kernel::Pidfd::adopt(static_cast<pid_t>(s.info.pid), std::move(fds[*s.init_fd])));
      }
      init = shared;
    }
    init_of.push_back(std::move(init));
  }
  TakenOver taken;
  for (size_t i = 0; i < states.size(); ++i) {
    handover::ContainerState& s = states[i];
    auto container = registry_.adopt(s, kernel::NotifyFd(std::move(fds[s.notify_fd])),
                                     std::move(init_of[i]), next_loop(), taken_back);
    taken.emplace_back(std::move(container), std::move(s));
  }
  return taken;
}

void Agent::open_metrics(std::string_view previous, kernel::UniqueFd previous_listener) {
  if (!options_.metrics)
    return;  // the previous listener closes
  if (previous_listener && previous == endpoint_text(options_.metrics)) {
    metrics_server_ = std::make_unique<MetricsServer>(io_, *options_.metrics,
                                                      previous_listener.release(), metrics_);
    return;
  }
  metrics_server_ = std::make_unique<MetricsServer>(io_, *options_.metrics, metrics_);
}

}  // namespace sa::agent
