// sysinfo(2) inside a container, as LXD's lxcfs answers /proc/meminfo: the
// memory, swap and task figures of the caller's cgroups in place of the
// host's. What each field then means is in docs/rules.md ("sysinfo").
#pragma once

#include <sys/sysinfo.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sa::kernel {

// What the caller's cgroups say. A limit is the smallest one on the way from
// the caller's cgroup up to its hierarchy's root (a parent's limit binds its
// children); its usage is that cgroup's, the one whose limit binds.
struct CgroupFigures {
  std::optional<uint64_t> memory_limit;  // bytes; nullopt: no limit anywhere
  uint64_t memory_usage = 0;
  std::optional<uint64_t> swap_limit;  // bytes of swap alone
  uint64_t swap_usage = 0;
  std::optional<uint64_t> shmem;  // memory.stat's shmem of the limiting cgroup
  std::optional<uint64_t> tasks;  // pids.current of the caller's cgroup
};

// A cgroup file's number: "max" (v2's no limit) is nullopt, as is text that
// is no number.
std::optional<uint64_t> cgroup_number(std::string_view text);
// One key of a memory.stat ("shmem 4096" lines); nullopt without it.
std::optional<uint64_t> memory_stat(std::string_view text, std::string_view key);

// Reads the figures of the process whose /proc/PID/cgroup text is
// `proc_cgroup`, under the agent's mounts (`mountinfo`), on cgroup v2 or v1
// (memory.max, memory.current, memory.swap.max, memory.swap.current; or
// memory.limit_in_bytes, memory.usage_in_bytes, memory.memsw.*), each
// controller on the hierarchy it is attached to.
CgroupFigures read_cgroup_figures(std::string_view proc_cgroup, std::string_view mountinfo);

// The answer: `host` (the kernel's answer to the agent) with the container's
// figures where they are smaller than the host's: totalram the limit,
// freeram the limit less the usage, sharedram its shmem, bufferram 0; the
// same for swap; procs its task count. Everything else is the host's.
// mem_unit is 1 (bytes), as the kernel gives it on 64-bit machines.
struct sysinfo container_sysinfo(const struct sysinfo& host, const CgroupFigures& figures);

// struct sysinfo as a 32-bit caller of a 64-bit kernel gets it (the
// kernel's struct compat_sysinfo).
struct CompatSysinfo {
  int32_t uptime;
  uint32_t loads[3];
  uint32_t totalram;
  uint32_t freeram;
  uint32_t sharedram;
  uint32_t bufferram;
  uint32_t totalswap;
  uint32_t freeswap;
  uint16_t procs;
  uint16_t pad;
  uint32_t totalhigh;
  uint32_t freehigh;
  uint32_t mem_unit;
  char f[8];
};
static_assert(sizeof(CompatSysinfo) == 64);

// `s` (mem_unit 1) in the 32-bit layout, as compat_sys_sysinfo converts it:
// when the memory or the swap does not fit in 32 bits, every size is counted
// in pages instead (mem_unit `page_size`).
CompatSysinfo compat_sysinfo(const struct sysinfo& s, uint32_t page_size);

// seconds of the "boottime SECONDS NANOSECONDS" line of a
// /proc/PID/timens_offsets text: what the kernel adds to the uptime of a
// caller in a time namespace of its own; 0 without one.
int64_t boottime_offset(std::string_view timens_offsets);

// True when [address, address + size) lies in writable mappings of a
// /proc/PID/maps text: where the kernel's copy_to_user would not fault.
bool writable_range(std::string_view maps, uint64_t address, uint64_t size);

}  // namespace sa::kernel
