#include "kernel/caller_context.hpp"

#include <fcntl.h>

#include <cerrno>
#include <string>

#include "kernel/caller_facts.hpp"
#include "kernel/pidfd.hpp"
#include "kernel/proc_dir.hpp"
#include "kernel/proc_status.hpp"
#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

// Opens /proc/PID/<relative>; false when the caller is gone.
bool open_into(const ProcDir& proc, const char* relative, int flags, UniqueFd& out) {
  out = proc.open_at(relative, flags);
  if (out) {
    return true;
  }
  if (is_process_gone(errno)) {
    return false;
  }
  throw_errno("open /proc/" + std::to_string(proc.pid()) + "/" + relative);
}

CallerPids pids_of(const StatusFields& status, int proc_dir) {
  CallerPids p;
  const size_t levels = std::min(status.ns_tgid.size(), size_t{CallerPids::kMaxLevels});
  p.levels = static_cast<int>(levels);
  for (size_t i = 0; i < levels; ++i) {
    p.tgid[i] = status.ns_tgid[i];
    p.tid[i] = status.ns_pid[i];
  }
  p.proc_dir = proc_dir;
  return p;
}

OpenedContext target_gone() {
  return {ContextOutcome::TargetGone, std::nullopt};
}

}  // namespace

OpenedContext CallerContext::open(const NotifyFd& notify, const Notification& n,
                                  const ContextNeeds& needs) {
  auto proc = ProcDir::open(static_cast<pid_t>(n.pid));
  if (!proc) {
    return target_gone();
  }
  CallerContext c;
  auto identity = read_process_identity(*proc, std::nullopt);
  if (!identity) {
    return target_gone();
  }
  constexpr int kNs = O_RDONLY;
  constexpr int kDir = O_PATH | O_DIRECTORY;
  const bool opened =
      open_into(*proc, "root", kDir, c.root_) &&
      (!needs.cwd || open_into(*proc, "cwd", kDir, c.cwd_)) &&
      (!needs.mnt_ns || open_into(*proc, "ns/mnt", kNs, c.mnt_ns_)) &&
      (!needs.pid_ns || open_into(*proc, "ns/pid", kNs, c.pid_ns_)) &&
      (!needs.net_ns || open_into(*proc, "ns/net", kNs, c.net_ns_)) &&
      (!needs.cgroup_ns || open_into(*proc, "ns/cgroup", kNs, c.cgroup_ns_)) &&
      (!needs.ipc_ns || open_into(*proc, "ns/ipc", kNs, c.ipc_ns_)) &&
      (!identity->own_user_namespace || open_into(*proc, "ns/user", kNs, c.user_ns_));
  if (!opened) {
    return target_gone();
  }
  const StatusFields& status = identity->status;
  c.identity_ =
      CallerIdentity{status.fsuid, status.fsgid, status.groups, status.cap_effective, status.umask};
  c.ns_fsuid_ = identity->ns_fsuid;
  c.ns_fsgid_ = identity->ns_fsgid;
  c.pids_ = pids_of(status, proc->get());
  std::optional<Pidfd> pidfd;
  if (needs.borrow_fd >= 0) {
    pidfd = Pidfd::open(static_cast<pid_t>(n.pid));
    if (!pidfd) {
      return target_gone();
    }
  }
  // Everything above may describe a process that reused the pid; from here
  // on, it is known to be the caller.
  if (!notify.id_valid(n.id)) {
    return target_gone();
  }
  if (pidfd) {
    BorrowedFd b = pidfd->borrow_fd(needs.borrow_fd);
    if (b.outcome == BorrowOutcome::TargetGone) {
      return target_gone();
    }
    if (b.outcome == BorrowOutcome::NoSuchFd) {
      return {ContextOutcome::BadFd, std::nullopt};
    }
    c.borrowed_ = std::move(b.fd);
  }
  c.proc_ = std::move(proc);
  c.notify_fd_ = notify.get();
  c.notification_id_ = n.id;
  return {ContextOutcome::Opened, std::move(c)};
}

CallerEnvironment CallerContext::environment(ChildCredentials credentials,
                                             uint64_t capabilities) const {
  CallerEnvironment env;
  env.pid_ns = pid_ns_.get();
  env.mnt_ns = mnt_ns_.get();
  env.net_ns = net_ns_.get();
  env.cgroup_ns = cgroup_ns_.get();
  env.ipc_ns = ipc_ns_.get();
  env.credentials = credentials;
  env.identity.groups = identity_.groups.data();
  env.identity.group_count = identity_.groups.size();
  switch (credentials) {
    case ChildCredentials::Agent:
      break;
    case ChildCredentials::Caller:
      env.identity.fsuid = identity_.fsuid;
      env.identity.fsgid = identity_.fsgid;
      env.identity.capabilities = capabilities;
      break;
    case ChildCredentials::CallerUserNs:
      env.user_ns = user_ns_.get();
      env.identity.fsuid = ns_fsuid_;
      env.identity.fsgid = ns_fsgid_;
      env.identity.capabilities = identity_.capabilities;
      break;
  }
  env.root = root_.get();
  env.cwd = -1;  // emulators walk from their fds, never from the process's cwd
  env.set_umask = true;
  env.umask = identity_.umask;
  env.notify_fd = notify_fd_;
  env.notification_id = notification_id_;
  return env;
}

}  // namespace sa::kernel
