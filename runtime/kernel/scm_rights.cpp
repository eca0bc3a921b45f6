#include "kernel/scm_rights.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

ssize_t send_some(int socket, const char* data, size_t size) {
  ssize_t n;
  do {
    n = ::send(socket, data, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

ReceiveResult failure(ReceiveStatus status, int err = 0) {
  return {status, {}, err};
}

}  // namespace

void collect_fds(msghdr& msg, std::vector<UniqueFd>& out) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      out.emplace_back(fd);
    }
  }
}

void send_with_fds(int socket, std::string_view bytes, std::span<const int> fds) {
  if (fds.size() > kMaxPassedFds) {
    throw SysError(EINVAL, "sendmsg: more than " + std::to_string(kMaxPassedFds) + " fds");
  }
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  // sendmsg needs at least one byte of payload to carry the fds.
  char placeholder = 0;
  iovec iov{bytes.empty() ? &placeholder : const_cast<char*>(bytes.data()),
            bytes.empty() ? size_t{1} : bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    throw_errno("sendmsg");
  }
  size_t sent = static_cast<size_t>(n);
  while (sent < bytes.size()) {
    n = send_some(socket, bytes.data() + sent, bytes.size() - sent);
    if (n < 0) {
      throw_errno("send");
    }
    sent += static_cast<size_t>(n);
  }
}

MessageReceiver::MessageReceiver(size_t max_bytes, size_t max_fds,
                                 std::function<bool(std::string_view)> complete)
    : max_bytes_(max_bytes),
      control_(CMSG_SPACE(sizeof(int) * max_fds)),
      chunk_(64 * 1024),
      complete_(std::move(complete)) {}

std::optional<ReceiveResult> MessageReceiver::step(int socket, int flags) {
  iovec iov{chunk_.data(), chunk_.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control_.data();
  msg.msg_controllen = control_.size();
  const ssize_t n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC | flags);
  if (n < 0) {
    if (errno == EINTR)
      return std::nullopt;
    const int err = errno;
    return failure(
        err == EAGAIN || err == EWOULDBLOCK ? ReceiveStatus::TimedOut : ReceiveStatus::Failed, err);
  }
  // Take ownership first, so that every early return below closes them.
  collect_fds(msg, message_.fds);
  if ((msg.msg_flags & MSG_CTRUNC) != 0)
    return failure(ReceiveStatus::FdsTruncated);
  if (n == 0)
    return ReceiveResult{ReceiveStatus::Complete, std::move(message_), 0};
  if (message_.bytes.size() + static_cast<size_t>(n) > max_bytes_)
    return failure(ReceiveStatus::TooLarge);
  message_.bytes.append(chunk_.data(), static_cast<size_t>(n));
  if (complete_ && complete_(message_.bytes))
    return ReceiveResult{ReceiveStatus::Complete, std::move(message_), 0};
  return std::nullopt;
}

std::optional<ReceiveResult> MessageReceiver::read_available(int socket) {
  for (;;) {
    std::optional<ReceiveResult> r = step(socket, MSG_DONTWAIT);
    // Nothing more has arrived yet: wait for the socket to be readable.
    if (r && r->status == ReceiveStatus::TimedOut && (r->err == EAGAIN || r->err == EWOULDBLOCK))
      return std::nullopt;
    if (r)
      return r;
  }
}

ReceiveResult receive_message(int socket, size_t max_bytes, size_t max_fds,
                              const std::function<bool(std::string_view)>& complete) {
  MessageReceiver receiver(max_bytes, max_fds, complete);
  for (;;) {
    if (std::optional<ReceiveResult> r = receiver.step(socket, 0))
      return std::move(*r);
  }
}

}  // namespace sa::kernel
