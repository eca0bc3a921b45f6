#include "kernel/run_in_caller.hpp"

#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

// Generous for raw system calls, and enough for sanitizer-instrumented
// frames; the child never calls into anything deep.
constexpr size_t kStackSize = 256 * 1024;

// Memory one agent thread reuses for every child it creates: two stacks (the
// child and, for a pid namespace, its own child) and the report, shared so
// that a forked child can write it too.
struct ThreadArea {
  char* stacks = nullptr;
  ChildReport* report = nullptr;
};

ThreadArea& thread_area() {
  thread_local ThreadArea area = [] {
    void* stacks = ::mmap(nullptr, 2 * kStackSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    void* report = ::mmap(nullptr, sizeof(ChildReport), PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stacks == MAP_FAILED || report == MAP_FAILED) {
      throw_errno("mmap for the emulation child");
    }
    return ThreadArea{static_cast<char*>(stacks), static_cast<ChildReport*>(report)};
  }();
  return area;
}

struct Plan {
  const CallerEnvironment* env;
  CallerOperation op;
  void* args;
  int clone_flags;
  char* second_stack_top;
  ChildReport* report;
  int* pidfds;  // two, or nullptr: no pidfd wanted
};

long sys(long nr, long a = 0, long b = 0, long c = 0) {
  return ::syscall(nr, a, b, c);
}

// Records a failed step and ends the child.
int fail(Plan& plan, ChildStep step) {
  plan.report->step = step;
  plan.report->err = errno;
  return 1;
}

bool join(int fd, int nstype) {
  return fd < 0 || sys(SYS_setns, fd, nstype) == 0;
}

// Exactly the caller's effective set, permitted and effective alike. Joining
// a user namespace grants every capability in it, and changing uid from an
// id unmapped there keeps them: they are set explicitly instead.
bool set_capabilities(uint64_t effective) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    const auto word = static_cast<uint32_t>(effective >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
  }
  return sys(SYS_capset, reinterpret_cast<long>(&header), reinterpret_cast<long>(data)) == 0;
}

// The caller's namespaces but the pid namespace and, when asked, its user
// namespace with its supplementary groups. Done, or the step that failed.
ChildStep join_namespaces(const CallerEnvironment& env) {
  if (!join(env.mnt_ns, CLONE_NEWNS)) {
    return ChildStep::JoinMntNs;
  }
  if (!join(env.net_ns, CLONE_NEWNET)) {
    return ChildStep::JoinNetNs;
  }
  if (!join(env.cgroup_ns, CLONE_NEWCGROUP)) {
    return ChildStep::JoinCgroupNs;
  }
  if (!join(env.ipc_ns, CLONE_NEWIPC)) {
    return ChildStep::JoinIpcNs;
  }
  if (env.credentials == ChildCredentials::CallerUserNs) {
    // Groups as kernel ids, while the agent's privilege still allows it:
    // inside the caller's namespace setgroups may be denied.
    if (sys(SYS_setgroups, static_cast<long>(env.identity.group_count),
            reinterpret_cast<long>(env.identity.groups)) != 0) {
      return ChildStep::SetGroups;
    }
    if (!join(env.user_ns, CLONE_NEWUSER)) {
      return ChildStep::JoinUserNs;
    }
  }
  return ChildStep::Done;
}

bool take_credentials(const CallerEnvironment& env) {
  const FsIdentity& who = env.identity;
  switch (env.credentials) {
    case ChildCredentials::Agent:
      return true;
    case ChildCredentials::Caller:
      // For good: nothing else stays permitted.
      if (const int err = take_fs_identity(who, who.capabilities, 0); err != 0) {
        errno = err;
        return false;
      }
      return true;
    case ChildCredentials::CallerUserNs:
      return sys(SYS_setresgid, who.fsgid, who.fsgid, who.fsgid) == 0 &&
             sys(SYS_setresuid, who.fsuid, who.fsuid, who.fsuid) == 0 &&
             set_capabilities(who.capabilities);
  }
  errno = EINVAL;
  return false;
}

