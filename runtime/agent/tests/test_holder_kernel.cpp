// Crash survival at the kernel level (issue 12 part 2): the real
// seccomp-agent-holder keeps the notify fds, the real agent is killed with
// SIGKILL and started again with the same arguments, real seccomp filters
// (sa-notify-launch) and real calls (sa-agent-probe). No container runtime.
#define BOOST_TEST_MODULE holder_kernel
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include "agent_harness.hpp"
#include "holder/holder_protocol.hpp"
#include "kernel/framed_socket.hpp"
#include "support/connect.hpp"

using namespace sa::agent::testing;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string policy(const std::string& rules) {
  return "policy: agent-test\nrules:\n" + rules;
}

size_t count_of(const std::string& log, const std::string& text) {
  size_t n = 0;
  for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
    ++n;
  return n;
}

// Waits (CTest's timeout is the backstop) until `log()` holds `text` `count` times.
template <class Source>
void wait_for_log(const Source& s, const std::string& text, size_t count = 1) {
  while (count_of(s.log(), text) < count)
    std::this_thread::sleep_for(20ms);
}

// The number after "key=" in the first line holding `event`.
long number_in(const std::string& log, const std::string& event, const std::string& key) {
  const size_t at = log.find(event);
  BOOST_TEST_REQUIRE(at != std::string::npos, log);
  const std::string line = log.substr(at, log.find('\n', at) - at);
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_search(line, m, std::regex(key + "=([0-9]+)")), line);
  return std::stol(m[1].str());
}

std::vector<std::string> with_holder(const HolderProcess& h, std::vector<std::string> args = {}) {
  args.insert(args.end(), {"--holder", h.socket(), "--log-level", "info"});
  return args;
}

// A container calling getppid in a loop, going on after failed calls
// (sa-agent-probe getppid-count): what a workload sees across crashes.
class CountingContainer {
 public:
  CountingContainer(const AgentProcess& agent, const fs::path& until,
                    const std::vector<std::string>& notify = {"getppid"})
      : until_(until) {
    thread_ = std::thread([this, &agent, notify] {
      result_ = agent.probe(notify, {"getppid-count", until_.string()});
    });
    const fs::path running = until.string() + ".running";
    while (!fs::exists(running))
      std::this_thread::sleep_for(10ms);
  }
  ~CountingContainer() {
    if (thread_.joinable())
      finish();
  }
  // Ends it; what it printed.
  Run finish() {
    std::ofstream(until_).put('\n');
    thread_.join();
    return result_;
  }

 private:
  fs::path until_;
  Run result_;
  std::thread thread_;
};

struct Counted {
  long calls = 0;
  long failed = 0;
  std::string errnos;
};

Counted counted(const Run& r) {
  static const std::regex kLine("ok calls=([0-9]+) failed=([0-9]+) errnos=(\\S+)\n");
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_match(r.out, m, kLine), r.out + r.err);
  return {std::stol(m[1].str()), std::stol(m[2].str()), m[3].str()};
}

}  // namespace

