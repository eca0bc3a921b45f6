#include "kernel/container_sysinfo.hpp"

#include <algorithm>
#include <charconv>

#include "kernel/cgroup_paths.hpp"

namespace sa::kernel {
namespace {

std::optional<uint64_t> number_in(const std::string& file) {
  const auto text = read_file(file);
  return text ? cgroup_number(*text) : std::nullopt;
}

// The smallest `limit_file` from `d.dir` up to the hierarchy's root, and the
// directory that has it.
struct Binding {
  std::optional<uint64_t> limit;
  std::string dir;
};

Binding smallest_limit(const ControllerDir& d, const std::string& limit_file) {
  Binding b;
  std::string dir = d.dir;
  while (dir.size() >= d.mount.size()) {
    std::string file = dir;
    file += '/';
    file += limit_file;
    const auto limit = number_in(file);
    if (limit && (!b.limit || *limit < *b.limit))
      b = {limit, dir};
    const size_t slash = dir.rfind('/');
    if (slash == std::string::npos || dir.size() == d.mount.size())
      break;
    dir.resize(slash);
  }
  return b;
}

void read_memory_v2(const ControllerDir& d, CgroupFigures& f) {
  const Binding memory = smallest_limit(d, "memory.max");
  if (memory.limit) {
    f.memory_limit = memory.limit;
    f.memory_usage = number_in(memory.dir + "/memory.current").value_or(0);
    const auto stat = read_file(memory.dir + "/memory.stat");
    f.shmem = stat ? memory_stat(*stat, "shmem") : std::nullopt;
  }
  const Binding swap = smallest_limit(d, "memory.swap.max");
  if (swap.limit) {
    f.swap_limit = swap.limit;
    f.swap_usage = number_in(swap.dir + "/memory.swap.current").value_or(0);
  }
}

// v1 counts memory and swap together in memsw: swap alone is the
// difference.
void read_memory_v1(const ControllerDir& d, CgroupFigures& f) {
  const Binding memory = smallest_limit(d, "memory.limit_in_bytes");
  if (!memory.limit)
    return;
  f.memory_limit = memory.limit;
  f.memory_usage = number_in(memory.dir + "/memory.usage_in_bytes").value_or(0);
  const auto stat = read_file(memory.dir + "/memory.stat");
  f.shmem = stat ? memory_stat(*stat, "total_shmem") : std::nullopt;
  const auto memsw = number_in(memory.dir + "/memory.memsw.limit_in_bytes");
  const auto memsw_usage = number_in(memory.dir + "/memory.memsw.usage_in_bytes");
  if (memsw && memsw_usage && *memsw >= *memory.limit) {
    f.swap_limit = *memsw - *memory.limit;
    f.swap_usage = *memsw_usage - std::min(*memsw_usage, f.memory_usage);
  }
}

uint64_t at_most(uint64_t value, uint64_t limit) {
  return std::min(value, limit);
}

}  // namespace

std::optional<uint64_t> cgroup_number(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<uint64_t> memory_stat(std::string_view text, std::string_view key) {
  std::optional<uint64_t> found;
  each_line(text, [&](std::string_view line) {
    const size_t space = line.find(' ');
    if (!found && space != std::string_view::npos && line.substr(0, space) == key)
      found = cgroup_number(line.substr(space + 1));
  });
  return found;
}

CgroupFigures read_cgroup_figures(std::string_view proc_cgroup, std::string_view mountinfo) {
  CgroupFigures f;
  if (const auto memory = controller_dir(proc_cgroup, mountinfo, "memory")) {
    if (memory->v1)
      read_memory_v1(*memory, f);
    else
      read_memory_v2(*memory, f);
  }
  if (const auto pids = controller_dir(proc_cgroup, mountinfo, "pids"))
    f.tasks = number_in(pids->dir + "/pids.current");
  return f;
}

struct sysinfo container_sysinfo(const struct sysinfo& host, const CgroupFigures& figures) {
  struct sysinfo out = host;
  const uint64_t unit = host.mem_unit != 0 ? host.mem_unit : 1;
  out.mem_unit = 1;
  out.totalram = host.totalram * unit;
  out.freeram = host.freeram * unit;
  out.sharedram = host.sharedram * unit;
  out.bufferram = host.bufferram * unit;
  out.totalswap = host.totalswap * unit;
  out.freeswap = host.freeswap * unit;
  out.totalhigh = host.totalhigh * unit;
  out.freehigh = host.freehigh * unit;
  if (figures.memory_limit && *figures.memory_limit < out.totalram) {
    const uint64_t total = *figures.memory_limit;
    out.totalram = total;
    out.freeram = total - at_most(figures.memory_usage, total);
    out.sharedram = at_most(figures.shmem.value_or(0), total);
    out.bufferram = 0;
  }
  if (figures.swap_limit && *figures.swap_limit < out.totalswap) {
    const uint64_t total = *figures.swap_limit;
    out.totalswap = total;
    out.freeswap = total - at_most(figures.swap_usage, total);
  }
  // The kernel's procs is the thread count, truncated to 16 bits as here.
  if (figures.tasks)
    out.procs = static_cast<decltype(out.procs)>(*figures.tasks);
  return out;
}

CompatSysinfo compat_sysinfo(const struct sysinfo& s, uint32_t page_size) {
  uint64_t unit = s.mem_unit != 0 ? s.mem_unit : 1;
  int shift = 0;
  if ((s.totalram >> 32) != 0 || (s.totalswap >> 32) != 0) {
    while (unit < page_size) {
      unit <<= 1;
      ++shift;
    }
  }
  const auto size = [shift](unsigned long v) { return static_cast<uint32_t>(v >> shift); };
  CompatSysinfo out{};
  out.uptime = static_cast<int32_t>(s.uptime);
  for (int i = 0; i < 3; ++i)
    out.loads[i] = static_cast<uint32_t>(s.loads[i]);
  out.totalram = size(s.totalram);
  out.freeram = size(s.freeram);
  out.sharedram = size(s.sharedram);
  out.bufferram = size(s.bufferram);
  out.totalswap = size(s.totalswap);
  out.freeswap = size(s.freeswap);
  out.procs = s.procs;
  out.totalhigh = size(s.totalhigh);
  out.freehigh = size(s.freehigh);
  out.mem_unit = static_cast<uint32_t>(unit);
  return out;
}

int64_t boottime_offset(std::string_view timens_offsets) {
  int64_t seconds = 0;
  each_line(timens_offsets, [&](std::string_view line) {
    const auto f = fields(line, ' ');
    if (f.size() >= 2 && f[0] == "boottime")
      std::from_chars(f[1].data(), f[1].data() + f[1].size(), seconds);
  });
  return seconds;
}

bool writable_range(std::string_view maps, uint64_t address, uint64_t size) {
  if (address == 0 || address + size < address)
    return false;
  uint64_t next = address;  // the first byte not yet known writable
  const uint64_t end = address + size;
  // "7ffd1000-7ffd3000 rw-p 00000000 00:00 0 [stack]", in address order.
  each_line(maps, [&](std::string_view line) {
    const size_t dash = line.find('-');
    const size_t space = line.find(' ');
    if (next >= end || dash == std::string_view::npos || space == std::string_view::npos ||
        space < dash || line.size() < space + 3)
      return;
    uint64_t from = 0;
    uint64_t to = 0;
    std::from_chars(line.data(), line.data() + dash, from, 16);
    std::from_chars(line.data() + dash + 1, line.data() + space, to, 16);
    if (from <= next && next < to && line[space + 2] == 'w')
      next = to;
  });
  return next >= end;
}

}  // namespace sa::kernel
