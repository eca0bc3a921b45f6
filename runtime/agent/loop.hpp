// One notification loop: an Asio reactor run by a thread of its own. A
// container is served by one loop for its whole life (agent.cpp spreads them).
//
// Besides the reactor, the loop keeps what the handler needs to follow a busy
// container (notification_handler.hpp):
// - which container it follows (one at most);
// - a second epoll set holding the notify fds the reactor watches for this
//   loop, that is every one of its containers' but the followed one, and the
//   tick below. During a follow the loop's thread waits in RECV on the
//   followed fd, and the interrupter's thread waits on this set: when another
//   container of the loop has a notification or a tick came, it interrupts
//   the RECV (recv_interrupter.hpp);
// - a timerfd that ticks every period while a container is followed: the
//   loop's timers and posted work get the thread at each tick.
//
// The loop's thread can change. Should an emulation outlast the time limit
// (a filesystem that does not answer), the watchdog takes it over
// (take_over_overrun): the caller is answered, and a new thread runs the
// same reactor from then on, while the old one, abandoned, waits in the
// kernel. Back from it, the old thread touches nothing of the loop: it
// unwinds (LoopGivenUp) and ends. At every instant one thread at most runs
// the loop's handlers, so per-container state still needs no lock.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "agent/abandoned_threads.hpp"
#include "agent/emulation_watch.hpp"
#include "agent/recv_interrupter.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::agent {

class Loop {
 public:
  // Throws std::system_error when the kernel gives no epoll fd or timerfd.
  Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  boost::asio::io_context& io() { return io_; }
  EmulationWatch& emulation() { return emulation_; }

  // Starts the loop's first thread, which runs the reactor until it is
  // stopped. `abandoned` outlives every thread of the loop.
  void start(AbandonedThreads& abandoned);
  // The watchdog: when the loop's thread has been inside one emulation for
  // `limit`, answers its caller, posts what the loop still owes, and gives
  // the loop to a new thread if `abandoned` allows one more. Says whether
  // an emulation overran, and whether the loop changed thread.
  enum class TakeOver { None, HandedOver, KeptThread };
  TakeOver take_over_overrun(EmulationWatch::Clock::time_point now,
                             EmulationWatch::Clock::duration limit);
  // Shutdown: waits until the loop's thread has left the reactor, at most
  // until `deadline`; false when it has not (it is inside an emulation).
  bool wait_stopped(std::chrono::steady_clock::time_point deadline);

  // Everything below on the loop's thread only.

  // The notify fd `fd` joins or leaves the set the reactor watches. Should
  // the kernel refuse to add one, the loop follows no container from then on:
  // the set would no longer tell everything.
  void watched(int fd);
  void unwatched(int fd);
  bool can_follow() const { return can_follow_; }

  // The container followed (its Container::serial), 0 when none. follow()
  // starts the ticks, a first one `period` from now; false (and nothing
  // followed) when the kernel refuses.
  uint64_t followed() const { return followed_; }
  bool follow(uint64_t serial, std::chrono::milliseconds period);
  void unfollow();
  // What made the watched set readable: another container's notification
  // (whether or not a tick came too), else a tick, else nothing any more.
  enum class Woken { Notification, Tick, Nothing };
  Woken why_woken() const;
  // Takes the ticks that came (the timerfd is readable then).
  void take_ticks();
  // What tells a follow's RECV that the set fired.
  RecvInterrupter& interrupter() { return interrupter_; }

  // The container whose notification the loop received last (its serial).
  uint64_t last_received = 0;
  // Set while the agent hands its containers over: the loop receives no
  // notification, arms no wait (notification_hold.cpp).
  bool paused = false;

 private:
  // The body of each of the loop's threads; `mine` is its number.
  void run_thread(uint64_t mine);

  boost::asio::io_context io_{1};
  EmulationWatch emulation_;
  AbandonedThreads* abandoned_ = nullptr;
  // The number of the thread that runs the loop; changed by the watchdog
  // with the emulation's `taking_` lock held, read by a thread given up.
  std::atomic<uint64_t> owner_ = 0;
  std::mutex stop_mutex_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
  kernel::UniqueFd watched_;
  kernel::UniqueFd ticks_;
  RecvInterrupter interrupter_{watched_.get()};  // after watched_: watches it
  uint64_t followed_ = 0;
  bool can_follow_ = true;
};

}  // namespace sa::agent
