// The hot path: a container's notifications received, decided and answered
// on its own loop, with no hand-off between threads (bench/agent measured a
// hand-off at about 10 us a round trip, half of the whole). Delays are
// timers and hold no thread; an emulation runs on the loop and holds up the
// containers of that loop (not of the others) for as long as it takes.
#pragma once

#include <atomic>
#include <memory>

#include "agent/container.hpp"
#include "agent/notifier.hpp"
#include "agent/registry.hpp"
#include "agent/telemetry.hpp"

namespace sa::agent {

class NotificationHandler {
 public:
  NotificationHandler(Registry& registry, Telemetry& telemetry, Notifier& notifier,
                      const std::atomic<bool>& stopping)
      : registry_(registry), telemetry_(telemetry), notifier_(notifier), stopping_(stopping) {}

  // Waits for the container's next notification; on its loop.
  void watch(const std::shared_ptr<Container>& c);

 private:
  struct Pending;

  void on_readable(const std::shared_ptr<Container>& c);
  void handle(const std::shared_ptr<Container>& c, const model::Notification& n);
  void proceed(const std::shared_ptr<Pending>& p);

  Registry& registry_;
  Telemetry& telemetry_;
  Notifier& notifier_;
  const std::atomic<bool>& stopping_;
};

}  // namespace sa::agent
