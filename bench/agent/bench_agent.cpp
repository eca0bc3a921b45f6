// bench_agent: the round trip of a notified syscall through the real
// seccomp-agent daemon (started as a child, its table compiled by the real
// rulec, each target handed over as runc does), next to the floor of
// bench/kernel — a bare supervisor that receives and answers, nothing else —
// in the same run. Every figure is the target's own view (time spent in the
// syscall, median and p90 in microseconds); variants run round-robin over
// several rounds so that drift hits them alike. Method in bench/README.md.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>

#include "agent_daemon.hpp"
#include "bare_supervisor.hpp"
#include "mkdir_target.hpp"
#include "registration.hpp"
#include "rounds.hpp"
#include "scratch_dir.hpp"
#include "timed_target.hpp"

namespace fs = std::filesystem;
using namespace sa::bench;

namespace {

constexpr int kRounds = 3;
constexpr double kAnswerGoal = 1.15;  // continue and errno, against the bare loop
constexpr double kEmulateGoal = 1.2;  // emulated mkdir, against the bare C emulation
constexpr double kStuckGoal = 1.1;    // beside a stuck emulation, against the same agent alone

// One policy per answer under test, chosen by the listenerMetadata sent with
// each target (policy=NAME), so that continue and errno time the same call.
constexpr const char* kContinueRules = R"(policy: bench-continue
description: bench_agent - getppid let through, mkdir made on the caller's behalf
rules:
  - getppid -> continue
  - mkdir -> emulate
)";
constexpr const char* kErrnoRules = R"(policy: bench-errno
description: bench_agent - getppid failed with EPERM
rules:
  - getppid -> errno EPERM
)";

// Whatever answers a started target: returns once every call is answered
// (a bare loop) or handed over (the agent).
using Serve = std::function<void(TimedTarget&)>;
using Loop = std::function<void(int notify_fd, int count)>;
using Agents = std::vector<std::unique_ptr<AgentDaemon>>;

struct Supervisor {
  std::string name;
  Serve serve;
  std::string floor;  // the variant its ratio is taken against
};

// One round of a group: a fresh target, served by `serve`.
using Round = std::function<std::vector<double>(const std::string& name, const Serve& serve)>;

// getppid, whose answer the target checks (`expected_errno`, 0: the real
// call) so that a wrong answer fails the run instead of skewing it.
Round getppid_round(int expected_errno) {
  return [expected_errno](const std::string&, const Serve& serve) {
    constexpr int kWarmup = 500, kCalls = 5000;
    TimedTarget t = start_target({"getppid"}, kWarmup, kCalls, [expected_errno](int) {
      const long r = ::syscall(SYS_getppid);
      if (expected_errno == 0 ? r <= 0 : r != -1 || errno != expected_errno) {
        ::_exit(3);
      }
    });
    serve(t);
    return finish(t);
  };
}

std::vector<double> mkdir_round(const std::string& name, const Serve& serve) {
  constexpr int kWarmup = 100, kCalls = 1000;
  MkdirTarget m(kWarmup, kCalls);
  serve(m.target());
  return m.finish(name);
}

std::string with_sync(const std::string& name, bool sync) {
  return sync ? name + ", SYNC_WAKE_UP" : name;
}

std::string agent_name(const AgentConfig& c) {
  const std::string who = c.baseline ? "baseline agent" : "agent";
  return with_sync(
      c.threads == 0 ? who + ", default threads" : fmt::format("{}, --threads {}", who, c.threads),
      c.sync_wake_up);
}

Serve bare(bool sync, Loop loop) {
  return [sync, loop = std::move(loop)](TimedTarget& t) {
    if (sync && !bare_enable_sync_wake_up(t.process.notify.get())) {
      throw std::runtime_error("SYNC_WAKE_UP refused by this kernel");
    }
    loop(t.process.notify.get(), t.calls);
  };
}

// A group's supervisors, by SYNC_WAKE_UP setting: the floor, the bare epoll
// loop when given (the agent also waits in epoll, so it shows what waiting
// that way costs by itself), then each agent with that setting.
std::vector<Supervisor> supervisors(const std::string& floor_name, const Loop& floor,
                                    const Loop& epoll, const Agents& agents,
                                    const std::string& policy) {
  std::vector<Supervisor> out;
  for (const bool sync : {false, true}) {
    const std::string floor_variant = with_sync(floor_name, sync);
    out.push_back({floor_variant, bare(sync, floor), floor_variant});
    if (epoll) {
      out.push_back({with_sync("bare, epoll", sync), bare(sync, epoll), floor_variant});
    }
    for (const auto& agent : agents) {
      if (agent->config().sync_wake_up == sync) {
        const AgentDaemon* a = agent.get();
        out.push_back({agent_name(a->config()),
                       [a, policy](TimedTarget& t) { a->adopt(t, policy); }, floor_variant});
      }
    }
  }
  return out;
}

