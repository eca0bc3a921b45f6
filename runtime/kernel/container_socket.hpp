// Where container runtimes reach the agent: the seccomp listenerPath of the
// OCI profile. A unix stream socket (mode 0600) that accepts a connection,
// checks who is calling (SO_PEERCRED: root or an allowed uid) and reads the
// one message sent on it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <vector>

#include "kernel/container_message.hpp"
#include "kernel/scm_rights.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// SO_PEERCRED of a connected unix socket: who is at the other end. Throws
// SysError.
PeerCredentials peer_credentials(int connection);

enum class AcceptOutcome {
  Accepted,
  Refused,       // the peer's uid is neither root nor allowed; its connection is closed
  NoConnection,  // nothing to accept (non-blocking socket) or interrupted
  OutOfFds,      // the process or the system has no fd left for it (EMFILE, ENFILE, ENOBUFS,
                 // ENOMEM): the connection waits in the backlog until one is freed
};

struct Accepted {
  AcceptOutcome outcome = AcceptOutcome::Accepted;
  UniqueFd connection;   // Accepted only
  PeerCredentials peer;  // Accepted and Refused: who connected
};

struct MessageLimits {
  size_t max_bytes = kMaxMessageBytes;
  size_t max_fds = kMaxPassedFds;
  // A runtime sends its message and closes at once; a peer that does
  // neither within this time is dropped rather than holding the agent.
  std::chrono::milliseconds timeout{5000};
};

class ContainerSocket {
 public:
  // Binds `path` with mode 0600. The parent directory must exist. A stale
  // socket at `path` is replaced; anything else there, a socket someone
  // still listens on included, is an error (never deleted). Throws SysError.
  static ContainerSocket listen(const std::filesystem::path& path,
                                std::vector<uid_t> allowed_uids = {});

  // The listening socket bound at `path` by another process (the agent this
  // one takes over from), received over a unix socket. Throws SysError when
  // `fd` is not a listening unix socket or `path` is no longer its file.
  static ContainerSocket adopt(const std::filesystem::path& path, UniqueFd fd,
                               std::vector<uid_t> allowed_uids = {});

  ContainerSocket(ContainerSocket&&) noexcept = default;
  ContainerSocket& operator=(ContainerSocket&&) = delete;
  // Removes the socket file if it is still the one this object bound.
  ~ContainerSocket();

  int get() const noexcept { return fd_.get(); }
  const std::filesystem::path& path() const noexcept { return path_; }

  Accepted accept() const;

  // The socket file stays when this object goes: another process (the agent
  // that took over) listens on the same socket and keeps serving the path.
  void keep_file() noexcept {
    inode_ = 0;
    device_ = 0;
  }

 private:
  ContainerSocket(std::filesystem::path path, UniqueFd fd, std::vector<uid_t> allowed, ino_t ino,
                  dev_t dev);
  std::filesystem::path path_;
  UniqueFd fd_;
  std::vector<uid_t> allowed_uids_;
  ino_t inode_ = 0;
  dev_t device_ = 0;
};

// Reads the one message of an accepted connection and parses it. Every fd
// received is returned in the message or closed.
MessageResult read_container_message(int connection, const MessageLimits& limits = {});

// The same in steps, for a reactor that watches many connections at once:
// read_available() takes what has arrived (nullopt: not whole yet). The
// caller holds `limits.timeout` as the deadline of the whole message and
// answers timed_out() when it passes.
class ContainerMessageReader {
 public:
  explicit ContainerMessageReader(const MessageLimits& limits = {});
  std::optional<MessageResult> read_available(int connection);
  MessageResult timed_out() const;

 private:
  MessageLimits limits_;
  MessageReceiver receiver_;
};

}  // namespace sa::kernel
