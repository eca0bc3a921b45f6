// The hot path: a container's notifications received, decided and answered
// on its own loop, with no hand-off between threads (bench/agent measured a
// hand-off at about 10 us a round trip, half of the whole). Delays are
// timers and hold no thread; an emulation runs on the loop and holds up the
// containers of that loop (not of the others) for as long as it takes, up
// to the emulation time limit: past it, the watchdog answers the caller
// ETIMEDOUT and the loop goes on with a new thread (InEmulation below,
// loop.hpp, watchdog.hpp).
//
// A notification reaches the loop in one of two ways:
//
// - The loop's reactor (epoll) says the container's notify fd is readable.
//   This is how every container starts and how a quiet one is watched.
// - The loop follows the container. When the loop's last two notifications
//   came from the same container, the loop, once it has answered, waits for
//   that container's next notification blocked in RECV on its fd, right
//   there, instead of going back to the reactor, as the reference agent
//   does. A RECV waiter is woken on the caller's CPU when the fd has
//   SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, an epoll waiter is not: on an idle
//   machine the scheduler then moved the loop and the caller from one CPU to
//   the other at every call, 2.5x the round trip of a blocking RECV
//   (bench/README.md, "Container loop"). A follow also saves the reactor's
//   round, its re-arm (an epoll_ctl) and the poll that tells a hang-up from
//   a notification; blocking in RECV saves the poll before it (bench/README.md,
//   "Blocking in RECV").
//
//   Meanwhile the loop's interrupter watches its other notify fds and its
//   tick (the set in loop.hpp) and interrupts the RECV when they fire
//   (recv_interrupter.hpp): as soon as another container of the loop has a
//   notification, the follow ends and the reactor serves both. The loop's
//   timerfd ticks every kFollowTick during a follow: at a tick the follow
//   ends if the container made no call since the previous one, else it lets
//   the reactor run once (the loop's timers and posted work) and goes on. A
//   follow also ends when an answer is delayed (its timer needs the reactor)
//   and when the container's filter has no tasks left. One container at a
//   time.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "agent/container.hpp"
#include "agent/falco_publisher.hpp"
#include "agent/handover_state.hpp"
#include "agent/notifier.hpp"
#include "agent/registry.hpp"
#include "agent/responder.hpp"
#include "agent/telemetry.hpp"

namespace sa::agent {

class NotificationHandler {
 public:
  // The follow's tick: the loop's timers and posted work (a new container, a
  // reload, a stop) wait at most about that long, other containers'
  // notifications not at all; a follow ends after one to two ticks without
  // a call. Each tick costs a busy follow a signal and a round of the
  // reactor: 1 ms measured 1.10x the reference agent, 2 ms 1.06x, 4 ms
  // 1.04x (bench/README.md, "The tick").
  static constexpr std::chrono::milliseconds kFollowTick{2};

  NotificationHandler(Registry& registry, Telemetry& telemetry, Notifier& notifier,
                      FalcoPublisher& falco, const std::atomic<bool>& stopping,
                      std::chrono::milliseconds emulation_limit)
      : registry_(registry),
        telemetry_(telemetry),
        notifier_(notifier),
        falco_(falco),
        stopping_(stopping),
        emulation_limit_(emulation_limit) {}

  // Starts serving a container just registered; on its loop.
  void start(const std::shared_ptr<Container>& c);

  // For a hand-over (notification_hold.cpp), each on the loop's thread, with
  // the loop's containers. hold(): the loop receives nothing more, its
  // delayed answers (but emulations) and stop timers are held, their time
  // left kept. release(): the loop serves again as before. snapshot(): the
  // state of a held container, nullopt while a delayed emulation of it is
  // still to be carried out (by this agent: it is never handed over).
  void hold(Loop& loop, const std::vector<std::shared_ptr<Container>>& containers);
  void release(Loop& loop, const std::vector<std::shared_ptr<Container>>& containers);
  std::optional<handover::ContainerState> snapshot(const Container& c) const;
  // Its state without the delayed answers: what the holder keeps.
  handover::ContainerState state_of(const Container& c) const;
  // Called on the loop after a forbidden call armed a stop timer (the
  // agent updates the holder's copy of the state: a crash must not forget
  // the stop). Set before any container is served.
  std::function<void(Container&)> on_stop_armed;
  // A container taken over from the agent before: served, its stop timer
  // and delayed answers armed with the time they had left.
  void start_taken_over(const std::shared_ptr<Container>& c,
                        const std::vector<handover::DelayedAnswer>& delayed);

 private:
  class InEmulation;
  // What the loop owes a container once one of its notifications is
  // answered, should the watchdog take that answer over: watch the fd
  // again (the reactor brought the notification), end the follow, or
  // nothing (a delayed answer: the fd is watched already).
  enum class Then { Watch, EndFollow, Nothing };

  // Waits for the container's next notification in the loop's reactor.
  void watch(const std::shared_ptr<Container>& c);
  void on_readable(const std::shared_ptr<Container>& c);
  // RECV on the container's fd; nullopt when it failed, which removes the
  // container (logged).
  std::optional<kernel::Received> receive(const std::shared_ptr<Container>& c);
  // After a notification from the reactor: follow the container or watch it.
  void next(const std::shared_ptr<Container>& c, bool answered);
  // One slice of a follow (see above).
  void follow(const std::shared_ptr<Container>& c);
  // What the container's notify fd says without waiting (a poll): a
  // notification pending, hung up (none, and the filter has no tasks
  // left), or neither (also when the poll fails).
  enum class Readiness { Notification, HungUp, Neither };
  static Readiness readiness(const Container& c);
  // The follow again, once the reactor has run between two ticks.
  void resume_follow(const std::shared_ptr<Container>& c);
  // Ends the follow: the fd goes back to the reactor.
  void unfollow(const std::shared_ptr<Container>& c);
  // Decides and answers; false when the answer waits for a delay.
  bool handle(const std::shared_ptr<Container>& c, const model::Notification& n, Then then);
  // When `n` is a delayed call restarted after a signal: when the first
  // one's delay ends.
  static std::optional<std::chrono::steady_clock::time_point> restarted_due(
      const Container& c, const model::Notification& n);
  void wait_for_delay(const std::shared_ptr<PendingAnswer>& p);
  void proceed(const std::shared_ptr<PendingAnswer>& p, Then then);
  // On the loop, after the watchdog answered `p` in its place.
  void overran(const std::shared_ptr<PendingAnswer>& p, Then then, const Answered& a);
  void report(PendingAnswer& p, const Answered& a);

  Registry& registry_;
  Telemetry& telemetry_;
  Notifier& notifier_;
  FalcoPublisher& falco_;
  const std::atomic<bool>& stopping_;
  std::chrono::milliseconds emulation_limit_;
};

}  // namespace sa::agent
