// Everything an emulation needs from the caller, opened before anything is
// done on its behalf: its namespaces, root, cwd, umask, credentials in its
// user namespace and, when the call names an fd, a duplicate of that fd.
// Opened through /proc/PID and a pidfd, then ID_VALID is checked once: from
// then on every fd here belongs to the caller even if its pid is reused.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "kernel/notify_fd.hpp"
#include "kernel/run_in_caller.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {

// Which parts of the caller an emulation needs.
struct ContextNeeds {
  bool cwd = true;
  bool umask = false;
  bool user_ns = false;  // act with the caller's credentials in its user namespace
  bool pid_ns = false;   // mount of proc: the instance of the caller's pid namespace
  bool net_ns = false;   // mount of sysfs: the caller's network devices
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
  // opening what is needed.
  static OpenedContext open(const NotifyFd& notify, const Notification& n,
                            const ContextNeeds& needs);

  // The fds as the emulation child uses them, with the notification to
  // check right before the call.
  const CallerEnvironment& environment() const noexcept { return env_; }
  // The borrowed fd, or -1.
  int borrowed_fd() const noexcept { return borrowed_.get(); }

 private:
  CallerContext() = default;
  UniqueFd pid_ns_, mnt_ns_, net_ns_, cgroup_ns_, ipc_ns_, user_ns_, root_, cwd_, borrowed_;
  std::vector<gid_t> groups_;
  CallerEnvironment env_;
};

struct OpenedContext {
  ContextOutcome outcome = ContextOutcome::TargetGone;
  std::optional<CallerContext> context;  // Opened only
};

}  // namespace sa::kernel
