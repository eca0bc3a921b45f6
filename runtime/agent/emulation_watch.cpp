#include "agent/emulation_watch.hpp"

namespace sa::agent {

EmulationWatch::Token EmulationWatch::started(Overrun& o,
                                              const kernel::ChildPidfds& children) noexcept {
  current_ = &o;
  children_ = &children;
  const uint64_t s = (++sequence_ << 1) | kRunning;
  state_.store(s, std::memory_order_release);
  return s;
}

bool EmulationWatch::finished(Token t) noexcept {
  uint64_t expected = t;
  if (state_.compare_exchange_strong(expected, t & ~kRunning, std::memory_order_acq_rel))
    return true;
  // Claimed: the watchdog may still be reading what this thread published.
  const std::lock_guard wait_for_the_watchdog(taking_);
  return false;
}

EmulationWatch::Claim EmulationWatch::claim_if_overran(Clock::time_point now,
                                                       Clock::duration limit) {
  const uint64_t s = state_.load(std::memory_order_acquire);
  if ((s & kRunning) == 0) {
    seen_ = 0;
    return {};
  }
  if (s != seen_) {
    seen_ = s;
    seen_since_ = now;
    return {};
  }
  if (now - seen_since_ < limit)
    return {};
  Claim claim{std::unique_lock(taking_), nullptr};
  uint64_t expected = s;
  if (!state_.compare_exchange_strong(expected, s & ~kRunning, std::memory_order_acq_rel))
    return {};  // it ended just now: the loop's thread answers
  seen_ = 0;
  claim.overrun = current_;
  claim.children = children_;
  return claim;
}

}  // namespace sa::agent
