// Loop threads left inside an emulation the watchdog took over, agent-wide:
// each waits in the kernel for a filesystem that does not answer, and ends
// when it comes back. Bounded: past the bound, a stuck loop keeps its thread
// (its caller is still answered at the time limit; the loop's other
// containers wait for the kernel, as they would without a watchdog).
#pragma once

#include <atomic>
#include <cstddef>

#include "agent/metrics.hpp"

namespace sa::agent {

class AbandonedThreads {
 public:
  AbandonedThreads(size_t max, Gauge gauge) : max_(max), gauge_(gauge) { gauge_.set(0); }

  // One more, unless that would pass the bound.
  bool take_one() {
    size_t n = count_.load();
    do {
      if (n >= max_)
        return false;
    } while (!count_.compare_exchange_weak(n, n + 1));
    gauge_.set(static_cast<int64_t>(n + 1));
    return true;
  }
  // One came back and ended (or was never started).
  void returned() {
    const size_t n = count_.fetch_sub(1) - 1;
    gauge_.set(static_cast<int64_t>(n));
  }
  size_t count() const { return count_.load(); }
  size_t max() const { return max_; }

 private:
  const size_t max_;
  Gauge gauge_;
  std::atomic<size_t> count_ = 0;
};

}  // namespace sa::agent
