#include "kernel/acting_as_caller.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

// The agent's root and cwd, to come back to: the same for every thread
// (each unshares its fs_struct only when it first acts as a caller), opened
// once for the process.
struct AgentPlace {
  int root = -1;  // O_PATH
  int cwd = -1;
};

const AgentPlace& agent_place() {
  static const AgentPlace place = [] {
    AgentPlace p;
    p.root = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    p.cwd = ::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (p.root < 0 || p.cwd < 0) {
      throw_errno("open the agent's root and cwd");
    }
    return p;
  }();
  return place;
}

// What an agent thread is when it is itself: kept from its first emulation.
struct AgentThread {
  int root = -1;
  int cwd = -1;
  std::vector<gid_t> groups;
  FsIdentity identity;
  uint64_t permitted = 0;
  uint64_t inheritable = 0;
  mode_t umask = 0;
};

[[noreturn]] void cannot_restore(const char* what, int err) {
  (void)std::fprintf(stderr,
                     "seccomp-agent: cannot restore the agent's %s after an emulation: %s\n", what,
                     std::strerror(err));
  std::abort();
}

AgentThread make_agent_thread() {
  const AgentPlace& place = agent_place();
  // Root, cwd and umask of this thread alone from now on.
  if (::unshare(CLONE_FS) != 0) {
    throw_errno("unshare CLONE_FS");
  }
  AgentThread t;
  t.root = place.root;
  t.cwd = place.cwd;
  uint64_t effective = 0;
  if (const int err = read_capabilities(effective, t.permitted, t.inheritable); err != 0) {
    throw SysError(err, "capget");
  }
  const int count = ::getgroups(0, nullptr);
  t.groups.resize(static_cast<size_t>(count > 0 ? count : 0));
  if (count < 0 || ::getgroups(count, t.groups.data()) != count) {
    throw_errno("getgroups");
  }
  t.identity.fsuid = static_cast<uid_t>(::syscall(SYS_setfsuid, -1));
  t.identity.fsgid = static_cast<gid_t>(::syscall(SYS_setfsgid, -1));
  t.identity.groups = t.groups.data();
  t.identity.group_count = t.groups.size();
  t.identity.capabilities = effective;
  t.umask = ::umask(0);
  ::umask(t.umask);
  return t;
}

AgentThread& agent_thread() {
  thread_local AgentThread t = make_agent_thread();
  return t;
}

int enter_root(int root) {
  return ::fchdir(root) == 0 && ::chroot(".") == 0 ? 0 : errno;
}

// What fchdir and chroot into the caller's root need, whoever the thread is
// acting as: search permission on the directory, and CAP_SYS_CHROOT.
constexpr uint64_t kToEnterRoot =
    (uint64_t{1} << CAP_SYS_CHROOT) | (uint64_t{1} << CAP_DAC_READ_SEARCH);

}  // namespace

void prepare_to_act_as_callers() {
  agent_place();
}

ActingAsCaller::ActingAsCaller(const CallerIdentity& who, int root, bool keep_agent_credentials)
    : root_(root) {
  AgentThread& agent = agent_thread();
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &signals_);
  if (who.umask != agent.umask) {
    ::umask(who.umask);
    umask_taken_ = true;
  }
  if (keep_agent_credentials)
    return;
  const FsIdentity caller{who.fsuid, who.fsgid, who.groups.data(), who.groups.size(),
                          who.capabilities};
  const int err = take_fs_identity(caller, agent.permitted, agent.inheritable, &agent.identity);
  taken_ = caller;
  taken_.capabilities &= agent.permitted;
  credentials_taken_ = true;
  // Half-taken, it is undone from scratch, not from `taken_`.
  taken_exactly_ = err == 0;
  if (err != 0) {
    restore();
    throw SysError(err, "act with the caller's credentials");
  }
}

ActingAsCaller::~ActingAsCaller() {
  restore();
}

int ActingAsCaller::enter() noexcept {
  if (root_entered_)
    return 0;
  const AgentThread& agent = agent_thread();
  // With the caller's capabilities, chroot may be refused: the two it needs
  // are lent for the call.
  const uint64_t effective = credentials_taken_ ? taken_.capabilities : agent.identity.capabilities;
  const bool lend = (effective & kToEnterRoot) != kToEnterRoot;
  if (lend) {
    if (const int err =
            set_capabilities(effective | kToEnterRoot, agent.permitted, agent.inheritable);
        err != 0)
      return err;
  }
  const int err = enter_root(root_);
  // The agent's cwd is left for the caller's root: put it back at restore.
  root_entered_ = true;
  if (lend) {
    if (const int back = set_capabilities(effective, agent.permitted, agent.inheritable); back != 0)
      cannot_restore("capabilities after chroot", back);
  }
  return err;
}

void ActingAsCaller::restore() noexcept {
  const AgentThread& agent = agent_thread();
  if (credentials_taken_) {
    const int err = take_fs_identity(agent.identity, agent.permitted, agent.inheritable,
                                     taken_exactly_ ? &taken_ : nullptr);
    if (err != 0)
      cannot_restore("credentials", err);
  }
  if (root_entered_) {
    if (const int err = enter_root(agent.root); err != 0)
      cannot_restore("root", err);
    if (::fchdir(agent.cwd) != 0)
      cannot_restore("cwd", errno);
  }
  if (umask_taken_)
    ::umask(agent.umask);
  ::pthread_sigmask(SIG_SETMASK, &signals_, nullptr);
}

}  // namespace sa::kernel
