#include "agent/loop.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

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
                     "timerfd_create")) {}

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
  set_ticks(ticks_.get(), std::chrono::nanoseconds::zero());
  take_ticks();  // one may have come since the last look
}

void Loop::take_ticks() {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(ticks_.get(), &count, sizeof count);
}

}  // namespace sa::agent
