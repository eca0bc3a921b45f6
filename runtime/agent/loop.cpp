#include "agent/loop.hpp"

#include <sys/epoll.h>

#include <cerrno>
#include <system_error>

namespace sa::agent {

Loop::Loop() : watched_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (!watched_)
    throw std::system_error(errno, std::generic_category(), "epoll_create1");
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

}  // namespace sa::agent