// Runs and prints a group; then, for the agent with default threads, whether
// it is within `goal` of the floor with and without SYNC_WAKE_UP.
void run_group(const std::string& title, const std::vector<Supervisor>& sups, const Round& round,
               double goal) {
  std::vector<Variant> variants;
  for (const Supervisor& s : sups) {
    variants.push_back({s.name, [round, s] { return round(s.name, s.serve); }, s.floor});
  }
  fmt::print(
      "agent: {} ({} rounds, target's view, ratio to the floor with the same "
      "SYNC_WAKE_UP)\n",
      title, kRounds);
  const Samples samples = measure(variants, kRounds);
  print(variants, samples, variants.front().name);
  for (const Supervisor& s : sups) {
    if (s.name.starts_with("agent, default threads")) {
      const double r = ratio(samples, s.name, s.floor);
      fmt::print("  goal: {} within {:.2f}x of the floor: {:.2f}x, {}\n", s.name, goal, r,
                 r <= goal ? "met" : "NOT MET");
      const std::string baseline = "baseline " + s.name;
      for (const Supervisor& b : sups) {
        if (b.name == baseline) {
          fmt::print("  {}: this build against the baseline build: {:.2f}x\n", s.name,
                     ratio(samples, s.name, b.name));
        }
      }
    }
  }
}

// What each agent logged: every target registered with its policy, and
// SYNC_WAKE_UP in force where asked (the agent falls back silently).
void report_logs(const Agents& agents) {
  for (const auto& agent : agents) {
    const AgentLogSummary s = agent->log_summary();
    fmt::print("  {}: {} targets registered, SYNC_WAKE_UP in force for {}, {} warnings\n",
               agent_name(agent->config()), s.registered, s.sync_wake_up, s.complaints);
    if (s.complaints > 0) {
      fmt::print("    first: {}\n", s.first_complaint);
    }
  }
}

// A FUSE mount whose daemon never answers (/dev/fuse held open, never
// read): a request on it waits for INIT until this is destroyed, which
// aborts the connection.
class DeadFuse {
 public:
  explicit DeadFuse(const fs::path& dir)
      : dir_(dir), device_(::open("/dev/fuse", O_RDWR | O_CLOEXEC)) {
    const std::string options =
        "fd=" + std::to_string(device_) + ",rootmode=40000,user_id=0,group_id=0";
    if (device_ < 0 || ::mount("dead", dir.c_str(), "fuse", 0, options.c_str()) != 0) {
      const int err = errno;
      if (device_ >= 0)
        ::close(device_);
      throw std::runtime_error("a FUSE mount: " + std::string(std::strerror(err)));
    }
  }
  ~DeadFuse() {
    ::close(device_);
    ::umount2(dir_.c_str(), MNT_DETACH);
  }
  DeadFuse(const DeadFuse&) = delete;
  DeadFuse& operator=(const DeadFuse&) = delete;

 private:
  fs::path dir_;
  int device_;
};

// Leaves one emulation of `agent` waiting in the kernel: a target's mkdir
// into `dead` that the agent emulates. Returns once the agent answered it
// ETIMEDOUT (its --emulation-timeout), the loop's old thread left in FUSE.
void strand_an_emulation(const AgentDaemon& agent, const fs::path& dead) {
  const std::string path = (dead / "x").string();
  TimedTarget t = start_target({"mkdir"}, 0, 1, [path](int) {
    if (::mkdir(path.c_str(), 0755) == 0 || errno != ETIMEDOUT) {
      ::_exit(3);
    }
  });
  agent.adopt(t, "bench-continue");
  finish(t);
}

