// One notification loop: an Asio reactor run by a thread of its own. A
// container is served by one loop for its whole life (agent.cpp spreads them).
//
// Besides the reactor, the loop keeps what the handler needs to follow a busy
// container (notification_handler.hpp):
// - which container it follows (one at most);
// - a second epoll set holding the notify fds the reactor watches for this
//   loop, that is every one of its containers' but the followed one. Nobody
//   waits on it: a follow polls it next to the followed fd, to learn that
//   another container of the loop has a notification;
// - a timerfd that ticks every period while a container is followed, so that
//   the follow's poll needs no timeout of its own (a timeout is a timer set
//   and cancelled at every wait, and in a VM each costs an exit).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>

#include "kernel/unique_fd.hpp"

namespace sa::agent {

class Loop {
 public:
  // Throws std::system_error when the kernel gives no epoll fd or timerfd.
  Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  boost::asio::io_context& io() { return io_; }

  // Everything below on the loop's thread only.

  // The notify fd `fd` joins or leaves the set the reactor watches. Should
  // the kernel refuse to add one, the loop follows no container from then on:
  // the set would no longer tell everything.
  void watched(int fd);
  void unwatched(int fd);
  int watched_set() const { return watched_.get(); }
  bool can_follow() const { return can_follow_; }

  // The container followed (its Container::serial), 0 when none. follow()
  // starts the ticks, a first one `period` from now; false (and nothing
  // followed) when the kernel refuses.
  uint64_t followed() const { return followed_; }
  bool follow(uint64_t serial, std::chrono::milliseconds period);
  void unfollow();
  int ticks() const { return ticks_.get(); }
  // Takes the ticks that came (the timerfd is readable then).
  void take_ticks();

  // The container whose notification the loop received last (its serial).
  uint64_t last_received = 0;
  // Set while the agent hands its containers over: the loop receives no
  // notification, arms no wait (notification_hold.cpp).
  bool paused = false;

 private:
  boost::asio::io_context io_{1};
  kernel::UniqueFd watched_;
  kernel::UniqueFd ticks_;
  uint64_t followed_ = 0;
  bool can_follow_ = true;
};

}  // namespace sa::agent
