#include "kernel/acting_as_caller.hpp"

#include <fcntl.h>
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
  (void)std::fprintf(stderr, "seccomp-agent: cannot restore the agent's %s after an emulation: %s\n",
               what, std::strerror(err));
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

}  // namespace

void prepare_to_act_as_callers() {
  agent_place();
}

ActingAsCaller::ActingAsCaller(const CallerIdentity& who, int root, bool keep_agent_credentials) {
  AgentThread& agent = agent_thread();
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &signals_);
  // The root first: chroot needs CAP_SYS_CHROOT, which the caller may lack.
  int err = enter_root(root);
  const FsIdentity caller{who.fsuid, who.fsgid, who.groups.data(), who.groups.size(),
                          who.capabilities};
  if (err == 0) {
    ::umask(who.umask);
    if (!keep_agent_credentials) {
      err = take_fs_identity(caller, agent.permitted, agent.inheritable, &agent.identity);
      taken_ = caller;
      taken_.capabilities &= agent.permitted;
      credentials_taken_ = true;
      // Half-taken, it is undone from scratch, not from `taken_`.
      taken_exactly_ = err == 0;
    }
  }
  if (err != 0) {
    restore();
    throw SysError(err, "act with the caller's credentials");
  }
}

ActingAsCaller::~ActingAsCaller() {
  restore();
}

void ActingAsCaller::restore() noexcept {
  const AgentThread& agent = agent_thread();
  if (credentials_taken_) {
    const int err = take_fs_identity(agent.identity, agent.permitted, agent.inheritable,
                                     taken_exactly_ ? &taken_ : nullptr);
    if (err != 0)
      cannot_restore("credentials", err);
  }
  if (const int err = enter_root(agent.root); err != 0) {
    cannot_restore("root", err);
  }
  if (::fchdir(agent.cwd) != 0) {
    cannot_restore("cwd", errno);
  }
  ::umask(agent.umask);
  ::pthread_sigmask(SIG_SETMASK, &signals_, nullptr);
}

}  // namespace sa::kernel
