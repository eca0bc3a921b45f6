// What the watchdog sees of the emulation a loop's thread is carrying out,
// and how it takes one over that ran past the time limit (watchdog.hpp).
//
// The loop's thread publishes each emulation with two atomic operations and
// no lock: a store when it starts and a compare-and-swap when it ends. The
// common path (an emulated mkdir on a local filesystem) stays on the loop's
// thread with no hand-off (bench/README.md measured that a hand-off costs
// about half of a round trip).
//
// The watchdog claims an emulation with the same compare-and-swap, so that
// exactly one of the two answers the caller: the loop's thread if it came
// back first, the watchdog otherwise. The watchdog holds `taking_` from its
// claim until it is done with what the loop's thread published (the
// notification, its container); a loop's thread that finds its emulation
// claimed waits for that lock before it lets go of anything.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

#include "kernel/run_in_caller.hpp"

namespace sa::agent {

// Thrown by a loop's thread back from an emulation the watchdog took over:
// it unwinds out of the loop's handlers, touching no loop state on the way,
// to the loop's thread function (Loop::run_thread). Not a std::exception, so
// that no catch on the way (the responder's fail-closed one) takes it for a
// failure to answer and answers a second time.
struct LoopGivenUp {};

// An emulation in progress, as it can be taken over.
class Overrun {
 public:
  virtual ~Overrun() = default;
  // On the watchdog's thread, while the loop's thread is still inside the
  // emulation: answers the caller, and returns what the loop still owes the
  // notification (its telemetry, the container's watch), to run on the loop.
  virtual std::function<void()> take_over() noexcept = 0;
};

class EmulationWatch {
 public:
  using Clock = std::chrono::steady_clock;
  using Token = uint64_t;

  // The loop's thread, around one emulation. `o` and `children` (the
  // pidfds of the emulation's children, if it makes any) live until
  // finished(); the pidfds are closed only after it.
  Token started(Overrun& o, const kernel::ChildPidfds& children) noexcept;
  // True: the emulation is the thread's to answer. False: the watchdog took
  // it over (and answered its caller); the thread must throw LoopGivenUp.
  bool finished(Token t) noexcept;

  // The watchdog's thread only. An emulation seen running, the same one,
  // for `limit` or longer (measured from the watchdog's first look at it) is
  // claimed: `overrun` is set and `lock` holds `taking_`. Empty otherwise.
  struct Claim {
    std::unique_lock<std::mutex> lock;
    Overrun* overrun = nullptr;
    const kernel::ChildPidfds* children = nullptr;
  };
  Claim claim_if_overran(Clock::time_point now, Clock::duration limit);

 private:
  static constexpr uint64_t kRunning = 1;

  std::atomic<uint64_t> state_{0};                 // (sequence << 1) | kRunning while one runs
  uint64_t sequence_ = 0;                          // the loop's current thread only
  Overrun* current_ = nullptr;                     // published by the release store of state_
  const kernel::ChildPidfds* children_ = nullptr;  // likewise
  std::mutex taking_;
  // The watchdog's own: the state at its last look, and since when.
  uint64_t seen_ = 0;
  Clock::time_point seen_since_{};
};

}  // namespace sa::agent
