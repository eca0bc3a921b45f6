#include "agent/notifier.hpp"

#include <chrono>
#include <exception>
#include <string>

namespace sa::agent {

void Notifier::forbidden(const std::shared_ptr<Container>& c, const engine::Decision& d) {
  if (c->stopped || !d.stop_after_ms)
    return;
  c->forbidden.hit(std::string(d.syscall));
  c->stop_mode = d.stop_mode;
  if (*d.stop_after_ms == 0) {
    c->stop_timer.cancel();
    stop(c);
    return;
  }
  c->stop_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(*d.stop_after_ms);
  rearm(c);
}

void Notifier::rearm(const std::shared_ptr<Container>& c) {
  if (c->stopped || !c->stop_at)
    return;
  c->stop_timer.expires_at(*c->stop_at);
  c->stop_timer.async_wait([this, c](boost::system::error_code ec) {
    // Held for a hand-over: the successor stops it, or this agent after
    // rearm() if the hand-over fails.
    if (!ec && !c->loop.paused)
      stop(c);
  });
}

void Notifier::stop(const std::shared_ptr<Container>& c) {
  if (c->stopped)
    return;
  c->stopped = true;
  c->stop_at.reset();
  std::string result;
  try {
    switch (c->stop_mode) {
      case table::StopMode::Kill:
        result = kill(*c);
        break;
      case table::StopMode::Freeze:
        result = freeze(*c);
        break;
    }
  } catch (const std::exception& e) {
    result = std::string("failed: ") + e.what();
  }
  telemetry_.stopped(*c, c->stop_mode, c->forbidden.report(), c->forbidden.summary(), result);
}

std::string Notifier::kill(const Container& c) {
  if (!c.init || c.init->kill() == kernel::SignalOutcome::AlreadyGone)
    return "already gone";
  return "killed";
}

std::string Notifier::freeze(const Container& c) {
  if (!c.cgroup)
    return "refused: the runtime did not name the container's init";
  if (const auto* problem = std::get_if<std::string>(c.cgroup.get()))
    return "refused: " + *problem;
  if (auto problem = kernel::freeze(std::get<kernel::ContainerCgroup>(*c.cgroup)))
    return "refused: " + *problem;
  return "frozen";
}

}  // namespace sa::agent
