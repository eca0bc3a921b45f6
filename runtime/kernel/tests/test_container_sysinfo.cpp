// sysinfo(2) inside a container: where the caller's memory and pids
// controllers are on v2, v1 and hybrid layouts, the cgroup files' numbers,
// how the figures replace the host's, and where the answer may be written.
// Parsers and arithmetic on fixed text and values.
#define BOOST_TEST_MODULE container_sysinfo
#include <boost/test/unit_test.hpp>

#include "kernel/cgroup_paths.hpp"
#include "kernel/container_sysinfo.hpp"

namespace sa::kernel {
namespace {

constexpr const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

constexpr const char* kHybridCgroup =
    "4:memory:/sa-demo\n3:cpu,cpuacct:/sa-demo\n1:name=systemd:/\n0::/sa-demo\n";

BOOST_AUTO_TEST_CASE(a_v1_controller_is_found_on_its_own_hierarchy) {
  BOOST_TEST(cgroup1_mount(kHybridMountinfo, "memory").value_or("") == "/sys/fs/cgroup/memory");
  BOOST_TEST(cgroup1_mount(kHybridMountinfo, "cpuacct").value_or("") ==
             "/sys/fs/cgroup/cpu,cpuacct");
  BOOST_TEST(!cgroup1_mount(kHybridMountinfo, "pids"));
  BOOST_TEST(controller_path(kHybridCgroup, "memory").value_or("") == "/sa-demo");
  BOOST_TEST(controller_path(kHybridCgroup, "cpu").value_or("") == "/sa-demo");
  BOOST_TEST(!controller_path(kHybridCgroup, "pids"));
  const auto memory = controller_dir(kHybridCgroup, kHybridMountinfo, "memory");
  BOOST_TEST_REQUIRE(memory.has_value());
  BOOST_TEST(memory->dir == "/sys/fs/cgroup/memory/sa-demo");
  BOOST_TEST(memory->mount == "/sys/fs/cgroup/memory");
  BOOST_TEST(memory->v1);
}

BOOST_AUTO_TEST_CASE(a_controller_without_a_v1_hierarchy_is_on_v2) {
  const auto pids = controller_dir(kHybridCgroup, kHybridMountinfo, "pids");
  BOOST_TEST_REQUIRE(pids.has_value());
  BOOST_TEST(pids->dir == "/sys/fs/cgroup/unified/sa-demo");
  BOOST_TEST(!pids->v1);
  const auto v2 = controller_dir("0::/pod/c1\n",
                                 "36 25 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "memory");
  BOOST_TEST_REQUIRE(v2.has_value());
  BOOST_TEST(v2->dir == "/sys/fs/cgroup/pod/c1");
  BOOST_TEST(!controller_dir("0::/pod\n", "", "memory"));
}

BOOST_AUTO_TEST_CASE(cgroup_numbers_and_memory_stat) {
  BOOST_TEST(cgroup_number("67108864\n").value_or(0) == 67108864u);
  BOOST_TEST(!cgroup_number("max\n"));
  BOOST_TEST(!cgroup_number(""));
  BOOST_TEST(!cgroup_number("12x\n"));
  const char* stat = "anon 4096\nfile 8192\nshmem 12288\nshmem_thp 0\n";
  BOOST_TEST(memory_stat(stat, "shmem").value_or(0) == 12288u);
  BOOST_TEST(memory_stat(stat, "file").value_or(0) == 8192u);
  BOOST_TEST(!memory_stat(stat, "total_shmem"));
}

struct sysinfo host_of(uint32_t unit) {
  struct sysinfo h {};
  h.uptime = 1000;
  h.loads[0] = 65536;
  h.mem_unit = unit;
  h.totalram = (uint64_t{8} << 30) / unit;
  h.freeram = (uint64_t{4} << 30) / unit;
  h.sharedram = (uint64_t{1} << 30) / unit;
  h.bufferram = (uint64_t{1} << 28) / unit;
  h.totalswap = (uint64_t{2} << 30) / unit;
  h.freeswap = (uint64_t{2} << 30) / unit;
  h.procs = 500;
  return h;
}

BOOST_AUTO_TEST_CASE(a_limit_replaces_the_hosts_memory) {
  CgroupFigures f;
  f.memory_limit = uint64_t{512} << 20;
  f.memory_usage = uint64_t{100} << 20;
  f.shmem = uint64_t{1} << 20;
  f.swap_limit = uint64_t{64} << 20;
  f.swap_usage = uint64_t{16} << 20;
  f.tasks = 7;
  const struct sysinfo s = container_sysinfo(host_of(4096), f);
  BOOST_TEST(s.mem_unit == 1u);
  BOOST_TEST(s.totalram == uint64_t{512} << 20);
  BOOST_TEST(s.freeram == uint64_t{412} << 20);
  BOOST_TEST(s.sharedram == uint64_t{1} << 20);
  BOOST_TEST(s.bufferram == 0u);
  BOOST_TEST(s.totalswap == uint64_t{64} << 20);
  BOOST_TEST(s.freeswap == uint64_t{48} << 20);
  BOOST_TEST(s.procs == 7u);
  BOOST_TEST(s.uptime == 1000);
  BOOST_TEST(s.loads[0] == 65536u);
}

BOOST_AUTO_TEST_CASE(no_limit_or_one_above_the_host_keeps_the_hosts_figures) {
  CgroupFigures f;
  const struct sysinfo none = container_sysinfo(host_of(1), f);
  BOOST_TEST(none.totalram == uint64_t{8} << 30);
  BOOST_TEST(none.freeram == uint64_t{4} << 30);
  BOOST_TEST(none.bufferram == uint64_t{1} << 28);
  BOOST_TEST(none.procs == 500u);
  f.memory_limit = uint64_t{0x7FFFFFFFFFFFF000};  // v1's "unlimited"
  f.swap_limit = uint64_t{16} << 30;
  const struct sysinfo big = container_sysinfo(host_of(4096), f);
  BOOST_TEST(big.mem_unit == 1u);
  BOOST_TEST(big.totalram == uint64_t{8} << 30);
  BOOST_TEST(big.totalswap == uint64_t{2} << 30);
}

BOOST_AUTO_TEST_CASE(usage_above_the_limit_leaves_nothing_free) {
  CgroupFigures f;
  f.memory_limit = uint64_t{1} << 20;
  f.memory_usage = uint64_t{2} << 20;
  BOOST_TEST(container_sysinfo(host_of(1), f).freeram == 0u);
}

// compat_sys_sysinfo: bytes while they fit in 32 bits, pages once the memory
// or the swap does not.
BOOST_AUTO_TEST_CASE(a_32_bit_caller_gets_the_compat_layout) {
  CgroupFigures f;
  f.memory_limit = uint64_t{512} << 20;
  f.memory_usage = uint64_t{100} << 20;
  f.tasks = 7;
  const CompatSysinfo small = compat_sysinfo(container_sysinfo(host_of(4096), f), 4096);
  BOOST_TEST(small.mem_unit == 1u);
  BOOST_TEST(small.totalram == uint32_t{512} << 20);
  BOOST_TEST(small.freeram == uint32_t{412} << 20);
  BOOST_TEST(small.totalswap == uint32_t{2} << 30);
  BOOST_TEST(small.procs == 7u);
  BOOST_TEST(small.uptime == 1000);
  BOOST_TEST(small.loads[0] == 65536u);
  const CompatSysinfo large = compat_sysinfo(container_sysinfo(host_of(4096), {}), 4096);
  BOOST_TEST(large.mem_unit == 4096u);
  BOOST_TEST(large.totalram == (uint64_t{8} << 30) / 4096);
  BOOST_TEST(large.freeram == (uint64_t{4} << 30) / 4096);
  BOOST_TEST(large.totalswap == (uint64_t{2} << 30) / 4096);
}

BOOST_AUTO_TEST_CASE(the_boottime_offset_of_a_time_namespace) {
  BOOST_TEST(boottime_offset("monotonic 0 0\nboottime 86400 0\n") == 86400);
  BOOST_TEST(boottime_offset("monotonic -5 0\nboottime -10 500\n") == -10);
  BOOST_TEST(boottime_offset("") == 0);
}

BOOST_AUTO_TEST_CASE(only_writable_mappings_take_the_answer) {
  const char* maps =
      "1000-3000 rw-p 00000000 00:00 0\n"
      "3000-4000 r--p 00000000 00:00 0\n"
      "5000-6000 rw-p 00000000 00:00 0\n"
      "6000-7000 rw-p 00000000 00:00 0 [stack]\n";
  BOOST_TEST(writable_range(maps, 0x1000, 112));
  BOOST_TEST(writable_range(maps, 0x2fa0, 112) == false);  // runs into r--
  BOOST_TEST(writable_range(maps, 0x3000, 112) == false);
  BOOST_TEST(writable_range(maps, 0x4f90, 112) == false);  // starts in a hole
  BOOST_TEST(writable_range(maps, 0x5fa0, 112));           // across two rw mappings
  BOOST_TEST(writable_range(maps, 0, 112) == false);
  BOOST_TEST(writable_range(maps, 0x6fa0, 112) == false);  // past the end
}

}  // namespace
}  // namespace sa::kernel
