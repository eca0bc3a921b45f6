// Kernel-level floor for the agent: what a notified syscall costs when the
// supervisor is as bare as it gets, and what the kernel layer's own calls
// cost on top. Every figure is the target's own view (time spent in the
// syscall, median and p90 in microseconds), measured in this run; variants
// run interleaved over several rounds so that drift hits them alike.
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <functional>

#include "bare_supervisor.hpp"
#include "kernel/caller_memory.hpp"
#include "kernel/emulate.hpp"
#include "mkdir_target.hpp"
#include "rounds.hpp"
#include "support/caller_strings.hpp"
#include "timed_target.hpp"

using namespace sa::bench;
using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

constexpr int kRounds = 3;

// Where the target and the supervisor run. SYNC_WAKE_UP is about waking the
// target on the supervisor's CPU, so placement decides what it can gain.
enum class Placement { Unpinned, SameCpu, OtherCpus };

std::string placement_name(Placement p) {
  switch (p) {
    case Placement::Unpinned:
      return "unpinned";
    case Placement::SameCpu:
      return "same CPU";
    case Placement::OtherCpus:
      return "two CPUs";
  }
  return "?";
}

// The CPUs this process may run on, in order.
const std::vector<int>& allowed_cpus() {
  static const std::vector<int> cpus = [] {
    cpu_set_t set;
    CPU_ZERO(&set);
    ::sched_getaffinity(0, sizeof set, &set);
    std::vector<int> out;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set))
        out.push_back(cpu);
    }
    return out;
  }();
  return cpus;
}

// getppid under a filter, answered by `supervise(notify fd, count)`.
std::vector<double> getppid_round(bool sync, Placement placement,
                                  const std::function<void(const NotifyFd&, int)>& supervise) {
  constexpr int kWarmup = 500, kCalls = 5000;
  const auto& cpus = allowed_cpus();
  const int target_cpu = placement == Placement::Unpinned ? -1 : cpus.at(0);
  const int agent_cpu = placement == Placement::Unpinned  ? -1
                        : placement == Placement::SameCpu ? cpus.at(0)
                                                          : cpus.at(1);
  const PinnedTo pinned(agent_cpu);
  TimedTarget t = start_target(
      {"getppid"}, kWarmup, kCalls, [](int) { ::syscall(SYS_getppid); }, target_cpu);
  if (sync && !bare_enable_sync_wake_up(t.process.notify.get())) {
    throw std::runtime_error("SYNC_WAKE_UP refused by this kernel");
  }
  supervise(t.process.notify, t.calls);
  return finish(t);
}

std::string continue_name(const std::string& who, WaitStyle wait, bool sync, Placement p) {
  return fmt::format("{}, {}{}, {}", who, wait == WaitStyle::Epoll ? "epoll" : "blocking RECV",
                     sync ? ", SYNC_WAKE_UP" : "", placement_name(p));
}

Variant bare_continue(WaitStyle wait, bool sync, Placement placement) {
  return {continue_name("bare", wait, sync, placement), [=] {
            return getppid_round(sync, placement, [wait](const NotifyFd& n, int count) {
              bare_continue_loop(n.get(), count, wait);
            });
          }};
}

Variant api_continue(bool sync, Placement placement) {
  return {continue_name("sa::kernel", WaitStyle::BlockingRecv, sync, placement), [=] {
            return getppid_round(sync, placement, [](const NotifyFd& n, int count) {
              for (int i = 0; i < count; ++i) {
                const Received r = n.receive();
                n.respond(r.notification.id, Response::continue_syscall());
              }
            });
          }};
}

std::vector<Variant> continue_variants() {
  std::vector<Variant> variants;
  std::vector<Placement> placements = {Placement::Unpinned, Placement::SameCpu};
  if (allowed_cpus().size() >= 2) {
    placements.push_back(Placement::OtherCpus);
  }
  for (const Placement p : placements) {
    for (const WaitStyle wait : {WaitStyle::BlockingRecv, WaitStyle::Epoll}) {
      for (const bool sync : {false, true}) {
        variants.push_back(bare_continue(wait, sync, p));
      }
    }
  }
  variants.push_back(api_continue(false, Placement::Unpinned));
  variants.push_back(api_continue(true, Placement::Unpinned));
  return variants;
}

