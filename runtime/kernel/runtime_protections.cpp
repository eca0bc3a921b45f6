#include "kernel/runtime_protections.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "kernel/unique_fd.hpp"

namespace sa::kernel {
namespace {

constexpr size_t kMaxConfig = 16 << 20;

// Filesystems that show host-wide kernel state and that no runtime gives a
// container by default.
constexpr std::array<std::string_view, 14> kHostState{
    "debugfs", "tracefs",     "securityfs", "bpf",  "configfs",   "efivarfs",  "pstore",
    "fusectl", "binfmt_misc", "devtmpfs",   "nfsd", "rpc_pipefs", "hugetlbfs", "autofs"};

bool is_host_state(std::string_view fstype) {
  for (std::string_view t : kHostState) {
    if (t == fstype)
      return true;
  }
  return false;
}

std::vector<std::string> string_list(const nlohmann::json& linux_section, const char* key) {
  std::vector<std::string> out;
  const auto it = linux_section.find(key);
  if (it == linux_section.end())
    return out;
  if (!it->is_array())
    throw std::runtime_error(std::string("linux.") + key + " is not an array");
  for (const auto& v : *it) {
    if (!v.is_string())
      throw std::runtime_error(std::string("linux.") + key + " holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

bool has_option(const nlohmann::json& mount, std::string_view option) {
  const auto it = mount.find("options");
  if (it == mount.end() || !it->is_array())
    return false;
  for (const auto& o : *it) {
    if (o.is_string() && o.get<std::string>() == option)
      return true;
  }
  return false;
}

// Paths under `prefix` ("/proc/"), made relative to it.
std::vector<std::string> under(const std::vector<std::string>& paths, std::string_view prefix) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    if (p.size() > prefix.size() && std::string_view(p).starts_with(prefix))
      out.push_back(p.substr(prefix.size()));
  }
  return out;
}

ProtectionsRead defaults_because(std::string why) {
  return {default_protections(), std::move(why)};
}

}  // namespace

RuntimeProtections default_protections() {
  RuntimeProtections p;
  p.masked_paths = {"/proc/acpi",
                    "/proc/asound",
                    "/proc/kcore",
                    "/proc/keys",
                    "/proc/latency_stats",
                    "/proc/timer_list",
                    "/proc/timer_stats",
                    "/proc/sched_debug",
                    "/proc/scsi",
                    "/sys/firmware",
                    "/sys/devices/virtual/powercap"};
  p.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  p.mounted_types = {{"proc", false},  {"sysfs", true},   {"cgroup", true}, {"cgroup2", true},
                     {"tmpfs", false}, {"devpts", false}, {"mqueue", false}};
  return p;
}

RuntimeProtections parse_runtime_protections(std::string_view config_json) {
  const auto config = nlohmann::json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object())
    throw std::runtime_error("not a JSON object");
  RuntimeProtections p;
  p.from_config = true;
  if (const auto linux_section = config.find("linux"); linux_section != config.end()) {
    if (!linux_section->is_object())
      throw std::runtime_error("linux is not an object");
    p.masked_paths = string_list(*linux_section, "maskedPaths");
    p.readonly_paths = string_list(*linux_section, "readonlyPaths");
  }
  if (const auto mounts = config.find("mounts"); mounts != config.end() && mounts->is_array()) {
    for (const auto& m : *mounts) {
      const auto type = m.find("type");
      if (!m.is_object() || type == m.end() || !type->is_string())
        continue;
      const bool ro = has_option(m, "ro");
      const auto [it, fresh] = p.mounted_types.emplace(type->get<std::string>(), ro);
      if (!fresh)
        it->second = it->second && ro;
    }
  }
  return p;
}

ProtectionsRead read_runtime_protections(const std::string& bundle) {
  if (bundle.empty())
    return defaults_because("the runtime named no bundle");
  const std::string path = bundle + "/config.json";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0)
    return defaults_because(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode) || static_cast<size_t>(st.st_size) > kMaxConfig)
    return defaults_because(path + ": not a regular file of at most 16 MiB");
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return defaults_because(path + ": short read");
    got += static_cast<size_t>(n);
  }
  try {
    return {parse_runtime_protections(text), ""};
  } catch (const std::exception& e) {
    return defaults_because(path + ": " + e.what());
  }
}

FsKind filesystem_kind(std::string_view proc_filesystems, std::string_view fstype) {
  size_t pos = 0;
  while (pos < proc_filesystems.size()) {
    size_t end = proc_filesystems.find('\n', pos);
    if (end == std::string_view::npos)
      end = proc_filesystems.size();
    std::string_view line = proc_filesystems.substr(pos, end - pos);
    pos = end + 1;
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos)
      continue;
    if (line.substr(tab + 1) == fstype)
      return line.substr(0, tab) == "nodev" ? FsKind::NoDevice : FsKind::Device;
  }
  return FsKind::Unknown;
}

MountGuard guard_for_mount(const RuntimeProtections& p, std::string_view fstype, FsKind kind,
                           bool as_agent) {
  MountGuard g;
  const auto mounted = p.mounted_types.find(std::string(fstype));
  const bool runtime_mounts_it = mounted != p.mounted_types.end();
  if (!as_agent) {
    if (kind == FsKind::Unknown)
      g.refusal = ENODEV;
    else if (kind == FsKind::Device || (is_host_state(fstype) && !runtime_mounts_it))
      g.refusal = EPERM;
  }
  if (fstype == "proc") {
    g.masked = under(p.masked_paths, "/proc/");
    g.readonly = under(p.readonly_paths, "/proc/");
  } else if (fstype == "sysfs") {
    g.masked = under(p.masked_paths, "/sys/");
    g.readonly = under(p.readonly_paths, "/sys/");
  }
  const bool kernel_state =
      fstype == "proc" || fstype == "sysfs" || fstype == "cgroup" || fstype == "cgroup2";
  // Read-only as the runtime has it; a kernel-state type the runtime does
  // not mount at all stays read-only.
  g.read_only = kernel_state && (runtime_mounts_it ? mounted->second : fstype != "proc");
  return g;
}

}  // namespace sa::kernel
