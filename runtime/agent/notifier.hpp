// CRI-O's seccomp notifier: a container whose policy says `stop container`
// for a syscall is stopped a grace time after the last such call, and the
// syscalls it used are reported. Without a grace time it is stopped at once,
// before the call is answered, as Kinvolk's kill-container and
// freeze-container do. `freeze container` freezes its cgroup instead of
// killing its init. Runs on the container's loop.
#pragma once

#include <memory>

#include "agent/container.hpp"
#include "agent/telemetry.hpp"
#include "engine/decision.hpp"

namespace sa::agent {

class Notifier {
 public:
  explicit Notifier(Telemetry& telemetry) : telemetry_(telemetry) {}

  // Counts the forbidden call and (re)arms the container's stop timer: the
  // grace time runs from the last forbidden call.
  void forbidden(const std::shared_ptr<Container>& c, const engine::Decision& d);
  // Arms the stop timer for Container::stop_at, when set: after a hand-over
  // held it, or in the agent that took the container over.
  void rearm(const std::shared_ptr<Container>& c);

 private:
  void stop(const std::shared_ptr<Container>& c);
  // What became of the container, in words for the log: "killed", "frozen",
  // "already gone", "refused: ...", "failed: ...".
  static std::string kill(const Container& c);
  static std::string freeze(const Container& c);

  Telemetry& telemetry_;
};

}  // namespace sa::agent
