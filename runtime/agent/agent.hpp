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
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/abandoned_threads.hpp"
#include "agent/loop.hpp"
#include "agent/metrics.hpp"
#include "agent/notification_handler.hpp"
#include "agent/notifier.hpp"
#include "agent/registry.hpp"
#include "agent/telemetry.hpp"
#include "agent/watchdog.hpp"
#include "kernel/container_message.hpp"
#include "kernel/container_socket.hpp"

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
};

class Agent {
 public:
  // Loads the table and binds the socket; throws std::runtime_error (with
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

  void accept_next();
  void pause_accepting();
  bool on_connection();
  void start_registration(kernel::Accepted a);
  void read_registration(const std::shared_ptr<Registration>& r);
  void end_registration(const std::shared_ptr<Registration>& r, kernel::MessageResult result);
  // Out of the pending list, its timer cancelled and our end closed.
  void finish_registration(const std::shared_ptr<Registration>& r);
  void on_message(kernel::MessageResult result, kernel::PeerCredentials peer);
  void reload();
  void on_signal(boost::system::error_code ec, int sig);
  void shutdown(std::string_view why);
  Loop& next_loop();
  // After the control reactor stopped: the loops' threads are given a short
  // while to leave their reactors; any still inside an emulation (or any
  // thread still abandoned) is not waited for: the process exits.
  int finish();

  AgentOptions options_;
  boost::asio::io_context io_;  // control: socket, signals, metrics
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> loop_work_;
  std::atomic<size_t> next_loop_ = 0;
  boost::asio::signal_set signals_;
  Metrics metrics_;
  Telemetry telemetry_;
  Registry registry_;
  Notifier notifier_;
  std::atomic<bool> stopping_ = false;
  NotificationHandler handler_;
  // Each holds its stack and the container's notify fd until the kernel
  // lets it go.
  static constexpr size_t kMaxAbandonedThreads = 32;
  AbandonedThreads abandoned_;
  Watchdog watchdog_;
  std::optional<kernel::ContainerSocket> socket_;
  std::optional<boost::asio::posix::stream_descriptor> socket_watch_;
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
};

}  // namespace sa::agent
