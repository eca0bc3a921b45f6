// The path emulators' work, once the caller's identity is on: walk the path
// inside the caller's root (path_walk), check that the notification is still
// pending, then act on what the walk reached with an *at call — never on the
// path text again, so nothing the container swaps in meanwhile changes what
// is acted on. Allocation-free: it runs on an agent thread acting as the
// caller, or in a child inside the caller's user namespace.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "kernel/path_walk.hpp"
#include "kernel/run_in_caller.hpp"

namespace sa::kernel {

enum class PathOp {
  MakeDirectory,  // mkdir, mkdirat: the last component is created, not followed
  ChangeMode,     // chmod, fchmodat: the last component is followed
  MakeNode,       // mknod, mknodat: the last component is created, not followed
};

struct PathCall {
  PathOp op = PathOp::MakeDirectory;
  WalkFrom from;
  const char* path = nullptr;
  mode_t mode = 0;
  dev_t dev = 0;  // MakeNode
  // Checked with SECCOMP_IOCTL_NOTIF_ID_VALID right before the side effect.
  int notify_fd = -1;
  uint64_t notification_id = 0;
  bool gone = false;  // out: the notification was no longer pending; nothing done
};

SyscallResult run_path_call(PathCall& call) noexcept;

// fchmod on a borrowed fd, with the same last check.
struct FdModeCall {
  int fd = -1;
  mode_t mode = 0;
  int notify_fd = -1;
  uint64_t notification_id = 0;
  bool gone = false;
};

SyscallResult run_fd_mode_call(FdModeCall& call) noexcept;

// setxattr and lsetxattr on what a walk reaches (`path` set), fsetxattr on a
// borrowed fd (`path` nullptr), with the same last check. The walk reaches
// an O_PATH fd, on which the kernel sets no attribute; the attribute is set
// through /proc/self/fd/N of the agent's procfs (`proc`), a link that leads
// to that very object (a symlink itself for lsetxattr) and to nothing the
// container could swap in.
struct XattrCall {
  WalkFrom from;
  const char* path = nullptr;
  bool follow = true;  // setxattr follows the last symlink, lsetxattr does not
  int fd = -1;         // fsetxattr: the caller's fd, borrowed
  int proc = -1;       // the agent's /proc, O_PATH
  const char* name = nullptr;
  const void* value = nullptr;  // the caller's value, copied once
  size_t size = 0;
  int flags = 0;
  int notify_fd = -1;
  uint64_t notification_id = 0;
  bool gone = false;
};

SyscallResult run_xattr_call(XattrCall& call) noexcept;

// SECCOMP_IOCTL_NOTIF_ID_VALID as a raw call: 0 pending, ENOENT gone, or
// the ioctl's errno.
int notification_pending(int notify_fd, uint64_t id) noexcept;

}  // namespace sa::kernel
