// Length-prefixed messages with fds over a connected unix stream socket:
// each frame is a 4-byte big-endian length, then that many bytes, with up to
// kMaxPassedFds fds (SCM_RIGHTS) attached to its first byte. The agent's
// hand-over to its successor speaks this (agent/handover_protocol.hpp).
// Blocking: the socket's SO_RCVTIMEO and SO_SNDTIMEO bound every wait.
#pragma once

#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/unique_fd.hpp"

namespace sa::kernel {

struct Frame {
  std::string body;
  std::vector<UniqueFd> fds;
};

// A connected unix stream socket to `path`; throws SysError.
UniqueFd connect_unix_socket(const std::filesystem::path& path);

// Every send and receive on `socket` gives up after `timeout` (SysError
// EAGAIN then). Throws SysError.
void set_io_timeout(int socket, std::chrono::milliseconds timeout);

// Throws SysError (EINVAL: more than kMaxPassedFds fds, or a body over 4 GiB).
void send_frame(int socket, std::string_view body, std::span<const int> fds = {});

// One whole frame. Throws SysError when the socket fails or times out,
// ECONNRESET when the peer closed before the frame was whole, EMSGSIZE when
// the body would exceed `max_bytes`, EBADMSG when more than `max_fds` fds
// came with it (those that came are closed). Every fd received is returned
// or closed.
Frame receive_frame(int socket, size_t max_bytes, size_t max_fds);

}  // namespace sa::kernel
