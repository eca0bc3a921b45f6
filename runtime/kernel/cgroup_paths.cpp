#include "kernel/cgroup_paths.hpp"

#include <fstream>
#include <sstream>

namespace sa::kernel {
namespace {

// The mount point of the first cgroup mount of the hierarchy's root whose
// filesystem type is `fstype` and, with a `controller`, whose super options
// name it. "36 25 0:30 / /sys/fs/cgroup/memory rw,... - cgroup cgroup rw,memory"
std::optional<std::string> mount_of(std::string_view mountinfo, std::string_view fstype,
                                    std::string_view controller) {
  std::optional<std::string> found;
  each_line(mountinfo, [&](std::string_view line) {
    const size_t dash = line.find(" - ");
    if (found || dash == std::string_view::npos)
      return;
    const auto before = fields(line.substr(0, dash), ' ');
    const auto after = fields(line.substr(dash + 3), ' ');
    if (before.size() < 5 || after.empty() || after[0] != fstype || before[3] != "/")
      return;
    if (!controller.empty()) {
      if (after.size() < 3)
        return;
      bool named = false;
      for (std::string_view option : fields(after[2], ','))
        named = named || option == controller;
      if (!named)
        return;
    }
    found = std::string(before[4]);
  });
  return found;
}

}  // namespace

std::vector<std::string_view> fields(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    out.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos)
      return out;
    start = end + 1;
  }
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<std::string> cgroup2_mount(std::string_view mountinfo) {
  return mount_of(mountinfo, "cgroup2", "");
}

std::optional<std::string> cgroup1_mount(std::string_view mountinfo, std::string_view controller) {
  return mount_of(mountinfo, "cgroup", controller);
}

std::optional<std::string> unified_path(std::string_view proc_cgroup) {
  std::optional<std::string> found;
  each_line(proc_cgroup, [&](std::string_view line) {
    if (!found && line.substr(0, 3) == "0::")
      found = std::string(line.substr(3));
  });
  return found;
}

std::optional<std::string> controller_path(std::string_view proc_cgroup,
                                           std::string_view controller) {
  std::optional<std::string> found;
  // "4:memory:/sa-demo", "3:cpu,cpuacct:/sa-demo"
  each_line(proc_cgroup, [&](std::string_view line) {
    const size_t first = line.find(':');
    const size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (found || second == std::string_view::npos)
      return;
    for (std::string_view c : fields(line.substr(first + 1, second - first - 1), ',')) {
      if (c == controller)
        found = std::string(line.substr(second + 1));
    }
  });
  return found;
}

std::optional<ControllerDir> controller_dir(std::string_view proc_cgroup,
                                            std::string_view mountinfo,
                                            std::string_view controller) {
  const auto v1_path = controller_path(proc_cgroup, controller);
  const auto v1_mount = v1_path ? cgroup1_mount(mountinfo, controller) : std::nullopt;
  if (v1_mount)
    return ControllerDir{*v1_mount, *v1_mount + *v1_path, true};
  const auto path = unified_path(proc_cgroup);
  const auto mount = path ? cgroup2_mount(mountinfo) : std::nullopt;
  if (!mount)
    return std::nullopt;
  return ControllerDir{*mount, *mount + *path, false};
}

}  // namespace sa::kernel
