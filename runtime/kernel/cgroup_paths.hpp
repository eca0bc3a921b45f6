// Where a process's cgroups are, from the text of /proc/PID/cgroup and of
// the agent's /proc/self/mountinfo: on cgroup v2, on v1, or on a hybrid of
// both (a controller such as memory on its own v1 hierarchy, the rest on v2).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sa::kernel {

// `text` cut at each `sep` (empty pieces kept).
std::vector<std::string_view> fields(std::string_view text, char sep);

template <typename F>
void each_line(std::string_view text, F&& f) {
  for (std::string_view line : fields(text, '\n')) {
    if (!line.empty())
      f(line);
  }
}

// The whole of a small file (a cgroup's memory.max, mountinfo); nullopt
// when it cannot be read.
std::optional<std::string> read_file(const std::string& path);

// The cgroup2 mount point in /proc/self/mountinfo text ("/sys/fs/cgroup", or
// "/sys/fs/cgroup/unified" on a hybrid layout); nullopt without one.
std::optional<std::string> cgroup2_mount(std::string_view mountinfo);
// The mount point of the v1 hierarchy `controller` ("memory", "pids") is
// attached to ("/sys/fs/cgroup/memory"); nullopt when none is mounted.
std::optional<std::string> cgroup1_mount(std::string_view mountinfo, std::string_view controller);

// The unified hierarchy's path in /proc/PID/cgroup text: the "0::PATH" line;
// nullopt without one.
std::optional<std::string> unified_path(std::string_view proc_cgroup);
// The path in the v1 hierarchy `controller` is attached to
// ("4:memory:/sa-demo" gives "/sa-demo"); nullopt without one.
std::optional<std::string> controller_path(std::string_view proc_cgroup,
                                           std::string_view controller);

// The directory of a process's cgroup for `controller`, under the agent's
// mounts: its v1 hierarchy when the controller has one mounted and the
// process is in it, else the unified hierarchy; nullopt when neither is
// there. `v1` tells which.
struct ControllerDir {
  std::string mount;  // the hierarchy's mount point: the walk up stops there
  std::string dir;    // mount + the process's path
  bool v1 = false;
};
std::optional<ControllerDir> controller_dir(std::string_view proc_cgroup,
                                            std::string_view mountinfo,
                                            std::string_view controller);

}  // namespace sa::kernel
