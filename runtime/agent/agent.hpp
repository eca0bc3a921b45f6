// The seccomp-agent daemon: one Boost.Asio reactor for the runtime socket,
// every container's notify fd, timers and signals, run by a few threads. A
// handler re-arms its container's fd before it decides, so while one thread
// carries out a slow emulation the others keep serving every container,
// including other threads of the same one; delays are timers and hold no
// thread at all.
#pragma once

#include <sys/types.h>

#include <atomic>
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
  unsigned threads = 4;             // threads running the reactor
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
  void emulate(const std::shared_ptr<Pending>& p);
  void kill_caller(const std::shared_ptr<Pending>& p);
  void respond(const std::shared_ptr<Pending>& p, const kernel::Response& r);
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

  AgentOptions options_;
  boost::asio::io_context io_;
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