// The kernel's view of a notification the agent received and did not answer
// when it died, while the holder keeps the listener open: it stays "sent",
// its caller waits (no ENOSYS, no second notification) until an answer names
// its id. The agent started again finds it with ID_VALID next to the last id
// the dead one recorded and answers it EINTR.
BOOST_AUTO_TEST_CASE(a_call_in_flight_at_a_crash_waits_and_gets_eintr_from_the_next_agent) {
  TempDir t;
  HolderProcess holder(SA_HOLDER, t.path());
  AgentProcess agent(t.path(), policy("  - getppid -> delay 30s then return 7\n"),
                     with_holder(holder));
  agent.launcher_options = {"--close-listener"};  // as runc: the holder keeps it alive
  std::atomic<bool> done = false;
  Run r;
  std::thread probe([&] {
    r = agent.probe({"getppid"}, {"getppid"});
    done = true;
  });
  wait_for_log(agent, "container registered");
  std::this_thread::sleep_for(1000ms);  // its one call is received and delayed
  BOOST_TEST_REQUIRE(!done);
  agent.signal(SIGKILL);
  // No agent: the caller waits, neither failed nor answered.
  std::this_thread::sleep_for(1500ms);
  BOOST_TEST(!done, r.out);
  const AgentProcess::Restart again = agent.crash_and_restart();
  for (int i = 0; i < 500 && !done; ++i)
    std::this_thread::sleep_for(20ms);
  if (!done) {  // unanswered: closing every listener fails it (ENOSYS), and the test
    agent.stop();
    holder.stop();
  }
  probe.join();
  BOOST_TEST_REQUIRE(again.status == -1, again.log);
  BOOST_TEST_REQUIRE(r.out == "err EINTR\n", r.out + r.err);
  wait_for_log(agent, "orphan answered");
  const std::string log = agent.log();
  BOOST_TEST(log.find("container taken back") != std::string::npos, log);
  BOOST_TEST(number_in(log, "took back", "orphans_answered") == 1);
  // Not notified again: the new agent would have delayed it 30 s, then 7.
}

// The same call without a holder: the kill closes the last listener, and
// the kernel fails the call in flight with ENOSYS at once.
BOOST_AUTO_TEST_CASE(without_a_holder_the_call_in_flight_fails_enosys_at_the_kill) {
  TempDir t;
  AgentProcess agent(t.path(), policy("  - getppid -> delay 30s then return 7\n"),
                     {"--log-level", "info"});
  agent.launcher_options = {"--close-listener"};
  Run r;
  std::thread probe([&] { r = agent.probe({"getppid"}, {"getppid"}); });
  wait_for_log(agent, "container registered");
  std::this_thread::sleep_for(1000ms);
  agent.signal(SIGKILL);
  probe.join();
  BOOST_TEST(r.out == "err ENOSYS\n", r.out + r.err);
}

// Five crashes in a row while three containers call as fast as they can:
// every container is taken back each time and keeps being served; the only
// calls that fail are the ones in flight at a kill, each answered EINTR by
// the next agent; the last agent holds the fds the first did.
BOOST_AUTO_TEST_CASE(crashes_in_a_row_lose_no_container) {
  TempDir t;
  HolderProcess holder(SA_HOLDER, t.path());
  AgentProcess agent(t.path(), policy("  - getppid -> return 1\n"),
                     with_holder(holder, {"--threads", "2"}));
  agent.launcher_options = {"--close-listener"};  // as runc: the holder keeps it alive
  const size_t at_start = agent.open_fds();
  std::vector<std::unique_ptr<CountingContainer>> containers;
  for (int i = 0; i < 3; ++i)
    containers.push_back(
        std::make_unique<CountingContainer>(agent, t.path() / ("until" + std::to_string(i))));
  const size_t serving = agent.open_fds();
  BOOST_TEST(serving == at_start + 3 * 3);
  long orphans = 0;
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(200ms);
    const AgentProcess::Restart again = agent.crash_and_restart();
    BOOST_TEST_REQUIRE(again.status == -1, again.log);
    wait_for_log(agent, "took back");
    const std::string log = agent.log();
    BOOST_TEST(number_in(log, "took back", "containers") == 3, log);
    orphans += number_in(log, "took back", "orphans_answered");
    BOOST_TEST(count_of(log, "container taken back") == 3u, log);
  }
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 100 && agent.open_fds() != serving; ++i)
    std::this_thread::sleep_for(20ms);
  BOOST_TEST(agent.open_fds() == serving);
  long failed = 0;
  for (auto& c : containers) {
    const Counted n = counted(c->finish());
    BOOST_TEST(n.calls > 1000);
    BOOST_TEST((n.errnos == "-" || n.errnos == "EINTR"), n.errnos);
    failed += n.failed;
  }
  BOOST_TEST(failed == orphans);
  BOOST_TEST_MESSAGE("5 crashes: " << failed << " calls in flight failed with EINTR");
  wait_for_log(agent, "container gone", 3);
  for (int i = 0; i < 100 && agent.open_fds() != at_start; ++i)
    std::this_thread::sleep_for(20ms);
  BOOST_TEST(agent.open_fds() == at_start);
}

