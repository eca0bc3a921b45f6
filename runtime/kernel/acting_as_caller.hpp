// An agent thread acting as a caller for one emulated call, without a child
// process: for as long as an ActingAsCaller lives, the thread's umask is the
// caller's, and the kernel checks its file operations against the caller's
// fsuid, fsgid, supplementary groups and capabilities — so a path resolves,
// and a mkdir or chmod succeeds or fails, as it would for the caller. Only
// for a caller in the agent's own user namespace: capabilities held in
// another one cannot be taken by a thread.
//
// The caller's root becomes the thread's only when a path walk needs it,
// at its first ".." (it is the DotDotRoot of path_walk.hpp): the walk
// itself starts absolute paths and symlinks at the caller's root fd, and
// only ".." depends on the thread's root.
//
// The thread gets its own root, cwd and umask on first use (unshare
// CLONE_FS); credentials are per thread already. Signals are blocked while
// the caller's identity is on. The destructor puts the agent's identity
// back; if the kernel refuses that, the agent aborts rather than go on
// running with someone else's credentials.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <vector>

#include "kernel/fs_identity.hpp"
#include "kernel/path_walk.hpp"

namespace sa::kernel {

struct CallerIdentity {
  uid_t fsuid = 0;
  gid_t fsgid = 0;
  std::vector<gid_t> groups;
  uint64_t capabilities = 0;  // effective
  mode_t umask = 0;
};

// Opens, once for the process, what threads need to come back to the
// agent's root and cwd (two O_PATH fds, kept for the agent's life). Called at
// start-up so that they are not taken during the first emulation; SysError
// when they cannot be opened.
void prepare_to_act_as_callers();

class ActingAsCaller final : public DotDotRoot {
 public:
  // Throws SysError when the thread cannot take the caller's identity (it is
  // then back to the agent's). `root`: the caller's, kept open by the
  // caller of this constructor. `keep_agent_credentials` (a rule's `as
  // agent`): only the caller's root and umask are taken.
  ActingAsCaller(const CallerIdentity& who, int root, bool keep_agent_credentials = false);
  ~ActingAsCaller();
  ActingAsCaller(const ActingAsCaller&) = delete;
  ActingAsCaller& operator=(const ActingAsCaller&) = delete;

  // The caller's root becomes the thread's (once). chroot needs
  // CAP_SYS_CHROOT, and search permission on the root: the thread holds
  // them for that call only, whether or not the caller does.
  int enter() noexcept override;

 private:
  void restore() noexcept;
  int root_;
  sigset_t signals_{};
  FsIdentity taken_;  // what the thread has now, as set from the agent's
  bool credentials_taken_ = false;
  bool taken_exactly_ = false;
  bool root_entered_ = false;
  bool umask_taken_ = false;
};

}  // namespace sa::kernel
