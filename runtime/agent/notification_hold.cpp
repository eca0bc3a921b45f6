// The notification loops' side of a hand-over (agent/handover.cpp drives
// it): hold a loop so that it receives nothing more, read its containers'
// state, let it go again when the hand-over fails, and start the containers
// a successor took over. A notification the loop has received is answered
// by this agent or listed in the state, never both: a held delayed answer's
// timer does nothing, the successor answers it.
#include <algorithm>
#include <chrono>
#include <variant>

#include "agent/notification_handler.hpp"
#include "agent/pending_answer.hpp"

namespace sa::agent {
namespace {

std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point due) {
  const auto left = due - std::chrono::steady_clock::now();
  return std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(left));
}

bool is_emulation(const PendingAnswer& p) {
  return std::holds_alternative<engine::Emulate>(p.decision.answer);
}

}  // namespace

void NotificationHandler::hold(Loop& loop,
                               const std::vector<std::shared_ptr<Container>>& containers) {
  loop.paused = true;
  for (const auto& c : containers) {
    if (c->closed)
      continue;
    // A wait already satisfied still runs its handler, which sees `paused`.
    c->watch.cancel();
    if (c->stop_at)
      c->stop_timer.cancel();
    for (auto& [id, p] : c->delayed) {
      if (is_emulation(*p) || p->held)
        continue;
      p->held = true;
      p->remaining = time_left(p->timer->expiry());
      p->timer->cancel();
    }
  }
}

void NotificationHandler::release(Loop& loop,
                                  const std::vector<std::shared_ptr<Container>>& containers) {
  loop.paused = false;
  for (const auto& c : containers) {
    if (c->closed)
      continue;
    for (auto& [id, p] : c->delayed) {
      if (!p->held)
        continue;
      p->held = false;
      p->timer->expires_after(p->remaining);
      wait_for_delay(p);
    }
    notifier_.rearm(c);
    watch(c);
  }
}

std::optional<handover::ContainerState> NotificationHandler::snapshot(const Container& c) const {
  handover::ContainerState s = state_of(c);
  for (const auto& [id, p] : c.delayed) {
    if (!p->held)
      return std::nullopt;  // an emulation, carried out here when its delay ends
    s.delayed.push_back({p->n, p->decision.answer, p->remaining,
                         p->handed_over ? p->syscall : std::string(p->decision.syscall)});
  }
  return s;
}

handover::ContainerState NotificationHandler::state_of(const Container& c) const {
  handover::ContainerState s;
  s.info = c.info;
  s.filter_pid = c.filter_pid;
  s.init_userns = c.init_userns;
  s.protections = *c.protections;
  s.sync_wake_up = c.sync_wake_up;
  s.notifications = c.notifications;
  s.forbidden = c.forbidden.counts();
  if (c.stop_at && !c.stopped)
    s.stop_in = time_left(*c.stop_at);
  s.stop_mode = c.stop_mode;
  if (c.cgroup)
    s.cgroup = *c.cgroup;
  s.stopped = c.stopped;
  s.policy = c.binding.policy != nullptr ? c.binding.policy->name : std::string();
  return s;
}

void NotificationHandler::start_taken_over(const std::shared_ptr<Container>& c,
                                           const std::vector<handover::DelayedAnswer>& delayed) {
  for (const handover::DelayedAnswer& d : delayed) {
    auto p = std::make_shared<PendingAnswer>(c, d.notification);
    p->decision.answer = d.answer;
    p->handed_over = true;
    p->syscall = d.syscall;
    p->timer.emplace(c->loop.io(), d.remaining);
    c->delayed[d.notification.id] = p;
    wait_for_delay(p);
  }
  notifier_.rearm(c);
  start(c);
}

}  // namespace sa::agent
