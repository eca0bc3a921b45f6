// The emulation time limit, kept from the control reactor: a timer looks at
// every loop a few times per limit (Loop::take_over_overrun), and an
// emulation seen running for the whole limit is taken over: its caller gets
// ETIMEDOUT (responder.hpp), the loop a new thread, and the timeout is
// counted and logged. The loops' threads pay two atomic operations per
// emulation for it and never wait for the watchdog (emulation_watch.hpp).
//
// A timer rather than a thread of its own: the control reactor is never
// blocked (registration, reload and metrics are asynchronous there), and it
// is the thread that stops the agent, so the watchdog needs no shutdown.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "agent/abandoned_threads.hpp"
#include "agent/loop.hpp"
#include "agent/telemetry.hpp"

namespace sa::agent {

class Watchdog {
 public:
  Watchdog(boost::asio::io_context& control, const std::vector<std::unique_ptr<Loop>>& loops,
           std::chrono::milliseconds limit, const AbandonedThreads& abandoned,
           Telemetry& telemetry);

  // How late past the limit a take-over may come: the period of the looks.
  static std::chrono::milliseconds period_for(std::chrono::milliseconds limit);

  void start() { arm(); }

 private:
  void arm();
  void look();

  boost::asio::steady_timer timer_;
  const std::vector<std::unique_ptr<Loop>>& loops_;
  std::chrono::milliseconds limit_;
  std::chrono::milliseconds period_;
  const AbandonedThreads& abandoned_;
  Telemetry& telemetry_;
};

}  // namespace sa::agent
