#include "registration.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "agent_daemon.hpp"
#include "rounds.hpp"
#include "timed_target.hpp"

namespace fs = std::filesystem;

namespace sa::bench {
namespace {

constexpr double kGoal = 1.5;
constexpr int kRounds = 3;
constexpr int kPerRound = 20;

double now_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// `count` clients of the runtime socket, each sending one byte of a
// runtime's message a second and never finishing it (the issue's slow
// client). One the agent drops (its message's deadline, or the bound on
// pending connections) connects again at its next tick, so that `count`
// keep holding the socket for as long as this lives.
class SlowClients {
 public:
  SlowClients(const fs::path& socket, int count) : socket_(socket), fds_(count, -1) {
    thread_ = std::thread([this] { run(); });
  }
  ~SlowClients() {
    stop_ = true;
    thread_.join();
    for (int fd : fds_)
      if (fd >= 0)
        ::close(fd);
  }
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  long reconnects() const { return reconnects_; }

 private:
  int connect_one() const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_.c_str());
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);  // the backlog is full: again at the next tick
      return -1;
    }
    return fd;
  }

  void run() {
    static const std::string text = R"({"ociVersion": "1.0.2", "fds": ["seccompFd"], "pid": )";
    for (size_t tick = 0; !stop_; ++tick) {
      for (int& fd : fds_) {
        if (fd < 0) {
          fd = connect_one();
          ++reconnects_;
          continue;
        }
        if (::send(fd, &text[tick % text.size()], 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
          ::close(fd);
          fd = -1;
        }
      }
      for (int i = 0; i < 10 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  fs::path socket_;
  std::vector<int> fds_;
  std::atomic<bool> stop_ = false;
  std::atomic<long> reconnects_ = 0;
  std::thread thread_;
};

// One registration: a target whose first getppid waits in the kernel until
// the agent has taken its listener on and answered; microseconds from the
// connect to that answer, or a negative value when the call was never
// answered (the registration was lost: ENOSYS).
double register_once(const AgentDaemon& agent) {
  void* shared =
      ::mmap(nullptr, sizeof(double), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* answered_at = static_cast<double*>(shared);
  TimedTarget t = start_target({"getppid"}, 0, 1, [answered_at](int) {
    if (::syscall(SYS_getppid) <= 0)
      ::_exit(3);
    *answered_at = now_us();
  });
  const double start = now_us();
  agent.adopt(t, "bench-continue");
  double us = -1;
  try {
    finish(t);
    us = *answered_at - start;
  } catch (const std::exception&) {
  }
  ::munmap(shared, sizeof(double));
  return us;
}

}  // namespace

void run_registration_group(const std::string& agent_binary, const fs::path& table,
                            const fs::path& dir, int slow_clients) {
  const AgentDaemon idle(agent_binary, table, dir, {"registration-idle", false, 0});
  const AgentDaemon held(agent_binary, table, dir, {"registration-held", false, 0});
  const SlowClients slow(dir / "registration-held.sock", slow_clients);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // all connected, the bound reached

  const std::string idle_name = "registration, idle runtime socket";
  const std::string held_name =
      fmt::format("registration, {} slow clients holding it", slow_clients);
  int lost_idle = 0, lost_held = 0;
  auto rounds_of = [](const AgentDaemon& agent, int& lost) {
    return [&agent, &lost] {
      std::vector<double> out;
      for (int i = 0; i < kPerRound; ++i) {
        const double us = register_once(agent);
        if (us < 0)
          ++lost;
        else
          out.push_back(us);
      }
      if (out.empty())
        out.push_back(1e9);  // every one lost: a ratio that cannot pass
      return out;
    };
  };
  const std::vector<Variant> variants = {{idle_name, rounds_of(idle, lost_idle)},
                                         {held_name, rounds_of(held, lost_held)}};
  fmt::print(
      "agent: registration latency, connect to the first answer ({} rounds of {}, "
      "runtime's view)\n",
      kRounds, kPerRound);
  const Samples samples = measure(variants, kRounds);
  print(variants, samples, idle_name);
  const double r = ratio(samples, held_name, idle_name);
  fmt::print("  lost registrations: {} idle, {} with slow clients; {} reconnections of theirs\n",
             lost_idle, lost_held, slow.reconnects());
  fmt::print("  goal: with {} slow clients within {:.2f}x of idle: {:.2f}x, {}\n", slow_clients,
             kGoal, r, r <= kGoal && lost_held == 0 ? "met" : "NOT MET");
}

}  // namespace sa::bench
