#include "kernel/pidfd.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "kernel/seccomp_abi.hpp"
#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

int pidfd_open(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

}  // namespace

std::optional<Pidfd> Pidfd::open(pid_t pid) {
  int fd = pidfd_open(pid, abi::kPidfdThread);
  if (fd < 0 && errno == EINVAL) {
    // Before Linux 6.9 there are no thread pidfds; a thread-group leader
    // (every single-threaded caller) still opens.
    fd = pidfd_open(pid, 0);
  }
  if (fd < 0) {
    if (errno == ESRCH) {
      return std::nullopt;
    }
    throw_errno("pidfd_open " + std::to_string(pid));
  }
  return Pidfd(pid, UniqueFd(fd));
}

SignalOutcome Pidfd::kill() const {
  if (::syscall(SYS_pidfd_send_signal, fd_.get(), SIGKILL, nullptr, 0) == 0) {
    return SignalOutcome::Sent;
  }
  if (errno == ESRCH) {
    return SignalOutcome::AlreadyGone;
  }
  throw_errno("pidfd_send_signal SIGKILL to " + std::to_string(pid_));
}

BorrowedFd Pidfd::borrow_fd(int target_fd) const {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_getfd, fd_.get(), target_fd, 0));
  if (fd >= 0) {
    return {BorrowOutcome::Borrowed, UniqueFd(fd)};
  }
  if (errno == EBADF) {
    return {BorrowOutcome::NoSuchFd, {}};
  }
  if (errno == ESRCH) {
    return {BorrowOutcome::TargetGone, {}};
  }
  throw_errno("pidfd_getfd " + std::to_string(target_fd) + " of " + std::to_string(pid_));
}

}  // namespace sa::kernel
