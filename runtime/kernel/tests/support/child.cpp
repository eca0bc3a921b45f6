#include "child.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "kernel/scm_rights.hpp"
#include "kernel/sys_error.hpp"
#include "seccomp_filter.hpp"

namespace sa::kernel::testing {

void Channel::send(const void* data, size_t size) const {
  if (::send(fd_.get(), data, size, MSG_NOSIGNAL) != static_cast<ssize_t>(size)) {
    throw_errno("channel send");
  }
}

void Channel::receive(void* data, size_t size) const {
  ssize_t n;
  do {
    n = ::recv(fd_.get(), data, size, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    throw_errno("channel receive");
  }
  if (n == 0) {
    throw std::runtime_error("channel: the child exited");
  }
  if (static_cast<size_t>(n) != size) {
    throw std::runtime_error("channel: expected " + std::to_string(size) + " bytes, got " +
                             std::to_string(n));
  }
}

void Channel::send_fd(int fd) const {
  const int fds[] = {fd};
  send_with_fds(fd_.get(), "F", fds);
}

UniqueFd Channel::receive_fd() const {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) {
    throw_errno("channel recvmsg");
  }
  if (n == 0) {
    throw std::runtime_error("channel: the child exited before sending its fd");
  }
  const cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_type != SCM_RIGHTS) {
    throw std::runtime_error("channel: no fd in the message");
  }
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return UniqueFd(fd);
}

Child Child::spawn(Body body) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    throw_errno("socketpair");
  }
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw_errno("fork");
  }
  if (pid == 0) {
    ours.reset();
    int code = 99;
    try {
      code = body(Channel(std::move(theirs)));
    } catch (const std::exception& e) {
      std::cerr << "test child " << ::getpid() << ": " << e.what() << std::endl;
    }
    ::_exit(code);
  }
  return Child(pid, Channel(std::move(ours)));
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), channel_(std::move(other.channel_)) {}

Child::~Child() {
  if (pid_ > 0) {
    kill_and_wait();
  }
}

int Child::wait() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) {
      throw_errno("waitpid " + std::to_string(pid_));
    }
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Child::kill_and_wait() {
  ::kill(pid_, SIGKILL);
  wait();
}

NotifiedChild spawn_notified(const std::vector<std::string>& syscalls, Child::Body body,
                             std::function<void()> setup) {
  Child child = Child::spawn([&](const Channel& channel) {
    if (setup) {
      setup();
    }
    {
      const UniqueFd listener = install_notify_filter(syscalls);
      channel.send_fd(listener.get());
    }
    return body(channel);
  });
  UniqueFd listener = child.channel().receive_fd();
  return {std::move(child), NotifyFd(std::move(listener))};
}

size_t count_open_fds() {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count - 1;  // the directory iterator's own fd
}

}  // namespace sa::kernel::testing
