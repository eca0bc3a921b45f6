// The protocol between seccomp-agent and seccomp-agent-holder, on the
// holder's unix socket (mode 0600, root and --allow-uid peers only). Frames
// are kernel/framed_socket's (length-prefixed, fds attached); a frame's body
// is one op byte, a key, a newline and an opaque blob:
//
//   holder -> agent   H "seccomp-agent-holder 1"\n       at connect, first
//   holder -> agent   E key\n blob + the entry's fds      every entry held
//   holder -> agent   Z\n                                 end of the entries
//   agent -> holder   D key\n blob + 1..3 fds             deposit (replaces key)
//   agent -> holder   U key\n blob                         update: a new blob for
//                                                       an entry, its fds kept
//   agent -> holder   W key\n                             withdraw
//
// The holder never looks into a blob (the agent's ContainerState JSON): it
// keeps it byte for byte beside the fds and gives both back. It checks only
// that an entry's first fd is a seccomp notify fd, the one it watches for
// the container's end (POLLHUP). Kept this small on purpose: the holder is
// the process that must never be upgraded under running containers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/unique_fd.hpp"

namespace sa::holder {

inline constexpr std::string_view kHello = "seccomp-agent-holder 1";
inline constexpr size_t kMaxBodyBytes = size_t{1} << 20;
inline constexpr size_t kMaxKeyBytes = 512;
inline constexpr size_t kMaxEntryFds = 3;

enum class Op { Hello, Entry, End, Deposit, Update, Withdraw };

struct Message {
  Op op = Op::End;
  std::string key;
  std::string blob;
  std::vector<kernel::UniqueFd> fds;
};

std::string encode(Op op, std::string_view key, std::string_view blob = {});
// Throws std::runtime_error: an unknown op, no newline, a key too long.
Message decode(std::string body, std::vector<kernel::UniqueFd> fds);

}  // namespace sa::holder
