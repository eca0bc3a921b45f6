// The follow's RECV interrupter against the real kernel: a thread blocked in
// SECCOMP_IOCTL_NOTIF_RECV on a real notify fd hears of the watched set, and
// its signal reaches that thread in RECV and nowhere else. Needs root and
// seccomp.
#define BOOST_TEST_MODULE recv_interrupter
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <thread>

#include "agent/recv_interrupter.hpp"
#include "kernel/notify_fd.hpp"
#include "support/child.hpp"

using namespace sa::agent;
using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

// The loop's watched set, with one member the test makes readable at will
// (as another container's notification or a tick would).
class WatchedSet {
 public:
  WatchedSet()
      : set_(::epoll_create1(EPOLL_CLOEXEC)), event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    BOOST_TEST_REQUIRE(set_.get() >= 0);
    BOOST_TEST_REQUIRE(event_.get() >= 0);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = event_.get();
    BOOST_TEST_REQUIRE(::epoll_ctl(set_.get(), EPOLL_CTL_ADD, event_.get(), &e) == 0);
  }
  int get() const { return set_.get(); }
  void fire() const {
    const uint64_t one = 1;
    BOOST_TEST_REQUIRE(::write(event_.get(), &one, sizeof one) == 8);
  }
  // What the loop does when it takes the wake (Loop::take_ticks).
  void take() const {
    uint64_t n = 0;
    [[maybe_unused]] const ssize_t r = ::read(event_.get(), &n, sizeof n);
  }

 private:
  UniqueFd set_;
  UniqueFd event_;
};

// A system call that a handled signal interrupts (no SA_RESTART): EINTR here
// means the interrupter's signal reached the thread outside RECV.
bool sleep_interrupted(long ns) {
  timespec t{0, ns};
  return ::nanosleep(&t, nullptr) != 0 && errno == EINTR;
}

int getppid_calls(const Channel& channel, int count) {
  for (int i = 0; i < count; ++i) {
    if (::syscall(SYS_getppid) != 7)
      return 1;
  }
  channel.put(1);
  return 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_blocked_recv_is_interrupted_when_the_set_fires) {
  NotifiedChild target = spawn_notified({"getppid"}, [](const Channel& channel) {
    channel.get<int>();  // never calls before the test is done
    return 0;
  });
  const NotifyFd& notify = target.notify;
  WatchedSet set;
  RecvInterrupter interrupter(set.get());
  std::atomic<int> outcome = -1;
  std::thread loop([&] {
    interrupter.following();
    BOOST_TEST(interrupter.enter_recv());
    const Received r = notify.receive();  // nothing pending: blocks
    outcome = static_cast<int>(r.outcome);
    BOOST_TEST(interrupter.leave_recv());
    interrupter.ended();
  });
  // Early or late, the wake gets through: a signal that came before RECV
  // began is sent again.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  set.fire();
  loop.join();
  BOOST_TEST(outcome.load() == static_cast<int>(RecvOutcome::Interrupted));
  target.child.channel().put(1);
  BOOST_TEST(target.child.wait() == 0);
}

BOOST_AUTO_TEST_CASE(a_wake_outside_recv_sends_no_signal_and_is_taken_before_the_next_recv) {
  WatchedSet set;
  RecvInterrupter interrupter(set.get());
  std::atomic<bool> busy = false;
  std::thread loop([&] {
    interrupter.following();
    busy = true;
    // Busy (answering, emulating): the wake waits for the next RECV, and
    // nothing interrupts this thread's system calls meanwhile.
    BOOST_TEST(!sleep_interrupted(300'000'000));
    BOOST_TEST(!interrupter.enter_recv());
    set.take();
    interrupter.ended();
  });
  while (!busy)
    std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // in its sleep by now
  set.fire();
  loop.join();
}

// A container calling back to back while the set fires over and over: every
// call is answered, the RECV is interrupted many times, and no signal ever
// lands outside it (in the sleep that stands for the answer's work, or in
// SEND).
BOOST_AUTO_TEST_CASE(no_signal_reaches_the_loop_outside_recv) {
  constexpr int kCalls = 20000;
  NotifiedChild target = spawn_notified(
      {"getppid"}, [](const Channel& channel) { return getppid_calls(channel, kCalls); });
  const NotifyFd& notify = target.notify;
  WatchedSet set;
  RecvInterrupter interrupter(set.get());
  std::atomic<bool> done = false;
  int answered = 0;
  int wakes = 0;
  int stray = 0;
  std::thread loop([&] {
    interrupter.following();
    while (answered < kCalls) {
      bool woken = !interrupter.enter_recv();
      if (!woken) {
        const Received r = notify.receive();
        woken = interrupter.leave_recv();
        if (r.outcome == RecvOutcome::Received) {
          stray += sleep_interrupted(1000) ? 1 : 0;
          if (notify.respond(r.notification.id, Response::return_value(7)) == SendOutcome::Sent)
            ++answered;
        }
      }
      if (woken) {
        ++wakes;
        set.take();
        stray += sleep_interrupted(1000) ? 1 : 0;
        interrupter.following();
      }
    }
    interrupter.ended();
    done = true;
  });
  while (!done) {
    set.fire();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  loop.join();
  BOOST_TEST(target.child.channel().get<int>() == 1);
  BOOST_TEST(target.child.wait() == 0);
  BOOST_TEST(answered == kCalls);
  BOOST_TEST(stray == 0);
  BOOST_TEST(wakes > 10, "wakes: " << wakes);
}
