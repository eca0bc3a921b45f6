// The hand-over protocol between a running agent and its successor started
// with --takeover, on the unix socket <runtime socket>.takeover (mode 0600,
// root and --allow-uid peers only, as the runtime socket). Frames are
// length-prefixed JSON objects with fds attached (kernel/framed_socket.hpp);
// "type" names each, "version" is in the first of each side:
//
//   successor -> agent   {"type":"hello","version":1}
//   agent -> successor   {"type":"offer","version":1,"metrics":E,"state":{...}}
//                        fds: the runtime socket, the takeover socket, and
//                        the metrics listener when E (its --metrics) is not ""
//   agent -> successor   {"type":"fds","first":I,"count":N}, N <= 253
//                        (SCM_MAX_FD): container fds I..I+N-1, until
//                        state.fds have come
//   successor -> agent   {"type":"taken"}: everything received and checked
//   agent -> successor   {"type":"released"}: the commit point. The agent
//                        exits; the successor serves.
//
// Either side may send {"type":"error","error":TEXT} instead of its next
// frame, or close. Before "released" every failure leaves the agent serving
// as before and the successor exits non-zero; the successor serves nothing
// until "released" has come, so no notification is answered twice.
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/unique_fd.hpp"

namespace sa::agent::handover {

inline constexpr int kProtocolVersion = 1;
inline constexpr size_t kMaxFrameBytes = size_t{64} << 20;
// Each wait for the other side; the state is read and checked well within.
inline constexpr std::chrono::milliseconds kStepTimeout{10000};
// How long the agent waits for its delayed emulations to be carried out
// before it gives the hand-over up (they are never handed over).
inline constexpr std::chrono::milliseconds kQuiesceTimeout{10000};

std::string takeover_path(const std::string& runtime_socket);

struct Message {
  nlohmann::json body;
  std::vector<kernel::UniqueFd> fds;
};

// Throws kernel::SysError.
void send_message(int socket, const nlohmann::json& body, std::span<const int> fds = {});
// Best effort, for a side giving up: never throws.
void send_error(int socket, std::string_view error);

// The next frame, which must be of type `type` with at most `max_fds` fds.
// Throws std::runtime_error: the other side's "error", another type, bad
// JSON, a socket failure or timeout.
Message receive_message(int socket, std::string_view type, size_t max_fds);

// A "version" the other side sent that this one does not speak: throws.
void check_version(const nlohmann::json& body);

}  // namespace sa::agent::handover
