// Resolves a caller's path the way the kernel would for the caller, one
// component at a time, without ever leaving the caller's root: every
// component is opened O_PATH|O_NOFOLLOW relative to the directory reached so
// far, and symlinks are followed by their text — an absolute one restarts at
// the caller's root, so neither a link nor ".." can lead out of it.
//
// Run with the caller's credentials, so that every permission check along
// the way is the caller's. ".." is the kernel's own, clamped at the
// walker's root, which must then be the caller's: a child that chrooted
// already, or an agent thread that chroots at the first ".." (DotDotRoot:
// a chroot and its undoing cost five system calls, and most paths have no
// "..").
//
// Two deliberate differences from the kernel's walk, both toward safety:
// - /proc/self and /proc/thread-self name the caller (not the agent), as
//   they would for the caller itself.
// - procfs "magic" links (/proc/PID/root, cwd, fd/N) are followed by the
//   path they show, resolved inside the caller's root, never by jumping to
//   the object: /proc/1/root/x is the container's /x at most.
//
// Everything here is a raw system call on caller-provided memory: no
// allocation, no lock. It may run in a CLONE_VM child of the agent.
#pragma once

#include <linux/limits.h>

#include <cstdint>

namespace sa::kernel {

// The caller's thread and process ids as each pid namespace sees them, from
// the agent's down to the caller's own (the NSpid and NStgid lines of
// /proc/PID/status), and its /proc/PID in the agent's procfs, whose stat
// tells when it started: enough to find the caller's directory in whichever
// procfs instance a path crosses (same pid, same start time).
struct CallerPids {
  static constexpr int kMaxLevels = 33;  // the kernel's MAX_PID_NS_LEVEL is 32
  int levels = 0;
  int32_t tgid[kMaxLevels] = {};
  int32_t tid[kMaxLevels] = {};
  int proc_dir = -1;  // read only when a path crosses /proc/self
};

// Makes the walker's root the caller's root, before the walk's first "..".
class DotDotRoot {
 public:
  virtual int enter() noexcept = 0;  // 0 or an errno; called again, it does nothing
 protected:
  ~DotDotRoot() = default;
};

struct WalkFrom {
  int root = -1;                      // the caller's root (an O_PATH directory)
  int start = -1;                     // where a relative path starts: cwd or dirfd
  const CallerPids* pids = nullptr;   // nullptr: /proc/self is whatever the walker is
  DotDotRoot* dotdot_root = nullptr;  // nullptr: the walker's root is the caller's already
};

enum class WalkEnd {
  Parent,  // stop before the last component, not following it (mkdir)
  Object,  // follow the last component too (chmod, a mount target)
  // The last component as it is, a symlink included (lsetxattr); a trailing
  // slash still follows it, as in the kernel.
  ObjectNoFollow,
};

struct WalkResult {
  int err = 0;  // the errno the kernel would give for the lookup, or 0
  int fd = -1;  // O_PATH; Parent: the last component's directory. Close it.
  // Parent: the last component. Empty when it is "." or ".." or the path
  // names the root: there is then nothing to create (mkdir: EEXIST).
  char name[NAME_MAX + 1] = {};
};

WalkResult walk_path(const WalkFrom& from, const char* path, WalkEnd end) noexcept;

}  // namespace sa::kernel
