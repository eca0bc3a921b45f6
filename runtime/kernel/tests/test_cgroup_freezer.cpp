// Finding a container's cgroup v2 directory and the checks before freezing
// it: parsers on fixed text, and the refusals on this machine's processes.
#define BOOST_TEST_MODULE cgroup_freezer
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "kernel/cgroup_freezer.hpp"

namespace sa::kernel {
namespace {

constexpr const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

BOOST_AUTO_TEST_CASE(the_cgroup2_mount_of_a_hybrid_layout) {
  BOOST_TEST(cgroup2_mount(kHybridMountinfo).value_or("") == "/sys/fs/cgroup/unified");
  BOOST_TEST(cgroup2_mount("36 25 0:30 / /sys/fs/cgroup rw shared:9 - cgroup2 cgroup2 rw\n")
                 .value_or("") == "/sys/fs/cgroup");
}

BOOST_AUTO_TEST_CASE(no_cgroup2_mount_or_only_a_subtree_of_it) {
  BOOST_TEST(!cgroup2_mount("37 31 0:34 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw\n"));
  // A mount of a subtree: its paths are not /proc/PID/cgroup's.
  BOOST_TEST(!cgroup2_mount("41 31 0:38 /sub /mnt/cg rw - cgroup2 cgroup2 rw\n"));
}

BOOST_AUTO_TEST_CASE(the_unified_line_of_proc_cgroup) {
  BOOST_TEST(unified_path("6:freezer:/demo\n1:cpu:/demo\n0::/demo\n").value_or("") == "/demo");
  BOOST_TEST(unified_path("0::/\n").value_or("") == "/");
  BOOST_TEST(!unified_path("6:freezer:/demo\n"));
}

BOOST_AUTO_TEST_CASE(the_root_cgroup_is_never_frozen) {
  ContainerCgroup root{"/", "/sys/fs/cgroup", {}};
  BOOST_TEST(freeze(root).value_or("") == "the container's cgroup is the root cgroup");
}

// The agent's own process stands in for a container without a pid
// namespace of its own: freezing its cgroup would freeze the host's.
BOOST_AUTO_TEST_CASE(a_container_in_the_agents_pid_namespace_is_not_frozen) {
  const auto found = cgroup_of(::getpid());
  if (const auto* problem = std::get_if<std::string>(&found)) {
    BOOST_TEST_MESSAGE("no cgroup here: " << *problem);
    return;
  }
  ContainerCgroup own = std::get<ContainerCgroup>(found);
  own.path = "/not-root";  // past the root check, to the namespace check
  BOOST_TEST(freeze(own).value_or("") == "the container has no pid namespace of its own");
}

// A cgroup holding a process of another pid namespace (here: the agent's
// own cgroup, seen as a container's in a namespace nobody is in).
BOOST_AUTO_TEST_CASE(a_cgroup_holding_other_processes_is_not_frozen) {
  const auto found = cgroup_of(::getpid());
  if (std::holds_alternative<std::string>(found))
    return;
  ContainerCgroup other = std::get<ContainerCgroup>(found);
  other.path = "/not-root";
  other.pidns = NamespaceId{1, 1, "pid"};
  const std::string why = freeze(other).value_or("");
  BOOST_TEST(why.find("cgroup /not-root holds more than the container: pid ") == 0u, why);
}

}  // namespace
}  // namespace sa::kernel
