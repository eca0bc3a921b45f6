// Rate limit for a log line that can repeat as fast as the kernel fails (an
// accept out of fds, a SEND or RECV failing for every notification): at most
// `burst` lines per `window`, the others counted; the next line let through
// says how many were left out before it. From any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace sa::agent {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  LogLimiter(uint64_t burst, Clock::duration window) : burst_(burst), window_(window) {}

  // nullopt: leave this line out (it is counted). Else log it, with the
  // number of lines left out since the last one logged.
  std::optional<uint64_t> admit(Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    if (now - window_start_ >= window_) {
      window_start_ = now;
      in_window_ = 0;
    }
    if (in_window_ >= burst_) {
      ++suppressed_;
      return std::nullopt;
    }
    ++in_window_;
    const uint64_t left_out = suppressed_;
    suppressed_ = 0;
    return left_out;
  }

 private:
  const uint64_t burst_;
  const Clock::duration window_;
  std::mutex mutex_;
  Clock::time_point window_start_{};
  uint64_t in_window_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace sa::agent
