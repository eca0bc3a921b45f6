// Sending and receiving fds over unix sockets (SCM_RIGHTS), as container
// runtimes hand the seccomp notify fd to an agent.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/unique_fd.hpp"

struct msghdr;

namespace sa::kernel {

// The kernel's per-message cap on passed fds (SCM_MAX_FD).
inline constexpr size_t kMaxPassedFds = 253;

// One sendmsg with `bytes` and `fds` attached, as runc's utils.SendFds does;
// the rest of `bytes` follows in plain sends if the socket takes less at
// once. Throws SysError.
void send_with_fds(int socket, std::string_view bytes, std::span<const int> fds);

// Appends the fds of every SCM_RIGHTS control message of a received `msg`
// to `out`, which owns them from then on.
void collect_fds(msghdr& msg, std::vector<UniqueFd>& out);

struct ReceivedMessage {
  std::string bytes;
  std::vector<UniqueFd> fds;
};

enum class ReceiveStatus {
  Complete,      // the message is whole: the peer closed its end, or `complete` said so
  TooLarge,      // more than max_bytes arrived
  FdsTruncated,  // more fds than fit (MSG_CTRUNC); those that arrived are closed
  TimedOut,      // the peer neither finished nor closed in time
  Failed,        // recvmsg failed; `err` says why
};

struct ReceiveResult {
  ReceiveStatus status = ReceiveStatus::Complete;
  ReceivedMessage message;  // Complete only; otherwise empty, every fd closed
  int err = 0;
};

// One message read in steps from a non-blocking socket that a reactor
// watches: each read_available() takes what has arrived, so that one slow
// peer holds nobody else. The caller keeps the deadline.
class MessageReceiver {
 public:
  MessageReceiver(size_t max_bytes, size_t max_fds,
                  std::function<bool(std::string_view)> complete = {});

  // nullopt: not whole yet, wait until the socket is readable again.
  std::optional<ReceiveResult> read_available(int socket);
  // One recvmsg with `flags`; nullopt when the message goes on (or EINTR).
  std::optional<ReceiveResult> step(int socket, int flags);

 private:
  size_t max_bytes_;
  std::vector<char> control_;
  std::vector<char> chunk_;
  std::function<bool(std::string_view)> complete_;
  ReceivedMessage message_;
};

// Reads until end of file, or until `complete` (when given) accepts the bytes
// received so far, collecting the fds of every control message (received
// close-on-exec). `socket` must have a receive timeout set if the caller
// wants TimedOut rather than waiting forever.
ReceiveResult receive_message(int socket, size_t max_bytes, size_t max_fds,
                              const std::function<bool(std::string_view)>& complete = {});

}  // namespace sa::kernel
