// The agent's side of seccomp-agent-holder (holder/holder_protocol.hpp):
// with --holder, every container is deposited there at registration (its
// notify fd, its init's pidfd, its in-flight record and its state as
// handover_state's JSON) and withdrawn when it is gone. An agent started
// after a crash gets them all back at connect (Agent::take_back), a
// --takeover successor replaces the holder's set with its own.
//
// Deposits come from the control thread, withdrawals from the loops: one
// mutex, each a single small frame on a socket the holder reads at once.
// A holder that fails (gone, too slow) is let go: the agent serves on
// without crash survival, and says so.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>
#include <vector>

#include "agent/handover_state.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::agent {

// One container the holder gave back.
struct HeldContainer {
  std::string key;
  handover::ContainerState state;  // fd indices into `fds`
  std::vector<kernel::UniqueFd> fds;
  kernel::UniqueFd inflight;  // the dead agent's record
};

class HolderClient {
 public:
  // Connects (the peer must be root or an allowed uid) and reads what the
  // holder gives back. Throws std::runtime_error with the reason.
  HolderClient(std::string path, const std::vector<uid_t>& allowed_uids);

  std::vector<HeldContainer> take_held() { return std::move(held_); }

  // `state` with notify_fd 0 and init_fd 1 when `init` >= 0.
  void deposit(const std::string& key, const handover::ContainerState& state, int notify,
               int init, int inflight);
  // A new state for an entry deposited, its fds kept (a stop timer armed).
  void update(const std::string& key, const handover::ContainerState& state, bool with_init);
  void withdraw(const std::string& key);
  // From now on nothing is sent: the containers stay with the holder (an
  // agent stopping, or a successor's turn).
  void detach();

 private:
  void send(const std::string& body, const std::vector<int>& fds);

  std::mutex mutex_;
  std::string path_;
  kernel::UniqueFd socket_;
  std::vector<HeldContainer> held_;
};

}  // namespace sa::agent
