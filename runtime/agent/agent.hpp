// The seccomp-agent daemon, as its parts meet. The control reactor (the
// main thread) takes the runtime socket, signals, reloads and metrics
// requests; each container's notify fd is served by one of `threads`
// notification loops, each a reactor on a thread of its own.
//
//   Registry             the containers, their policies, reload
//   NotificationHandler  receive -> decide -> (delay) -> answer, per loop
//   answer()             decision -> kernel answer, fail closed (responder)
//   Notifier             CRI-O-style stop of a container
//   Telemetry            metrics, logs and --record, one call per event
//
// docs/architecture.md follows one notification through them.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/abandoned_threads.hpp"
#include "agent/falco_publisher.hpp"
#include "agent/handover_state.hpp"
#include "agent/holder_client.hpp"
#include "agent/loop.hpp"
#include "agent/metrics.hpp"
#include "agent/notification_handler.hpp"
#include "agent/notifier.hpp"
#include "agent/registry.hpp"
#include "agent/table_reader.hpp"
#include "agent/telemetry.hpp"
#include "agent/watchdog.hpp"
#include "kernel/container_message.hpp"
#include "kernel/container_socket.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::agent {

struct AgentOptions {
  std::string socket_path = "/run/seccomp-agent.socket";
  std::string table_path;
  std::string record_path;  // "" = no recording
  std::optional<boost::asio::ip::tcp::endpoint> metrics;
  std::vector<uid_t> allowed_uids;  // besides root
  bool sync_wake_up = true;         // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP where the kernel has it
  unsigned threads = 2;             // notification loops, a thread and a reactor each
  // Past it, an emulation's caller gets ETIMEDOUT and its loop a new thread
  // (watchdog.hpp).
  std::chrono::milliseconds emulation_timeout{5000};
  // Take the runtime socket and every container over from the agent running
  // with the same socket, instead of binding it (agent_handover.cpp).
  bool takeover = false;
  // seccomp-agent-holder's socket, "" none: every container is deposited
  // there, and an agent started again after a crash takes them back
  // (agent_holder.cpp).
  std::string holder_path;
  // Where Kinvolk's Falco plugin listens, for the containers whose policy
  // publishes to Falco (falco_publisher.hpp).
  std::string falco_socket = std::string(FalcoPublisher::kDefaultSocket);
};

class Agent {
 public:
  // Loads the table and binds the socket, or with `takeover` receives it and
  // the containers from the agent running; throws std::runtime_error (with
  // the reason) when either is impossible.
  explicit Agent(AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Serves until SIGTERM or SIGINT. Returns the process exit status.
  int run();

  const Metrics& metrics() const { return metrics_; }

 private:
  struct Registration;  // one runtime connection whose message is being read

  // The reactor's duplicates of the runtime and takeover sockets.
  void watch_sockets();
  void accept_next();
  void pause_accepting();
  bool on_connection();
  void start_registration(kernel::Accepted a);
  void read_registration(const std::shared_ptr<Registration>& r);
  void end_registration(const std::shared_ptr<Registration>& r, kernel::MessageResult result);
  // Out of the pending list, its timer cancelled and our end closed.
  void finish_registration(const std::shared_ptr<Registration>& r);
  void on_message(kernel::MessageResult result, kernel::PeerCredentials peer);
  // SIGHUP: the table is read off this thread (table_reader.hpp); then
  // on_table_read() puts it in force, or refuses it.
  void reload();
  void on_table_read(std::shared_ptr<const engine::Engine> engine, const std::string& error);
  void on_signal(boost::system::error_code ec, int sig);
  void shutdown(std::string_view why);
  Loop& next_loop();
  // After the control reactor stopped: the loops' threads are given a short
  // while to leave their reactors; any still inside an emulation (or any
  // thread still abandoned) is not waited for: the process exits.
  int finish();

  // The hand-over to a successor (agent_handover.cpp).
  using Containers = std::vector<std::shared_ptr<Container>>;
  struct Snapshot;
  void accept_takeover_next();
  void on_takeover_connection();
  void wait_for_registrations(std::shared_ptr<kernel::UniqueFd> connection);
  bool hand_over(int connection);
  void send_state(int connection, const Containers& containers);
  // Runs `step` on every loop with that loop's containers and waits for all.
  void on_each_loop(const Containers& containers,
                    const std::function<void(Loop&, const Containers&)>& step);
  std::vector<Snapshot> snapshot(const Containers& containers);
  void resume_after_failed_hand_over(const Containers& containers);
  void end_after_hand_over(size_t containers);
  void stop_serving();
  // The successor's side: everything received before the agent serves.
  using TakenOver = std::vector<std::pair<std::shared_ptr<Container>, handover::ContainerState>>;
  void take_over();
  TakenOver adopt_containers(std::vector<handover::ContainerState> states,
                             std::vector<kernel::UniqueFd>& fds, bool taken_back);

  // With --holder (agent_holder.cpp).
  // At start without --takeover: every container the holder keeps is taken
  // back, the notifications the dead agent left unanswered answered.
  void take_back();
  // After a --takeover: the holder's set becomes this agent's containers.
  void join_holder(const TakenOver& taken);
  // A container just registered goes to the holder before it is served.
  void deposit(Container& c, const handover::ContainerState& state);
  // The notifications of `c` received by the dead agent and never answered;
  // returns how many were answered.
  size_t answer_orphans(Container& c, const InflightRecord& record);
  void open_metrics(std::string_view previous, kernel::UniqueFd previous_listener);

  AgentOptions options_;
  boost::asio::io_context io_;  // control: socket, signals, metrics
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> loop_work_;
  std::atomic<size_t> next_loop_ = 0;
  boost::asio::signal_set signals_;
  Metrics metrics_;
  Telemetry telemetry_;
  FalcoPublisher falco_;
  Registry registry_;
  Notifier notifier_;
  std::atomic<bool> stopping_ = false;
  NotificationHandler handler_;
  // Each holds its stack and the container's notify fd until the kernel
  // lets it go.
  static constexpr size_t kMaxAbandonedThreads = 32;
  AbandonedThreads abandoned_;
  Watchdog watchdog_;
  TableReader table_reader_;
  std::optional<kernel::ContainerSocket> socket_;
  std::optional<boost::asio::posix::stream_descriptor> socket_watch_;
  // <socket>.takeover, where a successor asks for everything.
  std::optional<kernel::ContainerSocket> takeover_socket_;
  std::optional<boost::asio::posix::stream_descriptor> takeover_watch_;
  boost::asio::steady_timer takeover_retry_{io_};
  bool handing_over_ = false;  // accepting no runtime connection meanwhile
  // Out of fds, the socket stays readable: accepting pauses instead of
  // spinning, and the runtime's connection waits in the backlog.
  boost::asio::steady_timer accept_pause_{io_};
  bool accept_paused_ = false;
  // Runtime connections being read, each with its own deadline, on the
  // control reactor: a slow peer holds up nobody else. Past the bound, the
  // oldest is dropped for the newest: refusing the newest instead let 256
  // idle connections turn every runtime away (its container then ran with
  // nobody answering), for as long as they were renewed.
  static constexpr size_t kMaxPendingRegistrations = 256;
  std::list<std::shared_ptr<Registration>> pending_;  // oldest first
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<HolderClient> holder_;
  // Makes holder keys unique across the agents a holder sees.
  uint64_t started_ns_ = 0;
};

}  // namespace sa::agent
