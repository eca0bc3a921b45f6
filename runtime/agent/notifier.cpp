#include "agent/notifier.hpp"

#include <chrono>
#include <exception>
#include <string>

namespace sa::agent {

void Notifier::forbidden(const std::shared_ptr<Container>& c, const engine::Decision& d) {
  if (c->stopped || !d.stop_after_ms)
    return;
  c->forbidden.hit(std::string(d.syscall));
  c->stop_timer.expires_after(std::chrono::milliseconds(*d.stop_after_ms));
  c->stop_timer.async_wait([this, c](boost::system::error_code ec) {
    if (!ec)
      stop(c);
  });
}

void Notifier::stop(const std::shared_ptr<Container>& c) {
  if (c->stopped)
    return;
  c->stopped = true;
  std::string result = "killed";
  try {
    if (!c->init || c->init->kill() == kernel::SignalOutcome::AlreadyGone)
      result = "already gone";
  } catch (const std::exception& e) {
    result = std::string("failed: ") + e.what();
  }
  telemetry_.stopped(*c, c->forbidden.report(), c->forbidden.summary(), result);
}

}  // namespace sa::agent