// The caller's root, credentials, cwd and umask.
ChildStep become_caller(const CallerEnvironment& env) {
  // Joining a mount namespace resets root and cwd to its root: the caller's
  // own root (a chroot, a pivot_root) is taken explicitly.
  if (env.root >= 0 &&
      (sys(SYS_fchdir, env.root) != 0 || sys(SYS_chroot, reinterpret_cast<long>(".")) != 0)) {
    return ChildStep::EnterRoot;
  }
  if (!take_credentials(env)) {
    return ChildStep::SetCredentials;
  }
  if (env.cwd >= 0 && sys(SYS_fchdir, env.cwd) != 0) {
    return ChildStep::EnterCwd;
  }
  if (env.set_umask) {
    sys(SYS_umask, env.umask);
  }
  return ChildStep::Done;
}

// Whether the notification is still pending, right before the side effect:
// Done, TargetGone, or CheckNotification when the ioctl itself failed.
ChildStep check_notification(const CallerEnvironment& env) {
  if (env.notify_fd < 0) {
    return ChildStep::Done;
  }
  uint64_t id = env.notification_id;
  if (::ioctl(env.notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0) {
    return ChildStep::Done;
  }
  return errno == ENOENT ? ChildStep::TargetGone : ChildStep::CheckNotification;
}

// After the pid namespace (which only affects children): everything else.
int enter_and_call(void* raw) {
  Plan& plan = *static_cast<Plan*>(raw);
  const CallerEnvironment& env = *plan.env;
  ChildStep step = join_namespaces(env);
  if (step == ChildStep::Done) {
    step = become_caller(env);
  }
  if (step == ChildStep::Done) {
    step = check_notification(env);
  }
  if (step == ChildStep::TargetGone) {
    plan.report->step = step;
    return 0;
  }
  if (step != ChildStep::Done) {
    return fail(plan, step);
  }
  plan.report->result = plan.op(plan.args);
  plan.report->step = ChildStep::Done;
  return 0;
}

// Creates a child running `fn` and waits for it. The exit signal is 0, so
// a SIGCHLD handler or a wait(-1) elsewhere in the agent never sees it.
// With `pidfd`, the kernel stores the child's pidfd there before the child
// runs (the fd table is shared: it is the agent's).
bool spawn_and_wait(int (*fn)(void*), Plan& plan, char* stack_top, int* pidfd) {
  const int flags = plan.clone_flags | (pidfd != nullptr ? CLONE_PIDFD : 0);
  const pid_t pid = ::clone(fn, stack_top, flags, &plan, pidfd);
  if (pid < 0) {
    return false;
  }
  int status = 0;
  while (::waitpid(pid, &status, __WCLONE) < 0) {
    if (errno != EINTR) {
      plan.report->step = ChildStep::Wait;
      plan.report->err = errno;
      return true;
    }
  }
  return true;
}

// The child: joins the pid namespace when asked, which applies only to
// children created afterwards, hence a second child for the rest.
int child_main(void* raw) {
  Plan& plan = *static_cast<Plan*>(raw);
  if (plan.env->pid_ns < 0) {
    return enter_and_call(raw);
  }
  if (!join(plan.env->pid_ns, CLONE_NEWPID)) {
    return fail(plan, ChildStep::JoinPidNs);
  }
  int* pidfd = plan.pidfds != nullptr ? &plan.pidfds[1] : nullptr;
  if (!spawn_and_wait(enter_and_call, plan, plan.second_stack_top, pidfd)) {
    return fail(plan, ChildStep::SpawnInPidNs);
  }
  return 0;
}

// Blocks every signal in the agent thread while the child exists: the child
// shares the agent's memory and must never run one of its handlers.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~SignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace

void kill_children(const ChildPidfds& children) noexcept {
  for (const int& slot : children.fds) {
    const int fd = __atomic_load_n(&slot, __ATOMIC_ACQUIRE);
    if (fd >= 0)
      ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
  }
}

void close_children(ChildPidfds& children) noexcept {
  for (int& fd : children.fds) {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
}

ChildReport run_in_caller(const CallerEnvironment& env, CallerOperation op, void* args,
                          ChildPidfds* children) {
  ThreadArea& area = thread_area();
  *area.report = ChildReport{};
  constexpr int shared = CLONE_VM | CLONE_VFORK | CLONE_FILES;
  int* pidfds = children != nullptr ? children->fds : nullptr;
  Plan plan{&env, op, args, shared, area.stacks + 2 * kStackSize, area.report, pidfds};
  SignalsBlocked blocked;
  if (!spawn_and_wait(child_main, plan, area.stacks + kStackSize, pidfds)) {
    return {ChildStep::Spawn, errno, {}};
  }
  return *area.report;
}

}  // namespace sa::kernel
