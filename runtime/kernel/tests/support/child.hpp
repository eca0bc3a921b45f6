// Forked test children that make real syscalls, and the channel the test
// talks to them over. A child runs a function and _exits with its result;
// it never returns into the test framework. A child still running when its
// Child object goes away is killed and reaped.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernel/notify_fd.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel::testing {

// One end of a SOCK_SEQPACKET pair: each put() is one message.
class Channel {
 public:
  Channel() = default;
  explicit Channel(UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const noexcept { return fd_.get(); }

  void send(const void* data, size_t size) const;
  // Throws std::runtime_error on EOF or when the message size differs.
  void receive(void* data, size_t size) const;
  void send_fd(int fd) const;
  UniqueFd receive_fd() const;

  template <typename T>
  void put(const T& value) const {
    send(&value, sizeof value);
  }
  template <typename T>
  T get() const {
    T value{};
    receive(&value, sizeof value);
    return value;
  }

 private:
  UniqueFd fd_;
};

// What a syscall returned in the child, errno included.
struct CallResult {
  int64_t ret = 0;
  int err = 0;
  bool operator==(const CallResult&) const = default;
};
inline CallResult call_result(long ret) {
  return {ret, ret < 0 ? errno : 0};
}

class Child {
 public:
  using Body = std::function<int(const Channel&)>;
  // Forks; the child runs body(channel) and exits with its value (99 when
  // it throws, the message on stderr).
  static Child spawn(Body body);

  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  ~Child();

  pid_t pid() const noexcept { return pid_; }
  const Channel& channel() const noexcept { return channel_; }

  // Waits for the child: its exit code, or 128 + the signal that killed it.
  int wait();
  void kill_and_wait();

 private:
  Child(pid_t pid, Channel channel) : pid_(pid), channel_(std::move(channel)) {}
  pid_t pid_ = -1;
  Channel channel_;
};

struct NotifiedChild {
  Child child;
  NotifyFd notify;
};

// A child that runs `setup` (unshare, chroot, umask: before the filter, so
// none of it is notified), installs a notify filter for `syscalls`, hands
// the listener to the test, closes its own copy, then runs `body`.
NotifiedChild spawn_notified(const std::vector<std::string>& syscalls, Child::Body body,
                             std::function<void()> setup = {});

// Number of fds this process has open (/proc/self/fd), for leak checks.
size_t count_open_fds();

}  // namespace sa::kernel::testing
