#include "agent/notification_handler.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <exception>
#include <optional>
#include <utility>

#include "agent/kernel_facts.hpp"
#include "agent/kernel_port.hpp"
#include "agent/log.hpp"
#include "agent/pending_answer.hpp"
#include "agent/recorder.hpp"
#include "agent/responder.hpp"
#include "engine/recording_facts.hpp"
#include "kernel/path_call.hpp"

namespace sa::agent {
namespace {

FalcoEvent falco_event(const Container& c, const model::Notification& n, std::string_view decided) {
  return FalcoEvent{n.id,
                    n.pid,
                    syscall_name(n, decided),
                    c.info.pod_namespace,
                    c.info.pod_name,
                    c.info.container_name,
                    static_cast<uint64_t>(c.info.pid),
                    static_cast<uint64_t>(c.filter_pid)};
}

}  // namespace

void NotificationHandler::start(const std::shared_ptr<Container>& c) {
  c->loop.watched(c->notify.get());
  watch(c);
}

void NotificationHandler::watch(const std::shared_ptr<Container>& c) {
  c->watch.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this, c](boost::system::error_code ec) {
                        if (ec || stopping_ || c->loop.paused)
                          return;  // a held loop is watched again when released
                        on_readable(c);
                      });
}

std::optional<kernel::Received> NotificationHandler::receive(const std::shared_ptr<Container>& c) {
  try {
    kernel::Received r = c->notify.receive();
    // Before anything else: from now on this notification is this agent's
    // alone, and an agent started after a crash must find it.
    if (r.outcome == kernel::RecvOutcome::Received && c->inflight)
      c->inflight->received(r.notification.id);
    return r;
  } catch (const std::exception& e) {
    telemetry_.receive_failed(*c, e.what());
    registry_.remove(c, "receive failed");
    return std::nullopt;
  }
}

void NotificationHandler::on_readable(const std::shared_ptr<Container>& c) {
  switch (readiness(*c)) {
    case Readiness::Notification:
      break;
    case Readiness::HungUp:
      registry_.remove(c, "exited");
      return;
    case Readiness::Neither:
      watch(c);
      return;
  }
  const std::optional<kernel::Received> r = receive(c);
  if (!r)
    return;
  if (r->outcome != kernel::RecvOutcome::Received) {
    watch(c);
    return;
  }
  // Answer first, listen again after: the re-arm (an epoll_ctl) stays off
  // the caller's critical path.
  next(c, handle(c, r->notification, Then::Watch));
}

void NotificationHandler::next(const std::shared_ptr<Container>& c, bool answered) {
  Loop& loop = c->loop;
  const bool again = std::exchange(loop.last_received, c->serial) == c->serial;
  // Not while another container of the loop waits already (the set says
  // so; no tick is armed outside a follow): the follow would end at once,
  // and starting and ending it costs more than the reactor's round.
  if (!answered || !again || loop.followed() != 0 || !loop.can_follow() ||
      loop.why_woken() != Loop::Woken::Nothing || !loop.follow(c->serial, kFollowTick)) {
    watch(c);
    return;
  }
  loop.unwatched(c->notify.get());
  follow(c);
}

void NotificationHandler::follow(const std::shared_ptr<Container>& c) {
  Loop& loop = c->loop;
  RecvInterrupter& interrupter = loop.interrupter();
  interrupter.following();
  bool called = false;  // since the last tick
  for (;;) {
    bool woken = !interrupter.enter_recv();
    if (!woken) {
      // Blocked in RECV until the next notification or the interrupter.
      const std::optional<kernel::Received> r = receive(c);
      if (!r)
        return;  // removed, and the follow ended with it
      woken = interrupter.leave_recv();
      if (stopping_)
        return;
      switch (r->outcome) {
        case kernel::RecvOutcome::Received:
          called = true;
          loop.last_received = c->serial;
          if (!handle(c, r->notification, Then::EndFollow)) {
            unfollow(c);  // the delay's timer needs the reactor
            return;
          }
          break;
        case kernel::RecvOutcome::TargetGone:
          // Also what RECV says once the filter has no tasks left.
          if (readiness(*c) == Readiness::HungUp) {
            registry_.remove(c, "exited");
            return;
          }
          break;
        case kernel::RecvOutcome::Interrupted:
          break;
      }
      if (!woken)
        continue;
    }
    if (stopping_ || c->closed)
      return;
    switch (loop.why_woken()) {
      case Loop::Woken::Notification:
        // Another container of the loop has a notification: the reactor
        // serves both, in turn, until one of them calls twice in a row again.
        loop.last_received = 0;
        unfollow(c);
        return;
      case Loop::Woken::Tick:
        loop.take_ticks();
        if (!called) {  // quiet for a whole tick
          unfollow(c);
          return;
        }
        // Let the reactor run once (timers, posted work), then go on.
        boost::asio::post(loop.io(), [this, c] { resume_follow(c); });
        return;
      case Loop::Woken::Nothing:
        interrupter.following();  // gone meanwhile (read by another look)
        break;
    }
  }
}

NotificationHandler::Readiness NotificationHandler::readiness(const Container& c) {
  pollfd p{c.notify.get(), POLLIN, 0};
  if (::poll(&p, 1, 0) < 0)
    return Readiness::Neither;
  if ((p.revents & POLLIN) != 0)
    return Readiness::Notification;
  // No notification and the filter has no tasks left: the container is gone.
  if ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
    return Readiness::HungUp;
  return Readiness::Neither;
}

void NotificationHandler::resume_follow(const std::shared_ptr<Container>& c) {
  if (stopping_ || c->closed)
    return;
  if (c->loop.paused) {  // held for a hand-over: the fd back in the set, unwatched
    c->loop.unfollow();
    c->loop.watched(c->notify.get());
    return;
  }
  if (!c->loop.can_follow()) {
    unfollow(c);
    return;
  }
  c->loop.take_ticks();  // a tick that came meanwhile is the reactor's
  follow(c);
}

