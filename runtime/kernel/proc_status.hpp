// Pure parsers for the /proc files the caller's facts come from, separate
// from the reading so they can be tested on fixed text. Malformed input
// throws std::runtime_error naming the file and what is wrong.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace sa::kernel {

// The fields of /proc/PID/status the agent uses. Ids are as the reader's
// user namespace sees them (kernel ids, for an agent in the initial one).
struct StatusFields {
  uint32_t euid = 0;
  uint32_t egid = 0;
  uint32_t fsuid = 0;  // what the kernel checks file access against
  uint32_t fsgid = 0;
  uint64_t cap_effective = 0;
  mode_t umask = 0;
  std::vector<gid_t> groups;  // supplementary groups
  // NStgid and NSpid: the process and thread id in each pid namespace, from
  // the reader's down to the process's own.
  std::vector<int32_t> ns_tgid;
  std::vector<int32_t> ns_pid;
};
StatusFields parse_status(std::string_view text);

// Field 22 of /proc/PID/stat: when the process started, in clock ticks
// since boot. With the pid, it names one process for good. nullopt when the
// text is not a stat line. Allocation-free (path_walk uses it in a child).
std::optional<uint64_t> stat_start_time(std::string_view text) noexcept;

// One line of /proc/PID/uid_map or gid_map: `count` ids starting at
// `inside` in the process's namespace are `outside` onwards in the reader's.
struct IdRange {
  uint32_t inside = 0;
  uint32_t outside = 0;
  uint32_t count = 0;
};
std::vector<IdRange> parse_id_map(std::string_view text);

// The id inside the namespace for a kernel id, or nullopt when the
// namespace has no mapping for it (the kernel then shows the overflow id).
std::optional<uint32_t> map_into_namespace(uint32_t outside, const std::vector<IdRange>& map);

}  // namespace sa::kernel
