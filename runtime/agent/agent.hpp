// The seccomp-agent daemon. A control reactor (the main thread) takes the
// runtime socket, signals, reloads and metrics. Each container's notify fd is
// served by one of `threads` notification loops, each a reactor of its own on
// a thread of its own, so that a notification is received, decided and
// answered on one thread with no hand-off (bench/agent measured a hand-off
// between the threads of a shared reactor at about 10 us a round trip, half
// of the whole). An emulation runs on its container's loop: it holds up the
// containers of that loop for as long as it takes, never the other loops
// (handing it to a thread pool instead cost 35-90 % more per emulated mkdir
// in bench/agent). Delays are timers and hold no thread at all.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/container.hpp"
#include "agent/log.hpp"
#include "agent/metrics.hpp"
#include "agent/recorder.hpp"
#include "engine/engine.hpp"
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
  struct Pending;  // one notification being answered

  void accept_next();
  void on_connection();
  void on_message(kernel::MessageResult result, kernel::PeerCredentials peer);
  void add_container(kernel::ContainerMessage message);
  void watch(const std::shared_ptr<Container>& c);
  void on_readable(const std::shared_ptr<Container>& c);
  void handle(const std::shared_ptr<Container>& c, const kernel::Notification& n);
  void proceed(const std::shared_ptr<Pending>& p);
  void emulate(const std::shared_ptr<Pending>& p, const model::Emulation& call);
  void kill_caller(const std::shared_ptr<Pending>& p);
  void respond(const std::shared_ptr<Pending>& p, const model::Response& r);
  void finish(const std::shared_ptr<Pending>& p);
  void count_forbidden(const std::shared_ptr<Container>& c, const engine::Decision& d);
  void stop_container(const std::shared_ptr<Container>& c);
  void remove(const std::shared_ptr<Container>& c, std::string_view why);
  void adopt_init(Container& c);
  void select_policy(Container& c, bool reloaded);
  void reload();
  void on_signal(boost::system::error_code ec, int sig);
  void shutdown(std::string_view why);
  void describe_metrics();

  boost::asio::io_context& next_loop();

  AgentOptions options_;
  boost::asio::io_context io_;  // control: socket, signals, metrics
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> loop_work_;
  std::atomic<size_t> next_loop_ = 0;
  boost::asio::signal_set signals_;
  std::shared_ptr<const engine::Engine> engine_;
  std::optional<kernel::ContainerSocket> socket_;
  std::optional<boost::asio::posix::stream_descriptor> socket_watch_;
  std::mutex mutex_;  // guards engine_, containers_ and each container's engine/policy
  std::map<uint64_t, std::shared_ptr<Container>> containers_;
  uint64_t next_serial_ = 1;
  Metrics metrics_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<Recorder> recorder_;
  std::atomic<bool> stopping_ = false;
};

}  // namespace sa::agent