// A container that used a forbidden syscall before a crash is stopped by
// the agent started after it, with the whole report: arming the stop timer
// updated the holder's copy of the state.
BOOST_AUTO_TEST_CASE(a_stop_timer_survives_a_crash) {
  TempDir t;
  HolderProcess holder(SA_HOLDER, t.path());
  AgentProcess agent(t.path(), policy("  - chroot -> log, errno ENOSYS, stop container after 2s\n"),
                     with_holder(holder));
  agent.launcher_options = {"--close-listener"};
  const fs::path launcher = t.path() / "launcher.pid";
  const std::vector<std::string> prefix = {
      "/bin/sh", "-c", "echo $$ > '" + launcher.string() + "'; exec \"$@\"", "sh"};
  Run r;
  std::thread probe([&] { r = agent.probe({"chroot"}, {"chroot", "/", "2"}, {}, prefix); });
  while (count_of(agent.log(), "syscall=chroot") < 2)
    std::this_thread::sleep_for(20ms);
  const AgentProcess::Restart again = agent.crash_and_restart();
  // Nobody stops it when the test fails: it ends here after 10 s.
  for (int i = 0; i < 500 && count_of(agent.log(), "Used forbidden syscalls") == 0; ++i)
    std::this_thread::sleep_for(20ms);
  if (count_of(agent.log(), "Used forbidden syscalls") == 0) {
    pid_t pid = 0;
    std::ifstream in(launcher);
    if (in >> pid && pid > 0)
      ::kill(pid, SIGKILL);
  }
  probe.join();
  BOOST_TEST_REQUIRE(again.status == -1, again.log);
  BOOST_TEST(r.out == "err ENOSYS\nerr ENOSYS\n");
  BOOST_TEST(r.status == 128 + SIGKILL);
  BOOST_TEST(again.crashed_log.find("Used forbidden syscalls") == std::string::npos,
             again.crashed_log);
  BOOST_TEST(agent.log().find("Used forbidden syscalls: chroot (2x)") != std::string::npos,
             agent.log());
}

// With no agent for --give-up, the holder closes what it holds: calls fail
// with ENOSYS, as without a holder, instead of waiting for ever.
BOOST_AUTO_TEST_CASE(the_holder_gives_up_without_an_agent) {
  TempDir t;
  HolderProcess holder(SA_HOLDER, t.path(), {"--give-up", "1"});
  AgentProcess agent(t.path(), policy("  - getppid -> return 1\n"), with_holder(holder));
  agent.launcher_options = {"--close-listener"};  // as runc: the holder keeps it alive
  CountingContainer c(agent, t.path() / "until");
  agent.signal(SIGKILL);
  wait_for_log(holder, "no agent for 1000 ms: closing the fds of 1 containers");
  const Counted n = counted(c.finish());
  BOOST_TEST(n.failed > 0);
  BOOST_TEST((n.errnos == "ENOSYS" || n.errnos == "EINTR,ENOSYS" || n.errnos == "ENOSYS,EINTR"),
             n.errnos);
}

// A container that ends while no agent runs is dropped by the holder (its
// notify fd hangs up): the next agent takes back nothing.
BOOST_AUTO_TEST_CASE(a_container_gone_while_no_agent_runs_is_not_taken_back) {
  TempDir t;
  HolderProcess holder(SA_HOLDER, t.path());
  AgentProcess agent(t.path(), policy("  - chmod -> errno EPERM\n"), with_holder(holder));
  agent.launcher_options = {"--close-listener"};  // as runc: the holder keeps it alive
  // Notified for chmod, which it never calls: it ends whatever the agent.
  CountingContainer c(agent, t.path() / "until", {"chmod"});
  wait_for_log(agent, "container registered");
  agent.signal(SIGKILL);
  const Counted n = counted(c.finish());
  BOOST_TEST(n.failed == 0);
  std::this_thread::sleep_for(200ms);
  const AgentProcess::Restart again = agent.crash_and_restart();
  BOOST_TEST_REQUIRE(again.status == -1, again.log);
  wait_for_log(agent, "took back");
  BOOST_TEST(number_in(agent.log(), "took back", "containers") == 0, agent.log());
}

