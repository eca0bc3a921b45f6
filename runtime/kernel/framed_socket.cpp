#include "kernel/framed_socket.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "kernel/scm_rights.hpp"
#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

constexpr size_t kLengthBytes = 4;

// Reads exactly `size` bytes into `out`, collecting the fds that come with
// them. Never reads past them: the next frame's fds stay in the socket.
void receive_exactly(int socket, char* out, size_t size, std::vector<UniqueFd>& fds,
                     size_t max_fds) {
  std::vector<char> control(CMSG_SPACE(sizeof(int) * kMaxPassedFds));
  size_t got = 0;
  while (got < size) {
    iovec iov{out + got, size - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw_errno("recvmsg");
    collect_fds(msg, fds);
    if ((msg.msg_flags & MSG_CTRUNC) != 0 || fds.size() > max_fds)
      throw SysError(EBADMSG, "frame with more than " + std::to_string(max_fds) + " fds");
    if (n == 0)
      throw SysError(ECONNRESET, "the peer closed the connection in the middle of a frame");
    got += static_cast<size_t>(n);
  }
}

}  // namespace

UniqueFd connect_unix_socket(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string text = path.string();
  if (text.size() >= sizeof addr.sun_path)
    throw SysError(ENAMETOOLONG, "connect to " + text);
  std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd)
    throw_errno("socket AF_UNIX");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    throw_errno("connect to " + text);
  return fd;
}

void set_io_timeout(int socket, std::chrono::milliseconds timeout) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  const timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  if (::setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
      ::setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
    throw_errno("setsockopt SO_RCVTIMEO/SO_SNDTIMEO");
}

void send_frame(int socket, std::string_view body, std::span<const int> fds) {
  if (body.size() > UINT32_MAX)
    throw SysError(EINVAL, "frame of " + std::to_string(body.size()) + " bytes");
  const auto size = static_cast<uint32_t>(body.size());
  std::string bytes = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                       static_cast<char>(size >> 8), static_cast<char>(size)};
  bytes.append(body);
  send_with_fds(socket, bytes, fds);
}

Frame receive_frame(int socket, size_t max_bytes, size_t max_fds) {
  Frame f;
  std::array<char, kLengthBytes> length{};
  receive_exactly(socket, length.data(), length.size(), f.fds, max_fds);
  size_t size = 0;
  for (const char byte : length)
    size = (size << 8) | static_cast<unsigned char>(byte);
  if (size > max_bytes)
    throw SysError(EMSGSIZE, "frame of " + std::to_string(size) + " bytes, more than " +
                                 std::to_string(max_bytes));
  f.body.resize(size);
  receive_exactly(socket, f.body.data(), size, f.fds, max_fds);
  return f;
}

}  // namespace sa::kernel
