#include "kernel/container_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

sockaddr_un socket_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    throw SysError(ENAMETOOLONG, "socket path " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// True when a process accepts connections on the socket at `path`.
bool someone_listens(const std::string& path) {
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_un addr = socket_address(path);
  return probe &&
         ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

// Refuses to replace anything but a stale socket at `path`: not a file, and
// not the socket of another agent still running.
void check_replaceable(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return;
    }
    throw_errno("stat " + path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw SysError(EEXIST, "listen on " + path + ": exists and is not a socket");
  }
  if (someone_listens(path)) {
    throw SysError(EADDRINUSE, "listen on " + path + ": another process is listening there");
  }
}

void check_parent(const std::filesystem::path& path) {
  const std::string parent = path.parent_path().empty() ? "." : path.parent_path().string();
  struct stat st {};
  if (::stat(parent.c_str(), &st) != 0) {
    throw_errno("listen on " + path.string() + ": parent directory " + parent);
  }
  if (!S_ISDIR(st.st_mode)) {
    throw SysError(ENOTDIR, "listen on " + path.string() + ": parent " + parent);
  }
}

void set_receive_timeout(int connection, std::chrono::milliseconds timeout) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  if (::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
    throw_errno("setsockopt SO_RCVTIMEO");
  }
}

std::string describe(const ReceiveResult& r, const MessageLimits& limits) {
  switch (r.status) {
    case ReceiveStatus::Complete:
      return {};
    case ReceiveStatus::TooLarge:
      return "message exceeds " + std::to_string(limits.max_bytes) + " bytes";
    case ReceiveStatus::FdsTruncated:
      return "more than " + std::to_string(limits.max_fds) + " fds (control message truncated)";
    case ReceiveStatus::TimedOut:
      return "peer did not finish its message within " + std::to_string(limits.timeout.count()) +
             " ms";
    case ReceiveStatus::Failed:
      return SysError(r.err, "recvmsg").what();
  }
  return "?";
}

}  // namespace

PeerCredentials peer_credentials(int connection) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    throw_errno("getsockopt SO_PEERCRED");
  }
  return {cred.pid, cred.uid, cred.gid};
}

ContainerSocket::ContainerSocket(std::filesystem::path path, UniqueFd fd,
                                 std::vector<uid_t> allowed, ino_t ino, dev_t dev)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      allowed_uids_(std::move(allowed)),
      inode_(ino),
      device_(dev) {}

ContainerSocket ContainerSocket::listen(const std::filesystem::path& path,
                                        std::vector<uid_t> allowed_uids) {
  check_parent(path);
  const std::string final_path = path.string();
  check_replaceable(final_path);
  // Bind under a temporary name, restrict it, then rename over the final
  // name: the socket is never reachable with a wider mode, and a stale one
  // is replaced atomically.
  const std::string temp_path = final_path + ".tmp-" + std::to_string(::getpid());
  const sockaddr_un addr = socket_address(temp_path);
  (void)socket_address(final_path);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    throw_errno("socket AF_UNIX");
  }
  ::unlink(temp_path.c_str());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    throw_errno("bind " + temp_path);
  }
  if (::chmod(temp_path.c_str(), 0600) != 0 ||
      ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_path.c_str());
    throw SysError(err, "listen on " + final_path);
  }
  struct stat st {};
  if (::stat(final_path.c_str(), &st) != 0) {
    throw_errno("stat " + final_path);
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) {
    throw_errno("listen " + final_path);
  }
  return ContainerSocket(path, std::move(fd), std::move(allowed_uids), st.st_ino, st.st_dev);
}

ContainerSocket ContainerSocket::adopt(const std::filesystem::path& path, UniqueFd fd,
                                       std::vector<uid_t> allowed_uids) {
  int listening = 0;
  socklen_t len = sizeof listening;
  sockaddr_un bound{};
  socklen_t bound_len = sizeof bound;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) {
    throw_errno("the socket handed over for " + path.string());
  }
  if (listening == 0 || bound.sun_family != AF_UNIX) {
    throw SysError(ENOTSOCK, "the socket handed over for " + path.string() +
                                 " is not a listening unix socket");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw_errno("stat " + path.string());
  }
  if (!S_ISSOCK(st.st_mode)) {
    throw SysError(ENOTSOCK, path.string() + " is not a socket");
  }
  return ContainerSocket(path, std::move(fd), std::move(allowed_uids), st.st_ino, st.st_dev);
}

ContainerSocket::~ContainerSocket() {
  if (!fd_ || inode_ == 0) {
    return;  // moved from, or the file is kept (keep_file)
  }
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_ && st.st_dev == device_) {
    ::unlink(path_.c_str());
  }
}

Accepted ContainerSocket::accept() const {
  UniqueFd connection(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!connection) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
      return {AcceptOutcome::NoConnection, {}, {}};
    }
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      return {AcceptOutcome::OutOfFds, {}, {}};
    }
    throw_errno("accept on " + path_.string());
  }
  const PeerCredentials peer = peer_credentials(connection.get());
  const bool allowed = peer.uid == 0 || std::find(allowed_uids_.begin(), allowed_uids_.end(),
                                                  peer.uid) != allowed_uids_.end();
  if (!allowed) {
    return {AcceptOutcome::Refused, {}, peer};
  }
  return {AcceptOutcome::Accepted, std::move(connection), peer};
}

namespace {

// runc keeps its end open after sending (the connection lives as long as
// `runc run`), so the message ends where its JSON document ends; a peer
// that closes early still ends it too.
bool json_is_whole(std::string_view bytes) {
  return nlohmann::json::accept(bytes);
}

MessageResult finish(ReceiveResult received, const MessageLimits& limits) {
  if (received.status != ReceiveStatus::Complete)
    return MessageError{"container message: " + describe(received, limits)};
  return parse_container_message(received.message.bytes, std::move(received.message.fds));
}

}  // namespace

MessageResult read_container_message(int connection, const MessageLimits& limits) {
  set_receive_timeout(connection, limits.timeout);
  return finish(receive_message(connection, limits.max_bytes, limits.max_fds, json_is_whole),
                limits);
}

ContainerMessageReader::ContainerMessageReader(const MessageLimits& limits)
    : limits_(limits), receiver_(limits.max_bytes, limits.max_fds, json_is_whole) {}

std::optional<MessageResult> ContainerMessageReader::read_available(int connection) {
  std::optional<ReceiveResult> received = receiver_.read_available(connection);
  if (!received)
    return std::nullopt;
  return finish(std::move(*received), limits_);
}

MessageResult ContainerMessageReader::timed_out() const {
  return MessageError{"container message: " +
                      describe(ReceiveResult{ReceiveStatus::TimedOut, {}, 0}, limits_)};
}

}  // namespace sa::kernel
