#include "kernel/path_call.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "kernel/proc_fd_link.hpp"
#include "kernel/unique_fd.hpp"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452  // Linux 6.6; the same number on every architecture
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463  // Linux 6.13; the same number on every architecture
#endif

namespace sa::kernel {
namespace {

SyscallResult result_of(long ret) {
  return ret < 0 ? SyscallResult{ret, errno} : SyscallResult{ret, 0};
}

SyscallResult failure(int err) {
  return {-1, err};
}

// 0 when the call may go ahead; otherwise the call is answered with
// `result` (the ioctl failed) or not at all (`gone`).
bool may_act(int notify_fd, uint64_t id, bool& gone, SyscallResult& result) {
  const int err = notification_pending(notify_fd, id);
  if (err == 0)
    return true;
  if (err == ENOENT)
    gone = true;
  else
    result = failure(err);
  return false;
}

// setxattrat(2)'s argument block (struct xattr_args, XATTR_ARGS_SIZE_VER0).
struct SetxattratArgs {
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};
static_assert(sizeof(SetxattratArgs) == 16);

}  // namespace

int notification_pending(int notify_fd, uint64_t id) noexcept {
  if (notify_fd < 0)
    return 0;
  uint64_t copy = id;
  return ::ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &copy) == 0 ? 0 : errno;
}

SyscallResult run_path_call(PathCall& call) noexcept {
  const bool create = call.op == PathOp::MakeDirectory || call.op == PathOp::MakeNode;
  const WalkResult w = walk_path(call.from, call.path, create ? WalkEnd::Parent : WalkEnd::Object);
  if (w.err != 0)
    return failure(w.err);
  const UniqueFd reached(w.fd);
  // mkdir or mknod of "/", "." or "..": it exists.
  if (create && w.name[0] == '\0')
    return failure(EEXIST);
  SyscallResult result;
  if (!may_act(call.notify_fd, call.notification_id, call.gone, result))
    return result;
  switch (call.op) {
    case PathOp::MakeDirectory:
      return result_of(::mkdirat(w.fd, w.name, call.mode));
    case PathOp::ChangeMode:
      return result_of(::syscall(SYS_fchmodat2, w.fd, "", call.mode, AT_EMPTY_PATH));
    case PathOp::MakeNode:
      return result_of(::mknodat(w.fd, w.name, call.mode, call.dev));
  }
  return failure(EINVAL);
}

SyscallResult run_fd_mode_call(FdModeCall& call) noexcept {
  SyscallResult result;
  if (!may_act(call.notify_fd, call.notification_id, call.gone, result))
    return result;
  return result_of(::fchmod(call.fd, call.mode));
}

}  // namespace sa::kernel

namespace sa::kernel {

SyscallResult run_xattr_call(XattrCall& call) noexcept {
  SyscallResult result;
  if (call.path == nullptr) {
    if (!may_act(call.notify_fd, call.notification_id, call.gone, result))
      return result;
    return result_of(::fsetxattr(call.fd, call.name, call.value, call.size, call.flags));
  }
  const WalkResult w =
      walk_path(call.from, call.path, call.follow ? WalkEnd::Object : WalkEnd::ObjectNoFollow);
  if (w.err != 0)
    return failure(w.err);
  const UniqueFd reached(w.fd);
  char link[kProcFdLinkSize];
  proc_fd_link("self/fd/", w.fd, link);
  if (!may_act(call.notify_fd, call.notification_id, call.gone, result))
    return result;
  SetxattratArgs args{reinterpret_cast<uintptr_t>(call.value), static_cast<uint32_t>(call.size),
                      static_cast<uint32_t>(call.flags)};
  return result_of(::syscall(SYS_setxattrat, call.proc, link, 0, call.name, &args, sizeof args));
}

}  // namespace sa::kernel
