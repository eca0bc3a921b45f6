// The floor: supervisors written as tersely as C allows, with raw ioctls
// and no abstraction, to measure what the kernel itself costs. The agent's
// own loops are compared against these.
#pragma once

namespace sa::bench {

enum class WaitStyle {
  BlockingRecv,  // SECCOMP_IOCTL_NOTIF_RECV blocks until a notification
  Epoll,         // epoll_wait for readability, then RECV
};

// SECCOMP_IOCTL_NOTIF_SET_FLAGS(SYNC_WAKE_UP); false when refused.
bool bare_enable_sync_wake_up(int notify_fd);

// Answers `count` notifications with CONTINUE.
void bare_continue_loop(int notify_fd, int count, WaitStyle wait);

// Answers `count` notifications with the error `error` (EPERM, ...): the
// floor for `-> errno`, which reads nothing from the caller either.
void bare_errno_loop(int notify_fd, int count, int error, WaitStyle wait);

// Answers `count` notifications with CONTINUE after reading the string at
// the first argument from /proc/PID/mem, with ID_VALID before and after.
void bare_read_path_loop(int notify_fd, int count);

// Answers `count` mkdir notifications by emulating them: read the path from
// /proc/PID/mem, open the caller's mount namespace, root, cwd and umask,
// check ID_VALID, mkdir in a clone(CLONE_VM|CLONE_VFORK) child, answer.
void bare_mkdir_loop(int notify_fd, int count);

}  // namespace sa::bench
