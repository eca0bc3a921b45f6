// Emulators: carry out a syscall inside the caller's container, on values
// the agent has already read (caller memory is never read again here), and
// return the real result for the daemon to send back. Paths resolve as the
// caller's would: in its mount namespace, under its root (a ".." or an
// absolute symlink cannot leave it), relative to its cwd or to the dirfd it
// passed, with its umask. By default the call runs with the agent's
// privileges; `enter_user_namespace` runs it with the caller's credentials
// (uid, gid, supplementary groups, effective capabilities) in its own user
// namespace instead, so the kernel checks what the caller itself may do.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "kernel/notify_fd.hpp"
#include "kernel/run_in_caller.hpp"
#include "kernel/sys_error.hpp"
#include "model/call/emulation.hpp"

namespace sa::kernel {

enum class EmulationOutcome {
  Done,        // the syscall ran (or the caller's fd was bad); send `result`
  TargetGone,  // the notification is gone: nothing was done, send nothing
  Failed,      // the agent could not get into the caller's context: `failure`
};

struct EmulationResult {
  EmulationOutcome outcome = EmulationOutcome::Done;
  SyscallResult result;             // Done
  std::optional<SysError> failure;  // Failed

  // The answer to send when Done: the return value, or the errno.
  Response response() const;
};

struct EmulateOptions {
  bool enter_user_namespace = false;
};

struct MountArgs {
  std::optional<std::string> source;  // nullopt: the caller passed NULL
  std::optional<std::string> target;
  std::optional<std::string> fstype;
  unsigned long flags = 0;
  std::optional<std::string> data;
};

// Carries out an emulation the engine resolved: its values, never the
// caller's memory again. A NULL path fails with EFAULT before anything
// happens, as in the kernel.
EmulationResult emulate(const NotifyFd& notify, const Notification& n, const model::Emulation& e,
                        const EmulateOptions& options = {});

// The emulators one by one, on values already converted to their C types.
EmulationResult emulate_mkdir(const NotifyFd& notify, const Notification& n,
                              const std::string& path, mode_t mode,
                              const EmulateOptions& options = {});
// `dirfd` is the caller's fd number, or AT_FDCWD for its cwd.
EmulationResult emulate_mkdirat(const NotifyFd& notify, const Notification& n, int dirfd,
                                const std::string& path, mode_t mode,
                                const EmulateOptions& options = {});
// A proc mount joins the caller's pid namespace, sysfs its network
// namespace, cgroup its cgroup namespace, mqueue its ipc namespace: the new
// mount shows the caller's view, not the agent's.
EmulationResult emulate_mount(const NotifyFd& notify, const Notification& n, const MountArgs& args,
                              const EmulateOptions& options = {});
EmulationResult emulate_chmod(const NotifyFd& notify, const Notification& n,
                              const std::string& path, mode_t mode,
                              const EmulateOptions& options = {});
EmulationResult emulate_fchmod(const NotifyFd& notify, const Notification& n, int fd, mode_t mode,
                               const EmulateOptions& options = {});
EmulationResult emulate_fchmodat(const NotifyFd& notify, const Notification& n, int dirfd,
                                 const std::string& path, mode_t mode,
                                 const EmulateOptions& options = {});

}  // namespace sa::kernel