// A --takeover successor becomes the holder's client and its set of
// containers the holder's: a crash after it takes each container back once.
BOOST_AUTO_TEST_CASE(a_takeover_successor_becomes_the_holders_client) {
  TempDir t;
  HolderProcess holder(SA_HOLDER, t.path());
  AgentProcess agent(t.path(), policy("  - getppid -> return 1\n"), with_holder(holder));
  agent.launcher_options = {"--close-listener"};  // as runc: the holder keeps it alive
  CountingContainer a(agent, t.path() / "until-a");
  CountingContainer b(agent, t.path() / "until-b");
  const AgentProcess::Takeover h = agent.take_over();
  BOOST_TEST_REQUIRE(h.status == -1, "the successor exited:\n" + h.successor_log);
  wait_for_log(agent, "holder joined");
  BOOST_TEST(agent.log().find("holder joined deposited=2 withdrawn=2") != std::string::npos,
             agent.log());
  const AgentProcess::Restart again = agent.crash_and_restart();
  BOOST_TEST_REQUIRE(again.status == -1, again.log);
  wait_for_log(agent, "took back");
  const long orphans = number_in(agent.log(), "took back", "orphans_answered");
  BOOST_TEST(number_in(agent.log(), "took back", "containers") == 2, agent.log());
  const Counted na = counted(a.finish());
  const Counted nb = counted(b.finish());
  BOOST_TEST(na.failed + nb.failed == orphans);
}

// The holder's socket is root's: mode 0600, and a peer of another uid is
// refused at accept (SO_PEERCRED) whatever the mode: it is handed nothing.
BOOST_AUTO_TEST_CASE(the_holder_socket_is_root_only) {
  TempDir t;
  HolderProcess holder(SA_HOLDER, t.path());
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(holder.socket().c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_TEST_REQUIRE(::chmod(t.path().c_str(), 0711) == 0);
  BOOST_TEST_REQUIRE(::chmod(holder.socket().c_str(), 0666) == 0);
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0)
      ::_exit(3);
    sa::kernel::UniqueFd s;
    try {
      s = sa::kernel::testing::connect_unix(holder.socket());
    } catch (const std::exception&) {
      ::_exit(2);
    }
    try {
      sa::kernel::set_io_timeout(s.get(), 2s);
      sa::kernel::receive_frame(s.get(), sa::holder::kMaxBodyBytes, sa::holder::kMaxEntryFds);
      ::_exit(1);  // it said hello
    } catch (const std::exception&) {
      ::_exit(0);
    }
  }
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  wait_for_log(holder, "refused pid");
}

// An agent named a holder that is not there does not start: without it a
// crash would not be survived, and the operator asked for that.
BOOST_AUTO_TEST_CASE(an_agent_whose_holder_is_missing_does_not_start) {
  TempDir t;
  std::ofstream(t.path() / "rules.yaml") << policy("  - getppid -> return 1\n");
  BOOST_TEST_REQUIRE(
      run({SA_RULEC, "-o", (t.path() / "out").string(), (t.path() / "rules.yaml").string()})
          .status == 0);
  const Run r = run({SA_AGENT, "--socket", (t.path() / "agent.sock").string(), "--table",
                     (t.path() / "out" / "table.json").string(), "--holder",
                     (t.path() / "none.sock").string()});
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.err.find("--holder") != std::string::npos, r.err);
}
