// One notification loop: an Asio reactor run by a thread of its own. A
// container is served by one loop for its whole life (agent.cpp spreads them).
//
// Besides the reactor, the loop keeps what the handler needs to follow a busy
// container (notification_handler.hpp): which container it follows, and a
// second epoll set holding the notify fds the reactor watches for this loop,
// that is every one of its containers' but the followed one. Nobody waits on
// that set: a follow polls it next to the followed fd, to learn that another
// container of the loop has a notification and the reactor must take over.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>

#include "kernel/unique_fd.hpp"

namespace sa::agent {

class Loop {
 public:
  Loop();  // throws std::system_error when the kernel gives no epoll fd
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

  // Serials (Container::serial) of the container followed (0: none) and of
  // the one whose notification the loop received last.
  uint64_t followed = 0;
  uint64_t last_received = 0;

 private:
  boost::asio::io_context io_{1};
  kernel::UniqueFd watched_;
  bool can_follow_ = true;
};

}  // namespace sa::agent
