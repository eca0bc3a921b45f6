#define BOOST_TEST_MODULE caller_facts
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "kernel/caller_facts.hpp"
#include "kernel/proc_status.hpp"
#include "support/child.hpp"
#include "support/printing.hpp"

using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

constexpr uint64_t kCapSysAdmin = uint64_t{1} << 21;

enum class Userns { Agent, MappedRoot, MappedUser, Unmapped };

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) {
    throw std::runtime_error("write " + path);
  }
}

// The child: a user namespace as asked (maps written by the test), umask
// 027, then one notified getppid during which the test reads its facts.
int caller_in(Userns kind, const Channel& channel) {
  ::umask(027);
  if (kind != Userns::Agent) {
    if (::unshare(CLONE_NEWUSER) != 0) {
      throw std::runtime_error("unshare");
    }
    channel.put(1);
    channel.get<int>();  // maps written
    // Become the namespace's root first: only leaving root drops the
    // capabilities unshare() granted (the host uid 0 is unmapped here).
    for (const uid_t id : {0u, kind == Userns::MappedUser ? 1000u : 0u}) {
      if (kind != Userns::Unmapped &&
          (::setresgid(id, id, id) != 0 || ::setresuid(id, id, id) != 0)) {
        throw std::runtime_error("setresuid");
      }
    }
  }
  channel.put(call_result(::syscall(SYS_getppid)));
  return 0;
}

struct Observed {
  CallerFactsResult facts;
  NamespaceId child_userns;
};

// Runs the child and reads its facts while its getppid waits, with the
// container's user namespace taken as the child's own, or as `container`.
Observed observe(Userns kind, const std::optional<NamespaceId>& container = {},
                 bool use_child_ns = true) {
  auto [child, notify] =
      spawn_notified({"getppid"}, [kind](const Channel& c) { return caller_in(kind, c); });
  if (kind != Userns::Agent) {
    BOOST_TEST_REQUIRE(child.channel().get<int>() == 1);
    if (kind != Userns::Unmapped) {
      const std::string proc = "/proc/" + std::to_string(child.pid());
      write_file(proc + "/uid_map", "0 100000 65536\n");
      write_file(proc + "/gid_map", "0 100000 65536\n");
    }
    child.channel().put(1);
  }
  const Received r = notify.receive();
  BOOST_TEST_REQUIRE(r.outcome == RecvOutcome::Received);
  const NamespaceId child_ns = user_namespace_of(child.pid()).value();
  const auto container_ns = use_child_ns ? std::optional<NamespaceId>(child_ns) : container;
  Observed o{read_caller_facts(notify, r.notification, container_ns), child_ns};
  notify.respond(r.notification.id, Response::continue_syscall());
  BOOST_TEST(child.channel().get<CallResult>().err == 0);
  BOOST_TEST(child.wait() == 0);
  return o;
}

uint64_t own_cap_effective() {
  std::ifstream in("/proc/self/status");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_status(text).cap_effective;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_caller_in_the_agents_user_namespace) {
  const Observed o = observe(Userns::Agent);
  BOOST_TEST_REQUIRE(o.facts.outcome == FactsOutcome::Read);
  const CallerFacts& f = o.facts.facts;
  BOOST_TEST(f.uid == 0u);
  BOOST_TEST(f.gid == 0u);
  BOOST_TEST(f.cap_effective == own_cap_effective());
  BOOST_TEST(f.umask == 027u);
  BOOST_TEST(f.userns == own_user_namespace());
  BOOST_TEST(f.userns.name() == "user:[" + std::to_string(f.userns.inode) + "]");
  // Even named as the container's, the agent's namespace never counts.
  BOOST_TEST(!f.userns_is_container);
}

