#include "agent/recv_interrupter.hpp"

#include <linux/futex.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <mutex>
#include <system_error>

namespace sa::agent {
namespace {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "the state is a futex word");

uint32_t* futex_word(std::atomic<uint32_t>& a) {
  return reinterpret_cast<uint32_t*>(&a);  // NOLINT: a futex is waited on by address
}

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, const timespec* timeout) {
  ::syscall(SYS_futex, futex_word(word), FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
}

void futex_wake(std::atomic<uint32_t>& word) {
  ::syscall(SYS_futex, futex_word(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

pid_t this_thread_id() {
  static thread_local const pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
  return tid;
}

// Whether this thread blocks the signal (leave_recv() and ended() block it;
// following() unblocks it): saves a system call per follow when it does not.
thread_local bool signal_blocked_here = false;

void on_signal(int) {}  // its delivery is its whole purpose: RECV returns EINTR

void install_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_flags = 0;  // no SA_RESTART: RECV must return, not start again
  ::sigemptyset(&sa.sa_mask);
  if (::sigaction(RecvInterrupter::signal_number(), &sa, nullptr) != 0)
    throw std::system_error(errno, std::generic_category(), "sigaction (the follow's signal)");
}

void change_signal_mask(int how) {
  sigset_t set;
  ::sigemptyset(&set);
  ::sigaddset(&set, RecvInterrupter::signal_number());
  ::pthread_sigmask(how, &set, nullptr);
}

}  // namespace

int RecvInterrupter::signal_number() {
  return SIGRTMIN + 5;
}

void RecvInterrupter::accept_signal_here() {
  change_signal_mask(SIG_UNBLOCK);
  signal_blocked_here = false;
}

void RecvInterrupter::block_signal_here() {
  change_signal_mask(SIG_BLOCK);
  signal_blocked_here = true;
}

RecvInterrupter::RecvInterrupter(int watched_set) : watched_set_(watched_set) {
  static std::once_flag installed;
  std::call_once(installed, install_handler);
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "eventfd (the follow's watcher)");
  quit_fd_ = kernel::UniqueFd(fd);
  watcher_ = std::thread([this] { run(); });
}

RecvInterrupter::~RecvInterrupter() {
  state_.store(static_cast<uint32_t>(State::Quit));
  futex_wake(state_);  // whether or not it says it waits
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(quit_fd_.get(), &one, sizeof one);
  watcher_.join();
}

void RecvInterrupter::set(State s) {
  state_.store(static_cast<uint32_t>(s));
  wake_watcher();
}

void RecvInterrupter::wake_watcher() {
  // Seen 0: the watcher had not yet said it waits, and it reads the state
  // after saying so (both sequentially consistent), so it sees this one.
  if (watcher_waits_.load() != 0)
    futex_wake(state_);
}

void RecvInterrupter::following() {
  // A round of signals the watcher may still be in (it may have seen
  // Interrupting just before the loop left it) ends first: none of them
  // then reaches this thread, or another one, once it is out of RECV.
  while (signalling_.load() != 0)
    futex_wait(signalling_, 1, nullptr);
  follower_.store(this_thread_id());
  if (signal_blocked_here)
    accept_signal_here();  // one left pending is delivered here, harmlessly
  set(State::Busy);
}

bool RecvInterrupter::enter_recv() {
  auto s = static_cast<uint32_t>(State::Busy);
  if (state_.compare_exchange_strong(s, static_cast<uint32_t>(State::InRecv)))
    return true;
  if (s == static_cast<uint32_t>(State::Wanted))
    set(State::Away);
  return false;
}

bool RecvInterrupter::leave_recv() {
  auto s = static_cast<uint32_t>(State::InRecv);
  if (state_.compare_exchange_strong(s, static_cast<uint32_t>(State::Busy)))
    return false;
  if (s != static_cast<uint32_t>(State::Interrupting))
    return false;  // Off: the follow ended meanwhile
  // Blocked before the watcher hears that the loop left RECV: no signal of
  // its can interrupt anything else from now on.
  block_signal_here();
  set(State::Away);
  return true;
}

void RecvInterrupter::ended() {
  // From Interrupting the loop is out of RECV (a removal ended the follow),
  // and the watcher may signal until it sees Off: blocked then, as above.
  if (state_.exchange(static_cast<uint32_t>(State::Off)) ==
      static_cast<uint32_t>(State::Interrupting))
    block_signal_here();
  wake_watcher();
}

bool RecvInterrupter::wait_while(State s) {
  watcher_waits_.store(1);
  while (state_.load() == static_cast<uint32_t>(s))
    futex_wait(state_, static_cast<uint32_t>(s), nullptr);
  watcher_waits_.store(0);
  return state_.load() != static_cast<uint32_t>(State::Quit);
}

void RecvInterrupter::run() {
  block_signal_here();  // the watcher never takes it
  for (;;) {
    if (!wait_while(State::Off))
      return;
    const auto s = static_cast<State>(state_.load());
    switch (s) {
      case State::Busy:
      case State::InRecv:
        break;
      case State::Off:
        continue;
      case State::Quit:
        return;
      case State::Wanted:
      case State::Interrupting:
      case State::Away:
        // The loop has a wake to take, or is taking one: wait for it.
        if (!wait_while(s))
          return;
        continue;
    }
    pollfd fds[2] = {{watched_set_, POLLIN, 0}, {quit_fd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      // ENOMEM, in theory: never give up, or a follow's RECV would wait for
      // good; the state is read again first.
      if (errno != EINTR)
        std::this_thread::sleep_for(kResend);
      continue;
    }
    if ((fds[1].revents & POLLIN) != 0)
      return;  // the destructor's
    if ((fds[0].revents & POLLIN) != 0)
      interrupt();
  }
}

void RecvInterrupter::interrupt() {
  for (;;) {
    uint32_t s = state_.load();
    switch (static_cast<State>(s)) {
      case State::Busy:
        if (state_.compare_exchange_strong(s, static_cast<uint32_t>(State::Wanted)))
          return;
        continue;
      case State::InRecv: {
        // Raised before the state says Interrupting: following() waits for
        // it to come down before the loop may leave the signal unblocked.
        signalling_.store(1);
        const bool interrupting =
            state_.compare_exchange_strong(s, static_cast<uint32_t>(State::Interrupting));
        if (interrupting)
          signal_until_taken();
        signalling_.store(0);
        futex_wake(signalling_);
        if (interrupting)
          return;
        continue;
      }
      case State::Off:  // the follow ended by itself
      case State::Quit:
      case State::Wanted:
      case State::Interrupting:
      case State::Away:
        return;
    }
  }
}

void RecvInterrupter::signal_until_taken() {
  static_assert(kResend < std::chrono::seconds(1), "a timespec's nanoseconds");
  const timespec resend{0, std::chrono::nanoseconds(kResend).count()};
  const auto interrupting = static_cast<uint32_t>(State::Interrupting);
  while (state_.load() == interrupting) {
    // ESRCH: the thread has ended (the watchdog gave the loop to another);
    // the state then changes without it.
    ::syscall(SYS_tgkill, ::getpid(), follower_.load(), signal_number());
    watcher_waits_.store(1);
    if (state_.load() == interrupting)
      futex_wait(state_, interrupting, &resend);
    watcher_waits_.store(0);
  }
}

}  // namespace sa::agent