// mkdir("/") under a filter (EEXIST once continued): the path is read from
// the caller, then the call is continued.
Variant read_path_continue(const std::string& name, bool sync,
                           const std::function<void(const NotifyFd&, int)>& supervise) {
  return {name, [=] {
            constexpr int kWarmup = 200, kCalls = 3000;
            TimedTarget t = start_target({"mkdir"}, kWarmup, kCalls, [](int) { ::mkdir("/", 0); });
            if (sync && !bare_enable_sync_wake_up(t.process.notify.get())) {
              throw std::runtime_error("SYNC_WAKE_UP refused by this kernel");
            }
            supervise(t.process.notify, t.calls);
            return finish(t);
          }};
}

void api_read_path_loop(const NotifyFd& notify, int count) {
  for (int i = 0; i < count; ++i) {
    const Received r = notify.receive();
    const StringRequest path{r.notification.args[0], kPathLimit};
    if (read_caller_strings(notify, r.notification, {&path, 1}).outcome != ReadOutcome::Read) {
      throw std::runtime_error("caller gone");
    }
    notify.respond(r.notification.id, Response::continue_syscall());
  }
}

void bare_read_path(const NotifyFd& notify, int count) {
  bare_read_path_loop(notify.get(), count);
}

// mkdir of a new directory each call, emulated by `supervise`.
Variant emulated_mkdir(const std::string& name,
                       const std::function<void(const NotifyFd&, int)>& supervise) {
  return {name, [=] {
            constexpr int kWarmup = 100, kCalls = 1000;
            MkdirTarget m(kWarmup, kCalls);
            supervise(m.target().process.notify, m.target().calls);
            return m.finish(name);
          }};
}

void api_mkdir_loop(const NotifyFd& notify, int count) {
  for (int i = 0; i < count; ++i) {
    const Received r = notify.receive();
    const StringRequest request{r.notification.args[0], kPathLimit};
    const CallerStrings path = read_caller_strings(notify, r.notification, {&request, 1});
    const EmulationResult e = emulate_mkdir(notify, r.notification, path.values.at(0).value,
                                            static_cast<mode_t>(r.notification.args[1]));
    if (e.outcome != EmulationOutcome::Done)
      throw std::runtime_error("emulation failed");
    notify.respond(r.notification.id, e.response());
  }
}

}  // namespace

int main() {
  try {
    const std::vector<Variant> notify = continue_variants();
    fmt::print("kernel: notified getppid answered CONTINUE ({} rounds, target's view)\n", kRounds);
    print(notify, measure(notify, kRounds), "bare, blocking RECV, unpinned");

    const std::vector<Variant> read_path = {
        read_path_continue("bare read path + CONTINUE", false, bare_read_path),
        read_path_continue("bare read path + CONTINUE, SYNC_WAKE_UP", true, bare_read_path),
        read_path_continue("sa::kernel read path + CONTINUE", false, api_read_path_loop),
        read_path_continue("sa::kernel read path + CONTINUE, SYNC_WAKE_UP", true,
                           api_read_path_loop),
    };
    fmt::print("kernel: notified mkdir(\"/\"), path read, then CONTINUE ({} rounds)\n", kRounds);
    print(read_path, measure(read_path, kRounds), "bare read path + CONTINUE");

    const std::vector<Variant> mkdir = {
        emulated_mkdir("bare C-style inline emulation",
                       [](const NotifyFd& n, int count) { bare_mkdir_loop(n.get(), count); }),
        emulated_mkdir("sa::kernel emulate_mkdir (clone CLONE_VM)", api_mkdir_loop),
    };
    fmt::print("kernel: emulated mkdir of a new directory ({} rounds, target's view)\n", kRounds);
    const auto mkdir_samples = measure(mkdir, kRounds);
    print(mkdir, mkdir_samples, "bare C-style inline emulation");
    const double r = ratio(mkdir_samples, "sa::kernel emulate_mkdir (clone CLONE_VM)",
                           "bare C-style inline emulation");
    fmt::print("  emulate_mkdir vs bare: {:.2f}x   goal <= 1.2x: {}\n", r,
               r <= 1.2 ? "met" : "NOT MET");
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_kernel: {}\n", e.what());
    return 1;
  }
  return 0;
}
