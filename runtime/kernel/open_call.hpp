// open, openat and openat2's work, once the caller's identity is on: find
// what the path names without opening it (O_PATH), refuse what is neither
// a regular file nor a directory, check that the notification is still
// pending, then open that very inode with the caller's flags (through the
// agent's /proc/thread-self/fd, so that no rename in between changes what
// is opened) or create the file. The fd is the agent's, O_CLOEXEC, until
// the responder installs it in the caller (SECCOMP_IOCTL_NOTIF_ADDFD).
//
// Why refuse the others: a character or block device opened by the agent
// is not checked against the container's device cgroup, which applies to
// the container's processes, not to the agent's; a FIFO's open waits for a
// peer and would hold the agent's loop. What the caller gets for them is
// EPERM, the device cgroup's own answer for a device it denies, and never
// an errno that invites a retry.
//
// An O_PATH open is refused with EPERM before anything is looked up (in
// emulate.cpp): SECCOMP_IOCTL_NOTIF_ADDFD takes its file with fget(),
// which refuses O_PATH files (EBADF), so no such fd can reach the caller.
//
// Resolution:
// - openat2's resolve = 0, open and openat: path_walk, as the other path
//   emulators (the caller's root, /proc/self the caller's, magic links by
//   their text).
// - openat2 with resolve flags: the kernel's own openat2 with those flags,
//   in a child chrooted into the caller's root (ChildCredentials), from the
//   caller's dirfd or cwd. /proc/self there is the child, not the caller.
//
// Known differences from the kernel, answered rather than guessed:
// - The installed file's status flags (F_GETFL) lack O_NOFOLLOW where the
//   caller's open had it and the file is no symlink: the file is reopened
//   through /proc, which O_NOFOLLOW would refuse. It has no effect once open.
// - O_TMPFILE: EOPNOTSUPP, what a filesystem without it answers, so the
//   caller falls back to a named file.
// - openat2 with resolve flags, O_CREAT without O_EXCL through a dangling
//   symlink: EEXIST where the kernel would create the link's target.
//
// Allocation-free: it runs on an agent thread acting as the caller, or in a
// child of the agent sharing its memory and fd table.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "kernel/path_walk.hpp"
#include "kernel/run_in_caller.hpp"

namespace sa::kernel {

struct OpenCall {
  WalkFrom from;
  const char* path = nullptr;
  // The caller's open flags without O_CLOEXEC (that is its fd's, not the
  // file's: ADDFD's newfd_flags carries it).
  uint64_t flags = 0;
  mode_t mode = 0;
  uint64_t resolve = 0;  // openat2's; 0 for open and openat
  int proc_dir = -1;     // the agent's /proc (O_PATH), to reopen what was found
  // Checked with SECCOMP_IOCTL_NOTIF_ID_VALID right before the open.
  int notify_fd = -1;
  uint64_t notification_id = 0;
  bool gone = false;  // out: the notification was no longer pending; nothing done
};

// The result's value is the agent's fd of the opened file when err is 0.
SyscallResult run_open_call(OpenCall& call) noexcept;

}  // namespace sa::kernel
