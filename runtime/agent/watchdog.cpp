#include "agent/watchdog.hpp"

#include <algorithm>

namespace sa::agent {

Watchdog::Watchdog(boost::asio::io_context& control,
                   const std::vector<std::unique_ptr<Loop>>& loops, std::chrono::milliseconds limit,
                   const AbandonedThreads& abandoned, Telemetry& telemetry)
    : timer_(control),
      loops_(loops),
      limit_(limit),
      period_(period_for(limit)),
      abandoned_(abandoned),
      telemetry_(telemetry) {}

std::chrono::milliseconds Watchdog::period_for(std::chrono::milliseconds limit) {
  // A quarter of the limit: a take-over comes between 1 and 1.25 limits
  // after the emulation started. Four looks a second at most when idle.
  return std::clamp(limit / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

void Watchdog::arm() {
  timer_.expires_after(period_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec)
      return;
    look();
    arm();
  });
}

void Watchdog::look() {
  const auto now = EmulationWatch::Clock::now();
  for (size_t i = 0; i < loops_.size(); ++i) {
    switch (loops_[i]->take_over_overrun(now, limit_)) {
      case Loop::TakeOver::None:
        break;
      case Loop::TakeOver::HandedOver:
        telemetry_.emulation_timed_out(i, limit_, true, abandoned_.count(), abandoned_.max());
        break;
      case Loop::TakeOver::KeptThread:
        telemetry_.emulation_timed_out(i, limit_, false, abandoned_.count(), abandoned_.max());
        break;
    }
  }
}

}  // namespace sa::agent
