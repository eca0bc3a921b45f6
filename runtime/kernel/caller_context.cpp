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

// The caller's umask and, to act as the caller in its user namespace, its
// ids there, its supplementary groups and capabilities; false when the
// caller is gone. Only the status file is read unless the ids are needed.
bool read_identity(const ProcDir& proc, const ContextNeeds& needs, CallerEnvironment& env,
                   std::vector<gid_t>& groups) {
  if (needs.user_ns) {
    auto identity = read_process_identity(proc, std::nullopt);
    if (!identity) {
      return false;
    }
    env.uid = identity->facts.uid;
    env.gid = identity->facts.gid;
    env.capabilities = identity->facts.cap_effective;
    env.umask = identity->facts.umask;
    groups = std::move(identity->status.groups);
  } else if (needs.umask) {
    const auto status = proc.read_text("status");
    if (!status) {
      return false;
    }
    env.umask = parse_status(*status).umask;
  }
  env.set_umask = needs.umask;
  return true;
}

OpenedContext target_gone() {
  return {ContextOutcome::TargetGone, std::nullopt};
}

}  // namespace

OpenedContext CallerContext::open(const NotifyFd& notify, const Notification& n,
                                  const ContextNeeds& needs) {
  const auto proc = ProcDir::open(n.pid);
  if (!proc) {
    return target_gone();
  }
  CallerContext c;
  constexpr int kNs = O_RDONLY;
  constexpr int kDir = O_PATH | O_DIRECTORY;
  const bool opened = open_into(*proc, "ns/mnt", kNs, c.mnt_ns_) &&
                      open_into(*proc, "root", kDir, c.root_) &&
                      (!needs.cwd || open_into(*proc, "cwd", kDir, c.cwd_)) &&
                      (!needs.pid_ns || open_into(*proc, "ns/pid", kNs, c.pid_ns_)) &&
                      (!needs.net_ns || open_into(*proc, "ns/net", kNs, c.net_ns_)) &&
                      (!needs.cgroup_ns || open_into(*proc, "ns/cgroup", kNs, c.cgroup_ns_)) &&
                      (!needs.ipc_ns || open_into(*proc, "ns/ipc", kNs, c.ipc_ns_)) &&
                      (!needs.user_ns || open_into(*proc, "ns/user", kNs, c.user_ns_));
  if (!opened || !read_identity(*proc, needs, c.env_, c.groups_)) {
    return target_gone();
  }
  std::optional<Pidfd> pidfd;
  if (needs.borrow_fd >= 0) {
    pidfd = Pidfd::open(n.pid);
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
  CallerEnvironment& env = c.env_;
  env.pid_ns = c.pid_ns_.get();
  env.mnt_ns = c.mnt_ns_.get();
  env.net_ns = c.net_ns_.get();
  env.cgroup_ns = c.cgroup_ns_.get();
  env.ipc_ns = c.ipc_ns_.get();
  env.user_ns = c.user_ns_.get();
  env.root = c.root_.get();
  env.cwd = c.cwd_.get();
  env.groups = c.groups_.data();
  env.group_count = c.groups_.size();
  env.notify_fd = notify.get();
  env.notification_id = n.id;
  return {ContextOutcome::Opened, std::move(c)};
}

}  // namespace sa::kernel
