// Everything an emulation needs from the caller, opened before anything is
// done on its behalf: its root, cwd and, when the call names an fd, a
// duplicate of that fd; its credentials (fsuid, fsgid, supplementary groups,
// capabilities, umask), its user namespace, its ids in every pid namespace;
// and, for a mount, the namespaces whose view the new mount shows. Opened
// through /proc/PID and a pidfd, then ID_VALID is checked once: from then on
// every fd here belongs to the caller even if its pid is reused.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "kernel/acting_as_caller.hpp"
#include "kernel/notify_fd.hpp"
#include "kernel/path_walk.hpp"
#include "kernel/proc_dir.hpp"
#include "kernel/run_in_caller.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {

// Which parts of the caller an emulation needs beyond its root, identity
// and pids, which it always gets.
struct ContextNeeds {
  bool cwd = false;
  bool mnt_ns = false;  // a child enters the caller's mount namespace (mount)
  bool pid_ns = false;  // mount of proc: the instance of the caller's pid namespace
  bool net_ns = false;  // mount of sysfs: the caller's network devices
  bool cgroup_ns = false;
  bool ipc_ns = false;
  // A caller fd to borrow (pidfd_getfd), e.g. the dirfd of mkdirat, or
  // kNoFd for none.
  int borrow_fd = kNoFd;

  static constexpr int kNoFd = -1;
};

enum class ContextOutcome {
  Opened,
  TargetGone,
  BadFd,  // borrow_fd is not an open fd of the caller: the syscall fails EBADF
};

struct OpenedContext;

class CallerContext {
 public:
  // Throws SysError when something other than the caller's death prevents
  // opening what is needed, std::runtime_error when /proc is unparsable.
  static OpenedContext open(const NotifyFd& notify, const Notification& n,
                            const ContextNeeds& needs);

  int root() const noexcept { return root_.get(); }
  int cwd() const noexcept { return cwd_.get(); }
  int borrowed_fd() const noexcept { return borrowed_.get(); }  // or -1
  const CallerPids& pids() const noexcept { return pids_; }
  // Kernel ids, as the agent's user namespace sees them.
  const CallerIdentity& identity() const noexcept { return identity_; }
  // The caller is in a user namespace other than the agent's: its
  // capabilities are held there, and only a child that joins it can act
  // with them.
  bool own_user_namespace() const noexcept { return user_ns_.valid(); }

  // The fds as an emulation child uses them, acting with `credentials`;
  // `capabilities` replaces the caller's own for ChildCredentials::Caller.
  CallerEnvironment environment(ChildCredentials credentials, uint64_t capabilities) const;

 private:
  CallerContext() = default;
  std::optional<ProcDir> proc_;  // the caller's /proc/PID, for CallerPids
  UniqueFd pid_ns_, mnt_ns_, net_ns_, cgroup_ns_, ipc_ns_, user_ns_, root_, cwd_, borrowed_;
  CallerIdentity identity_;
  uint32_t ns_fsuid_ = 0;  // as the caller's own user namespace sees them
  uint32_t ns_fsgid_ = 0;
  CallerPids pids_;
  int notify_fd_ = -1;
  uint64_t notification_id_ = 0;
};

struct OpenedContext {
  ContextOutcome outcome = ContextOutcome::TargetGone;
  std::optional<CallerContext> context;  // Opened only
};

}  // namespace sa::kernel
