#include "agent/loop.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <system_error>
#include <thread>

namespace sa::agent {
namespace {

kernel::UniqueFd checked(int fd, const char* what) {
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), what);
  return kernel::UniqueFd(fd);
}

bool set_ticks(int fd, std::chrono::nanoseconds period) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(period);
  const timespec every{static_cast<time_t>(s.count()), static_cast<long>((period - s).count())};
  const itimerspec spec{every, every};  // all zero: disarmed
  return ::timerfd_settime(fd, 0, &spec, nullptr) == 0;
}

}  // namespace

Loop::Loop()
    : watched_(checked(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1")),
      ticks_(checked(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC),
                     "timerfd_create")) {
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.fd = ticks_.get();
  if (::epoll_ctl(watched_.get(), EPOLL_CTL_ADD, ticks_.get(), &e) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl (the follow's tick)");
}

Loop::Woken Loop::why_woken() const {
  // The set holds every notify fd of the loop: ask for enough events that a
  // notification is seen even when the tick is among them.
  constexpr int kAtOnce = 8;
  epoll_event events[kAtOnce];
  const int n = ::epoll_wait(watched_.get(), events, kAtOnce, 0);
  bool ticked = false;
  for (int i = 0; i < n; ++i) {
    if (events[i].data.fd != ticks_.get())
      return Woken::Notification;
    ticked = true;
  }
  return ticked ? Woken::Tick : Woken::Nothing;
}

void Loop::watched(int fd) {
  epoll_event e{};
  e.events = EPOLLIN;  // level-triggered: readable for as long as a notification waits
  e.data.fd = fd;
  if (::epoll_ctl(watched_.get(), EPOLL_CTL_ADD, fd, &e) != 0 && errno != EEXIST)
    can_follow_ = false;
}

void Loop::unwatched(int fd) {
  // ENOENT: the fd was the followed one, or never made it into the set.
  ::epoll_ctl(watched_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

bool Loop::follow(uint64_t serial, std::chrono::milliseconds period) {
  if (!set_ticks(ticks_.get(), period))
    return false;
  followed_ = serial;
  return true;
}

void Loop::unfollow() {
  followed_ = 0;
  interrupter_.ended();
  set_ticks(ticks_.get(), std::chrono::nanoseconds::zero());
  take_ticks();  // one may have come since the last look
}

void Loop::take_ticks() {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(ticks_.get(), &count, sizeof count);
}

void Loop::start(AbandonedThreads& abandoned) {
  abandoned_ = &abandoned;
  std::thread([this] { run_thread(0); }).detach();
}

void Loop::run_thread(uint64_t mine) {
  RecvInterrupter::accept_signal_here();
  for (;;) {
    try {
      io_.run();
      break;
    } catch (const LoopGivenUp&) {
      if (owner_.load() != mine) {
        // Another thread runs the loop. Whatever this one had queued for
        // itself (Asio's thread-private queue) was moved to the loop's queue
        // on the way out, with no wake-up: give one.
        boost::asio::post(io_, [] {});
        abandoned_->returned();
        return;
      }
      // Not handed over (past the bound): this thread goes on with the loop.
    }
  }
  // Notified under the lock: once the waiter has seen it, this thread
  // touches the loop no more.
  const std::lock_guard lock(stop_mutex_);
  stopped_ = true;
  stopped_cv_.notify_all();
}

Loop::TakeOver Loop::take_over_overrun(EmulationWatch::Clock::time_point now,
                                       EmulationWatch::Clock::duration limit) {
  EmulationWatch::Claim claim = emulation_.claim_if_overran(now, limit);
  if (claim.overrun == nullptr)
    return TakeOver::None;
  // A child (a mount's) is ended first: the loop's thread may then come
  // back by itself. The caller is answered either way.
  kernel::kill_children(*claim.children);
  boost::asio::post(io_, claim.overrun->take_over());
  if (!abandoned_->take_one())
    return TakeOver::KeptThread;
  // Set before the thread starts, and before `claim.lock` lets the stuck
  // thread see it.
  const uint64_t next = owner_.load() + 1;
  owner_.store(next);
  try {
    std::thread([this, next] { run_thread(next); }).detach();
  } catch (const std::system_error&) {
    owner_.store(next - 1);
    abandoned_->returned();
    return TakeOver::KeptThread;
  }
  return TakeOver::HandedOver;
}

bool Loop::wait_stopped(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(stop_mutex_);
  return stopped_cv_.wait_until(lock, deadline, [this] { return stopped_; });
}

}  // namespace sa::agent
