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

// Appends the fds of every SCM_RIGHTS control message to `out`.
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

ReceiveResult failure(ReceiveStatus status, int err = 0) {
  return {status, {}, err};
}

}  // namespace

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

ReceiveResult receive_message(int socket, size_t max_bytes, size_t max_fds,
                              const std::function<bool(std::string_view)>& complete) {
  ReceivedMessage message;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * max_fds));
  std::vector<char> chunk(64 * 1024);
  for (;;) {
    iovec iov{chunk.data(), chunk.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      return failure(
          err == EAGAIN || err == EWOULDBLOCK ? ReceiveStatus::TimedOut : ReceiveStatus::Failed,
          err);
    }
    // Take ownership first, so that every early return below closes them.
    collect_fds(msg, message.fds);
    if ((msg.msg_flags & MSG_CTRUNC) != 0) {
      return failure(ReceiveStatus::FdsTruncated);
    }
    if (n == 0) {
      return {ReceiveStatus::Complete, std::move(message), 0};
    }
    if (message.bytes.size() + static_cast<size_t>(n) > max_bytes) {
      return failure(ReceiveStatus::TooLarge);
    }
    message.bytes.append(chunk.data(), static_cast<size_t>(n));
    if (complete && complete(message.bytes)) {
      return {ReceiveStatus::Complete, std::move(message), 0};
    }
  }
}

}  // namespace sa::kernel
