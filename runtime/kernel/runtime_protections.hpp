// What the runtime keeps a container from reaching in the kernel's own
// filesystems, read from the container's OCI config (config.json in the
// bundle the runtime names when it hands the seccomp fd over): maskedPaths,
// readonlyPaths, and which filesystem types it mounts and whether read-only.
// An emulated mount is held to the same: see guard_for_mount.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sa::kernel {

struct RuntimeProtections {
  std::vector<std::string> masked_paths;  // absolute, as in config.json
  std::vector<std::string> readonly_paths;
  std::map<std::string, bool> mounted_types;  // type -> every mount of it read-only
  bool from_config = false;                   // false: the defaults below
};

// runc's defaults (libcontainer/specconv): what a container gets when its
// config cannot be read.
RuntimeProtections default_protections();

// config.json's text; std::runtime_error when it is not an OCI config.
RuntimeProtections parse_runtime_protections(std::string_view config_json);

struct ProtectionsRead {
  RuntimeProtections protections;
  std::string problem;  // why the defaults are used; "" when read from the config
};

// BUNDLE/config.json, a regular file of at most 16 MiB; the defaults, with
// the reason, when there is no bundle or it cannot be read or parsed.
ProtectionsRead read_runtime_protections(const std::string& bundle);

// How /proc/filesystems lists a filesystem type.
enum class FsKind {
  Unknown,   // not registered (its module not loaded)
  Device,    // needs a block device
  NoDevice,  // "nodev": proc, tmpfs, cifs...
};
FsKind filesystem_kind(std::string_view proc_filesystems, std::string_view fstype);

// What an emulated mount of a new filesystem of `fstype` may be.
struct MountGuard {
  int refusal = 0;                    // answer this errno instead of mounting; 0: mount
  bool read_only = false;             // forced read-only
  std::vector<std::string> masked;    // relative to the new mount's root
  std::vector<std::string> readonly;  // likewise
};

// With the caller's credentials (not `as agent`): a type needing a block
// device, or not registered, or exposing host-wide kernel state that the
// container's config does not mount itself (debugfs, tracefs, bpf...) is
// refused with the errno the kernel gives an unprivileged caller (EPERM;
// ENODEV for an unknown type). proc gets the config's masked and read-only
// paths under /proc, sysfs those under /sys; proc, sysfs and cgroup are
// read-only where the config mounts them read-only.
MountGuard guard_for_mount(const RuntimeProtections& p, std::string_view fstype, FsKind kind,
                           bool as_agent);

}  // namespace sa::kernel
