// Runs one system call inside a caller's container: a short-lived child of
// the agent joins the caller's namespaces, takes its root and cwd (and, when
// asked, its credentials in its own user namespace) and its umask, checks
// once more that the notification is pending, and makes the call. The
// agent itself never changes namespace, root or cwd.
//
// The child shares the agent's memory and fd table and the agent's thread
// waits for it (clone CLONE_VM|CLONE_VFORK|CLONE_FILES on a small stack), so
// it costs no page-table copy however large the agent grows. Everything the
// child does is a raw system call on data prepared beforehand: it must not
// take a lock another agent thread might hold.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernel/fs_identity.hpp"
#include "model/names.hpp"

namespace sa::kernel {

// The result of a system call: `err` is 0 on success.
struct SyscallResult {
  int64_t value = 0;
  int err = 0;
};

// Whose credentials the child acts with.
enum class ChildCredentials {
  Agent,   // the agent's own: a rule said `as agent`
  Caller,  // `identity` in the agent's user namespace, for good (kernel ids)
  // The caller's own user namespace (`user_ns`), joined: its supplementary
  // groups (kernel ids, set before joining), uid and gid as that namespace
  // sees them, and its capabilities there.
  CallerUserNs,
};

// The caller's environment as fds the agent has opened (-1: leave as is).
struct CallerEnvironment {
  int pid_ns = -1;  // joined before a second child is created inside it
  int mnt_ns = -1;
  int net_ns = -1;
  int cgroup_ns = -1;
  int ipc_ns = -1;
  ChildCredentials credentials = ChildCredentials::Agent;
  FsIdentity identity;
  int user_ns = -1;  // CallerUserNs only
  int root = -1;     // O_PATH of /proc/PID/root
  int cwd = -1;      // O_PATH of /proc/PID/cwd
  bool set_umask = false;
  mode_t umask = 0;
  // Checked with SECCOMP_IOCTL_NOTIF_ID_VALID right before the call.
  int notify_fd = -1;
  uint64_t notification_id = 0;
};

// The call itself, run in the child with `args` prepared by the agent.
using CallerOperation = SyscallResult (*)(void* args);

// Where the child stopped.
enum class ChildStep {
  Done,        // the operation ran; its result is in `result`
  TargetGone,  // the notification was no longer pending
  JoinPidNs,
  SpawnInPidNs,
  JoinMntNs,
  JoinNetNs,
  JoinCgroupNs,
  JoinIpcNs,
  SetGroups,
  JoinUserNs,
  EnterRoot,
  SetCredentials,
  EnterCwd,
  CheckNotification,
  Spawn,  // the agent could not create the child
  Wait,   // the agent could not collect the child
};

struct ChildReport {
  ChildStep step = ChildStep::Spawn;
  int err = 0;           // the failed step's errno
  SyscallResult result;  // Done only
};

// The pidfds of an emulation's children (-1: none yet): the child, and its
// own child inside the caller's pid namespace. With them another thread can
// end an emulation that does not come back (kill_children). Closed by
// whoever passed them to run_in_caller, once the emulation is over; the
// kernel writes them (CLONE_PIDFD) while the other thread may read them.
struct ChildPidfds {
  int fds[2] = {-1, -1};
};

// SIGKILL to each child listed. From any thread, as long as the fds are
// not closed meanwhile; a child already gone is no error.
void kill_children(const ChildPidfds& children) noexcept;
void close_children(ChildPidfds& children) noexcept;

// Safe to call from several agent threads at once: each thread has its own
// stacks and report area, mapped on its first call. With `children`, the
// children's pidfds are kept there.
ChildReport run_in_caller(const CallerEnvironment& env, CallerOperation op, void* args,
                          ChildPidfds* children = nullptr);

}  // namespace sa::kernel

// Each step as the system call it makes, for error messages.
namespace sa {
template <>
struct Vocabulary<kernel::ChildStep> {
  static constexpr std::size_t count = 16;
  static constexpr std::array<NameEntry<kernel::ChildStep>, count> names{{
      {kernel::ChildStep::Done, "done"},
      {kernel::ChildStep::TargetGone, "target gone"},
      {kernel::ChildStep::JoinPidNs, "setns pid"},
      {kernel::ChildStep::SpawnInPidNs, "clone in the pid namespace"},
      {kernel::ChildStep::JoinMntNs, "setns mnt"},
      {kernel::ChildStep::JoinNetNs, "setns net"},
      {kernel::ChildStep::JoinCgroupNs, "setns cgroup"},
      {kernel::ChildStep::JoinIpcNs, "setns ipc"},
      {kernel::ChildStep::SetGroups, "setgroups"},
      {kernel::ChildStep::JoinUserNs, "setns user"},
      {kernel::ChildStep::EnterRoot, "chroot into the caller's root"},
      {kernel::ChildStep::SetCredentials, "take the caller's credentials"},
      {kernel::ChildStep::EnterCwd, "fchdir to the caller's cwd"},
      {kernel::ChildStep::CheckNotification, "ioctl SECCOMP_IOCTL_NOTIF_ID_VALID"},
      {kernel::ChildStep::Spawn, "clone"},
      {kernel::ChildStep::Wait, "waitpid"},
  }};
};
}  // namespace sa