// The caller's age (Kinvolk's SIDECARS_DELAY counts from it): a caller that
// slept 400 ms before its notified call is at least that old, and no older
// than this test, which started before it.
BOOST_AUTO_TEST_CASE(the_callers_age_counts_from_its_start) {
  struct timespec before {};
  ::clock_gettime(CLOCK_BOOTTIME, &before);
  auto [child, notify] = spawn_notified({"getppid"}, [](const Channel& c) {
    ::usleep(400 * 1000);
    c.put(call_result(::syscall(SYS_getppid)));
    return 0;
  });
  const Received r = notify.receive();
  BOOST_TEST_REQUIRE(r.outcome == RecvOutcome::Received);
  const CallerFactsResult facts = read_caller_facts(notify, r.notification, std::nullopt);
  struct timespec after {};
  ::clock_gettime(CLOCK_BOOTTIME, &after);
  notify.respond(r.notification.id, Response::continue_syscall());
  BOOST_TEST(child.channel().get<CallResult>().err == 0);
  BOOST_TEST(child.wait() == 0);
  BOOST_TEST_REQUIRE(facts.outcome == FactsOutcome::Read);
  BOOST_TEST_REQUIRE(facts.facts.age_ms.has_value());
  const auto elapsed_ms = static_cast<uint64_t>((after.tv_sec - before.tv_sec) * 1000 +
                                                (after.tv_nsec - before.tv_nsec) / 1000000);
  // Start times are in clock ticks (10 ms): allow one either way.
  BOOST_TEST(*facts.facts.age_ms + 10 >= 400u);
  BOOST_TEST(*facts.facts.age_ms <= elapsed_ms + 10);
}

BOOST_AUTO_TEST_CASE(root_of_its_own_user_namespace) {
  const Observed o = observe(Userns::MappedRoot);
  BOOST_TEST_REQUIRE(o.facts.outcome == FactsOutcome::Read);
  const CallerFacts& f = o.facts.facts;
  BOOST_TEST(f.uid == 0u);  // kernel uid 100000
  BOOST_TEST(f.gid == 0u);
  BOOST_TEST((f.cap_effective & kCapSysAdmin) != 0u);
  BOOST_TEST(f.userns == o.child_userns);
  BOOST_TEST(!(f.userns == own_user_namespace()));
  BOOST_TEST(f.userns_is_container);
  BOOST_TEST(f.umask == 027u);
}

BOOST_AUTO_TEST_CASE(a_user_namespace_other_than_the_containers_does_not_count) {
  const Observed o = observe(Userns::MappedRoot, own_user_namespace(), false);
  BOOST_TEST_REQUIRE(o.facts.outcome == FactsOutcome::Read);
  BOOST_TEST((o.facts.facts.cap_effective & kCapSysAdmin) != 0u);
  BOOST_TEST(!o.facts.facts.userns_is_container);
}

BOOST_AUTO_TEST_CASE(an_ordinary_user_in_its_user_namespace) {
  const Observed o = observe(Userns::MappedUser);
  BOOST_TEST_REQUIRE(o.facts.outcome == FactsOutcome::Read);
  BOOST_TEST(o.facts.facts.uid == 1000u);  // kernel uid 101000
  BOOST_TEST(o.facts.facts.gid == 1000u);
  BOOST_TEST(o.facts.facts.cap_effective == 0u);
  BOOST_TEST(o.facts.facts.userns_is_container);
}

BOOST_AUTO_TEST_CASE(unmapped_ids_show_as_the_overflow_ids) {
  const Observed o = observe(Userns::Unmapped);
  BOOST_TEST_REQUIRE(o.facts.outcome == FactsOutcome::Read);
  BOOST_TEST(o.facts.facts.uid == 65534u);
  BOOST_TEST(o.facts.facts.gid == 65534u);
}

BOOST_AUTO_TEST_CASE(a_dead_caller_is_reported_gone) {
  auto [child, notify] =
      spawn_notified({"getppid"}, [](const Channel& c) { return caller_in(Userns::Agent, c); });
  const Received r = notify.receive();
  child.kill_and_wait();
  BOOST_TEST(read_caller_facts(notify, r.notification, std::nullopt).outcome ==
             FactsOutcome::TargetGone);
}

BOOST_AUTO_TEST_CASE(no_fd_is_leaked) {
  const size_t before = count_open_fds();
  observe(Userns::MappedRoot);
  BOOST_TEST(count_open_fds() == before);
}

BOOST_AUTO_TEST_CASE(a_namespace_read_from_its_link_is_the_one_stat_finds) {
  const auto proc = ProcDir::open(::getpid());
  BOOST_TEST_REQUIRE(proc.has_value());
  for (const char* kind : {"user", "mnt", "pid", "net", "cgroup", "ipc", "uts"}) {
    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(("/proc/self/ns/" + std::string(kind)).c_str(), &st) == 0);
    const NamespaceId id = namespace_of(*proc, kind).value();
    BOOST_TEST(id.device == st.st_dev, kind);
    BOOST_TEST(id.inode == st.st_ino, kind);
  }
}
