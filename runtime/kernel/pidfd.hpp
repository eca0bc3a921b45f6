// Process control through pidfds: a pidfd names one process for its whole
// life, so signalling it or borrowing its fds cannot hit a process that has
// since reused the pid. Open the pidfd, then check ID_VALID (or otherwise
// know the process is still the one meant), then use it.
#pragma once

#include <sys/types.h>

#include <optional>

#include "kernel/unique_fd.hpp"

namespace sa::kernel {

enum class SignalOutcome {
  Sent,
  AlreadyGone,  // the process has exited and been reaped
};

enum class BorrowOutcome {
  Borrowed,
  NoSuchFd,    // the process has no such fd (EBADF): the caller passed a bad fd
  TargetGone,  // the process has exited
};

struct BorrowedFd {
  BorrowOutcome outcome = BorrowOutcome::Borrowed;
  UniqueFd fd;  // valid only when Borrowed
};

class Pidfd {
 public:
  // pidfd_open for a process or, where the kernel allows it (6.9+), for a
  // single thread: notifications name the calling thread. nullopt when no
  // such process exists; SysError on other failures.
  static std::optional<Pidfd> open(pid_t pid);
  // A pidfd for `pid` opened elsewhere (by the agent this one took over
  // from), received over a unix socket.
  static Pidfd adopt(pid_t pid, UniqueFd fd) { return Pidfd(pid, std::move(fd)); }

  int get() const noexcept { return fd_.get(); }
  pid_t pid() const noexcept { return pid_; }

  // pidfd_send_signal(SIGKILL): kills the whole process (a thread's pidfd
  // still takes the whole thread group down, as SIGKILL always does).
  SignalOutcome kill() const;

  // pidfd_getfd: a duplicate of the process's fd `target_fd`, close-on-exec.
  BorrowedFd borrow_fd(int target_fd) const;

 private:
  Pidfd(pid_t pid, UniqueFd fd) : pid_(pid), fd_(std::move(fd)) {}
  pid_t pid_;
  UniqueFd fd_;
};

}  // namespace sa::kernel