// getppid through one loop (`--threads 1`) that has an emulation stuck in
// the kernel, against an agent whose loop has none, in the same rounds.
void run_stuck_group(const std::string& agent_binary, const fs::path& table, const fs::path& dir) {
  const std::vector<std::string> limit = {"--emulation-timeout", "100"};
  const AgentDaemon alone(agent_binary, table, dir, {"stuck-alone", true, 1, false, limit});
  const AgentDaemon beside(agent_binary, table, dir, {"stuck-beside", true, 1, false, limit});
  fs::create_directory(dir / "dead");
  const DeadFuse dead(dir / "dead");
  strand_an_emulation(beside, dir / "dead");
  const std::string alone_name = "agent, --threads 1, SYNC_WAKE_UP, loop alone";
  const std::string beside_name = "agent, --threads 1, SYNC_WAKE_UP, beside a stuck emulation";
  const Round round = getppid_round(0);
  const std::vector<Variant> variants = {
      {alone_name,
       [&] {
         return round(alone_name, [&](TimedTarget& t) { alone.adopt(t, "bench-continue"); });
       }},
      {beside_name,
       [&] {
         return round(beside_name, [&](TimedTarget& t) { beside.adopt(t, "bench-continue"); });
       }},
  };
  fmt::print(
      "agent: getppid -> continue while another container's emulation is stuck ({} rounds)\n",
      kRounds);
  const Samples samples = measure(variants, kRounds);
  print(variants, samples, alone_name);
  const double r = ratio(samples, beside_name, alone_name);
  fmt::print("  goal: beside a stuck emulation within {:.2f}x of alone: {:.2f}x, {}\n", kStuckGoal,
             r, r <= kStuckGoal ? "met" : "NOT MET");
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

constexpr int kSlowClients = 500;  // issue 13's figure

int run(const std::string& agent_binary, const std::string& baseline_binary,
        const std::string& rulec, bool stuck_only, bool registration_only) {
  const ScratchDir dir("sa-bench-agent");
  write_file(dir.path() / "continue.yaml", kContinueRules);
  write_file(dir.path() / "errno.yaml", kErrnoRules);
  const fs::path table =
      compile_rules(rulec, dir.path(), {dir.path() / "continue.yaml", dir.path() / "errno.yaml"});

  if (stuck_only) {
    run_stuck_group(agent_binary, table, dir.path());
    return 0;
  }
  if (registration_only) {
    run_registration_group(agent_binary, table, dir.path(), kSlowClients);
    return 0;
  }
  // Started once and kept for the whole run: an idle agent waits in
  // epoll_wait and costs the other variants nothing.
  Agents agents;
  for (const unsigned threads : {0u, 1u}) {
    for (const bool sync : {false, true}) {
      const std::string name =
          fmt::format("agent-{}-sync-{}", threads == 0 ? "default" : std::to_string(threads),
                      sync ? "on" : "off");
      agents.push_back(std::make_unique<AgentDaemon>(agent_binary, table, dir.path(),
                                                     AgentConfig{name, sync, threads}));
    }
  }
  // Another build (say the last release) in the same rounds: the ratio of
  // the two is what a change did to the round trip, machine noise aside.
  if (!baseline_binary.empty()) {
    for (const bool sync : {false, true}) {
      const std::string name = fmt::format("baseline-default-sync-{}", sync ? "on" : "off");
      agents.push_back(std::make_unique<AgentDaemon>(baseline_binary, table, dir.path(),
                                                     AgentConfig{name, sync, 0, true}));
    }
  }

  const Loop blocking_continue = [](int fd, int count) {
    bare_continue_loop(fd, count, WaitStyle::BlockingRecv);
  };
  const Loop epoll_continue = [](int fd, int count) {
    bare_continue_loop(fd, count, WaitStyle::Epoll);
  };
  run_group("notified getppid answered CONTINUE (`getppid -> continue`)",
            supervisors("bare, blocking RECV", blocking_continue, epoll_continue, agents,
                        "bench-continue"),
            getppid_round(0), kAnswerGoal);

  const Loop blocking_errno = [](int fd, int count) {
    bare_errno_loop(fd, count, EPERM, WaitStyle::BlockingRecv);
  };
  const Loop epoll_errno = [](int fd, int count) {
    bare_errno_loop(fd, count, EPERM, WaitStyle::Epoll);
  };
  run_group("notified getppid answered EPERM (`getppid -> errno EPERM`)",
            supervisors("bare, blocking RECV", blocking_errno, epoll_errno, agents, "bench-errno"),
            getppid_round(EPERM), kAnswerGoal);

  run_group("emulated mkdir of a new directory (`mkdir -> emulate`)",
            supervisors("bare C-style emulation", bare_mkdir_loop, {}, agents, "bench-continue"),
            mkdir_round, kEmulateGoal);

  run_stuck_group(agent_binary, table, dir.path());
  run_registration_group(agent_binary, table, dir.path(), kSlowClients);

  fmt::print("agent: logs\n");
  report_logs(agents);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_agent: notified syscalls through seccomp-agent against a bare supervisor"};
  // Default: the binaries built next to this one (build/bin).
  const fs::path here = fs::read_symlink("/proc/self/exe").parent_path();
  std::string agent = (here / "seccomp-agent").string();
  std::string rulec = (here / "rulec").string();
  app.add_option("--agent", agent, "the seccomp-agent binary")->capture_default_str();
  app.add_option("--rulec", rulec, "the rulec binary")->capture_default_str();
  std::string baseline;
  app.add_option("--baseline-agent", baseline,
                 "another seccomp-agent binary (an older build) measured in the same rounds");
  bool stuck_only = false;
  app.add_flag("--stuck-only", stuck_only,
               "only the group beside a stuck emulation (needs /dev/fuse)");
  bool registration_only = false;
  app.add_flag("--registration-only", registration_only,
               "only registration latency, idle and with 500 slow clients on the socket");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(agent, baseline, rulec, stuck_only, registration_only);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_agent: {}\n", e.what());
    return 1;
  }
}
