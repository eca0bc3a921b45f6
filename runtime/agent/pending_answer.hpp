// One notification on its way to an answer: decided, perhaps waiting for its
// delay. A delayed one is listed in its container (Container::delayed) so
// that a hand-over can hold it and pass it on.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "agent/container.hpp"
#include "engine/decision.hpp"
#include "model/call/notification.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::agent {

struct PendingAnswer {
  PendingAnswer(std::shared_ptr<Container> c, const model::Notification& note)
      : container(std::move(c)), binding(container->binding), n(note) {}

  std::shared_ptr<Container> container;
  Binding binding;  // what it is decided with: the decision points into its table
  model::Notification n;
  engine::Decision decision;
  std::optional<trace::NotificationRecord> record;  // with --record
  std::optional<boost::asio::steady_timer> timer;   // `delay D then ...`, on the container's loop
  // Held by a hand-over: the timer is cancelled, `remaining` is what was
  // left of the delay; released, the timer is armed again with it.
  bool held = false;
  std::chrono::milliseconds remaining{0};
  // Decided by the agent this one took over from: `decision` holds only the
  // answer, `syscall` names the call for the log.
  bool handed_over = false;
  std::string syscall;
};

}  // namespace sa::agent
