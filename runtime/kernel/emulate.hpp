// Emulators: carry out a syscall on a caller's behalf, on values the agent
// has already read (caller memory is never read again here), and return
// the result the kernel would have given the caller.
//
// "has already read" holds for everything the engine reads; a setxattr
// value is the one buffer an emulator copies itself, once.
//
// Whose credentials: by default the caller's. A path emulator (mkdir,
// mkdirat, chmod, fchmod, fchmodat, mknod of anything but a device, setxattr
// of anything but a trusted.* name, open, openat, openat2) runs on the
// agent's thread with the caller's fsuid, fsgid, supplementary groups,
// capabilities, umask and root
// (acting_as_caller.hpp) — or, for a caller in a user namespace of its own,
// in a child that joins that namespace with the caller's ids and
// capabilities there. It gets no capability the caller lacks: permissions
// apply as the kernel applies them. A mount runs in a child inside the
// caller's mount, pid, network, cgroup and ipc namespaces, with the caller's
// fsuid, fsgid and groups, the caller's own capabilities (when held in the
// agent's user namespace) and CAP_SYS_ADMIN, which is what emulating a mount
// grants; it gets the runtime's protections (runtime_protections.hpp). A
// device node gets CAP_MKNOD and a trusted.* attribute CAP_SYS_ADMIN the
// same way, and nothing else. sysinfo reads the caller's cgroups. With
// `as agent` a rule runs the call with the agent's credentials instead.
//
// Paths resolve inside the caller's root (path_walk.hpp); ID_VALID is
// checked right before the side effect.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "kernel/mount_call.hpp"
#include "kernel/notify_fd.hpp"
#include "kernel/run_in_caller.hpp"
#include "kernel/runtime_protections.hpp"
#include "kernel/sys_error.hpp"
#include "model/call/emulation.hpp"

namespace sa::kernel {

enum class EmulationOutcome {
  Done,        // the syscall ran (or failed as the kernel would); send `result`
  InstallFd,   // the agent opened `fd` for the caller: install it and answer its number
  TargetGone,  // the notification is gone: nothing was done, send nothing
  Failed,      // the agent could not act for the caller: `failure`
};

// Move-only: an InstallFd result owns the file it opened until it is
// installed (SECCOMP_IOCTL_NOTIF_ADDFD) or dropped.
struct EmulationResult {
  EmulationOutcome outcome = EmulationOutcome::Done;
  SyscallResult result;             // Done
  std::optional<SysError> failure;  // Failed
  UniqueFd fd;                      // InstallFd: the agent's fd of the opened file
  unsigned newfd_flags = 0;         // InstallFd: O_CLOEXEC when the caller asked for it

  // The answer to send when Done: the return value, or the errno.
  Response response() const;
};

struct EmulateOptions {
  bool as_agent = false;  // the rule said `as agent`: the agent's credentials
  // The container's, for mounts; nullptr: runc's defaults.
  const RuntimeProtections* protections = nullptr;
  // Where the pidfds of the emulation's children are kept while it runs,
  // for a watchdog to kill them (run_in_caller.hpp); nullptr: not kept.
  ChildPidfds* children = nullptr;
};

// Carries out an emulation the engine resolved: its values, never the
// caller's memory again.
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
// A proc mount is an instance of the caller's pid namespace, sysfs shows
// its network namespace, cgroup its cgroup namespace, mqueue its ipc
// namespace: the new mount shows the caller's view, not the agent's.
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
// A character or block device is made with CAP_MKNOD granted (in the
// agent's user namespace, the only one where it makes devices); any other
// node as the caller, with its own privileges. Which devices a container may
// make is the rule's to say (`dev in [DEV_NULL, ...]`).
EmulationResult emulate_mknod(const NotifyFd& notify, const Notification& n,
                              const std::string& path, mode_t mode, dev_t dev,
                              const EmulateOptions& options = {});
EmulationResult emulate_mknodat(const NotifyFd& notify, const Notification& n, int dirfd,
                                const std::string& path, mode_t mode, dev_t dev,
                                const EmulateOptions& options = {});

// setxattr's arguments but the path or fd, once the engine read the name:
// `value` and `size` are the caller's buffer, which the emulator copies once.
struct XattrArgs {
  std::optional<std::string> name;  // nullopt: the caller passed NULL
  uint64_t value = 0;
  uint64_t size = 0;
  int flags = 0;  // XATTR_CREATE, XATTR_REPLACE
};

// An attribute in the trusted.* namespace is set with CAP_SYS_ADMIN granted
// (the kernel asks for it in the initial user namespace), in a child in the
// agent's user namespace with the caller's kernel ids and groups; any other
// name as the caller, with its own privileges, like chmod. Which names is
// the rule's to say (`name in ["trusted.overlay.opaque", ...]`). The kernel's
// own checks come first, in its order: flags (EINVAL), the name (ERANGE),
// the value's size (E2BIG) and memory (EFAULT); then the path or the fd.
// setxattr follows the path's last symlink, lsetxattr does not.
EmulationResult emulate_setxattr(const NotifyFd& notify, const Notification& n,
                                 const std::string& path, const XattrArgs& args,
                                 const EmulateOptions& options = {});
EmulationResult emulate_lsetxattr(const NotifyFd& notify, const Notification& n,
                                  const std::string& path, const XattrArgs& args,
                                  const EmulateOptions& options = {});
EmulationResult emulate_fsetxattr(const NotifyFd& notify, const Notification& n, int fd,
                                  const XattrArgs& args, const EmulateOptions& options = {});

// sysinfo(2) as the caller's cgroup limits it (container_sysinfo.hpp),
// written to `info` in the caller's memory: /proc/PID/mem is opened, then
// ID_VALID checked, then written; a bad pointer is EFAULT, as the kernel's
// copy_to_user answers. A 32-bit caller of a 64-bit agent (i386 on x86_64)
// gets the kernel's 32-bit layout; an architecture the agent does not know
// the layout of is answered ENOSYS.
EmulationResult emulate_sysinfo(const NotifyFd& notify, const Notification& n, uint64_t info,
                                const EmulateOptions& options = {});

// open, openat and openat2 (open_call.hpp): the file is opened inside the
// container as the caller, with the caller's flags, mode and umask, and
// handed back as InstallFd; only a regular file or a directory (a device
// node would bypass the container's device cgroup, a FIFO could block the
// agent): anything else is refused with EPERM, and never opened.
EmulationResult emulate_open(const NotifyFd& notify, const Notification& n, const std::string& path,
                             int flags, mode_t mode, const EmulateOptions& options = {});
EmulationResult emulate_openat(const NotifyFd& notify, const Notification& n, int dirfd,
                               const std::string& path, int flags, mode_t mode,
                               const EmulateOptions& options = {});
// `how` and `size` as the caller passed them: its struct open_how is read
// here, once, and vouched for with ID_VALID before it is used.
EmulationResult emulate_openat2(const NotifyFd& notify, const Notification& n, int dirfd,
                                const std::string& path, uint64_t how, uint64_t size,
                                const EmulateOptions& options = {});

}  // namespace sa::kernel
