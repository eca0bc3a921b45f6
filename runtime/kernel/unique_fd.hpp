// A file descriptor owned by exactly one object: closed when the owner goes
// away, moved (never copied) to hand it on. Every fd the kernel layer opens
// or receives lives in one of these, so no error path can leak it.
#pragma once

#include <unistd.h>

#include <utility>

namespace sa::kernel {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  // Gives up ownership without closing.
  int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the current fd (if any) and owns `fd` instead. close() errors are
  // ignored on purpose: Linux releases the descriptor even when close fails,
  // so retrying could close an fd another thread has just been given.
  void reset(int fd = -1) noexcept {
    const int old = std::exchange(fd_, fd);
    if (old >= 0) {
      ::close(old);
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace sa::kernel