void NotificationHandler::unfollow(const std::shared_ptr<Container>& c) {
  c->loop.unfollow();
  c->loop.watched(c->notify.get());
  watch(c);
}

bool NotificationHandler::handle(const std::shared_ptr<Container>& c, const model::Notification& n,
                                 Then then) {
  auto p = std::make_shared<PendingAnswer>(c, n);
  const engine::Engine& engine = *p->binding.generation.engine;
  KernelFacts facts(c->notify, n, c->init_userns);
  if (telemetry_.recording()) {
    engine::RecordingFacts recording(facts);
    p->decision = engine.evaluate(p->binding.policy, c->info, n, recording);
    p->record = start_record(c->info, n, p->decision, recording);
  } else {
    p->decision = engine.evaluate(p->binding.policy, c->info, n, facts);
  }
  ++c->notifications;
  // Queued for the publisher's thread before the answer, as Kinvolk's
  // middleware ran before the handler; nothing here waits for the plugin.
  if (p->binding.falco)
    falco_.publish(falco_event(*c, n, p->decision.syscall));
  telemetry_.decision_warnings(*c, p->decision);
  if (Telemetry::without_rule(p->decision.origin) &&
      c->logged_without_rule.insert((uint64_t{n.audit_arch} << 32) | static_cast<uint32_t>(n.nr))
          .second) {
    telemetry_.first_without_rule(*c, n, p->decision);
  }
  if (p->decision.stops()) {
    notifier_.forbidden(c, p->decision);
    if (on_stop_armed)
      on_stop_armed(*c);
  }
  if (p->decision.delay_ms && *p->decision.delay_ms > 0) {
    p->timer.emplace(c->loop.io(), restarted_due(*c, n).value_or(
                                       std::chrono::steady_clock::now() +
                                       std::chrono::milliseconds(*p->decision.delay_ms)));
    c->delayed[n.id] = p;
    wait_for_delay(p);
    return false;
  }
  proceed(p, then);
  return true;
}

// A delayed call that a signal interrupted comes back as a new
// notification - the same thread, syscall, arguments and instruction
// pointer - while the answer to the first still waits, with an id the kernel
// has withdrawn. It keeps the first one's time: otherwise a thread that is
// signalled more often than the delay (a Go program: SIGURG every 10 ms,
// runc's init among them) would wait for good.
std::optional<std::chrono::steady_clock::time_point> NotificationHandler::restarted_due(
    const Container& c, const model::Notification& n) {
  std::optional<std::chrono::steady_clock::time_point> due;
  for (const auto& [id, p] : c.delayed) {
    const model::Notification& first = p->n;
    if (p->held || first.pid != n.pid || first.nr != n.nr || first.audit_arch != n.audit_arch ||
        first.args != n.args || first.instruction_pointer != n.instruction_pointer)
      continue;
    if (kernel::notification_pending(c.notify.get(), id) != ENOENT)
      continue;
    if (const auto at = p->timer->expiry(); !due || at < *due)
      due = at;
  }
  return due;
}

// An emulation of `p` in progress, as the watchdog takes it over. It lives
// on the stack of the loop's thread that runs the emulation; the watchdog
// uses it only with the emulation's claim held (emulation_watch.hpp).
class NotificationHandler::InEmulation final : public Overrun {
 public:
  InEmulation(NotificationHandler& h, const std::shared_ptr<PendingAnswer>& p, Then then)
      : handler_(h), p_(p), then_(then) {}

  std::function<void()> take_over() noexcept override {
    KernelPort port(p_->container->notify, p_->n, nullptr);
    const Answered a = answer_timed_out(
        port, fmt::format("no answer from the kernel within {} ms: the caller got ETIMEDOUT, and "
                          "the operation may still complete",
                          handler_.emulation_limit_.count()));
    return [&h = handler_, p = p_, then = then_, a] { h.overran(p, then, a); };
  }

 private:
  NotificationHandler& handler_;
  const std::shared_ptr<PendingAnswer>& p_;  // the loop's thread's, alive while it emulates
  Then then_;
};

void NotificationHandler::wait_for_delay(const std::shared_ptr<PendingAnswer>& p) {
  p->timer->async_wait([this, p](boost::system::error_code) {
    if (!p->held)  // a held answer is the hand-over's (notification_hold.cpp)
      proceed(p, Then::Nothing);
  });
}

void NotificationHandler::proceed(const std::shared_ptr<PendingAnswer>& p, Then then) {
  const std::shared_ptr<Container>& c = p->container;
  c->delayed.erase(p->n.id);
  InEmulation overrun(*this, p, then);
  KernelPort port(c->notify, p->n, c->protections.get(), &c->loop.emulation(), &overrun);
  const Answered a = answer(p->decision.answer, port);
  report(*p, a);
}

void NotificationHandler::report(PendingAnswer& p, const Answered& a) {
  if (p.handed_over)
    telemetry_.handed_over_answered(*p.container, p.n, p.syscall, a);
  else
    telemetry_.decided(*p.container, p.binding, p.n, p.decision, a, std::move(p.record));
}

void NotificationHandler::overran(const std::shared_ptr<PendingAnswer>& p, Then then,
                                  const Answered& a) {
  const std::shared_ptr<Container>& c = p->container;
  report(*p, a);
  // A container removed meanwhile was let go of its fd and follow already.
  if (c->closed || stopping_)
    return;
  switch (then) {
    case Then::Watch:
      watch(c);
      return;
    case Then::EndFollow:
      unfollow(c);
      return;
    case Then::Nothing:
      return;
  }
}

}  // namespace sa::agent
