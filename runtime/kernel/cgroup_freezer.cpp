#include "kernel/cgroup_freezer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "kernel/proc_dir.hpp"
#include "kernel/sys_error.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {
namespace {

// A pid in a cgroup.procs that is not in `pidns`; nullopt when all are.
std::optional<std::string> outsider(const std::string& dir, const NamespaceId& pidns) {
  const auto procs = read_file(dir + "/cgroup.procs");
  if (!procs)
    return "cannot read " + dir + "/cgroup.procs";
  std::optional<std::string> found;
  each_line(*procs, [&](std::string_view line) {
    if (found)
      return;
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec != std::errc() || end != line.data() + line.size() || pid <= 0) {
      found = "unexpected line in " + dir + "/cgroup.procs";
      return;
    }
    // A process whose namespace cannot be seen is not known to be the
    // container's: it counts as an outsider.
    std::optional<NamespaceId> ns;
    try {
      const auto proc = ProcDir::open(pid);
      if (!proc)
        return;  // gone meanwhile
      ns = namespace_of(*proc, "pid");
      if (!ns)
        return;
    } catch (const SysError& e) {
      found = "pid " + std::string(line) + " in " + dir + " cannot be checked: " + e.what();
      return;
    }
    if (!(*ns == pidns))
      found =
          "pid " + std::string(line) + " in " + dir + " is not in the container's pid namespace";
  });
  return found;
}

std::optional<std::string> outsider_below(const std::string& dir, const NamespaceId& pidns) {
  if (auto found = outsider(dir, pidns))
    return found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_directory(ec))
      continue;
    if (auto found = outsider(entry.path().string(), pidns))
      return found;
  }
  if (ec)
    return "cannot list " + dir + ": " + ec.message();
  return std::nullopt;
}

std::variant<ContainerCgroup, std::string> find_cgroup(pid_t init) {
  const auto proc = ProcDir::open(init);
  if (!proc)
    return std::string("the container's init is gone");
  const auto text = proc->read_text("cgroup");
  const auto pidns = namespace_of(*proc, "pid");
  if (!text || !pidns)
    return std::string("the container's init is gone");
  const auto path = unified_path(*text);
  if (!path)
    return std::string("the container's init is in no cgroup v2 hierarchy");
  const auto mountinfo = read_file("/proc/self/mountinfo");
  const auto mount = mountinfo ? cgroup2_mount(*mountinfo) : std::nullopt;
  if (!mount)
    return std::string("the agent sees no cgroup2 mount of the hierarchy's root");
  return ContainerCgroup{*path, *mount + *path, *pidns};
}

}  // namespace

std::variant<ContainerCgroup, std::string> cgroup_of(pid_t init) {
  try {
    return find_cgroup(init);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

std::optional<std::string> freeze(const ContainerCgroup& cgroup) {
  if (cgroup.path == "/")
    return "the container's cgroup is the root cgroup";
  const auto own = ProcDir::open(::getpid());
  const auto own_pidns = own ? namespace_of(*own, "pid") : std::nullopt;
  if (!own_pidns || *own_pidns == cgroup.pidns)
    return "the container has no pid namespace of its own";
  if (auto found = outsider_below(cgroup.dir, cgroup.pidns))
    return "cgroup " + cgroup.path + " holds more than the container: " + *found;
  const std::string file = cgroup.dir + "/cgroup.freeze";
  const UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid())
    return "open " + file + ": " + std::strerror(errno);
  if (::write(fd.get(), "1", 1) != 1)
    return "write " + file + ": " + std::strerror(errno);
  return std::nullopt;
}

}  // namespace sa::kernel
