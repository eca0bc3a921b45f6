// How a loop waits for a followed container's next notification: blocked in
// SECCOMP_IOCTL_NOTIF_RECV on its fd, as the reference agent does. With
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP the kernel hands the notification to a
// thread blocked in RECV on the caller's CPU, and nothing stands between two
// notifications but RECV and SEND: no poll (bench/README.md, "Blocking in
// RECV").
//
// While its thread is in RECV the loop must still hear of its other
// containers and of its tick (the set in loop.hpp). The interrupter's own
// thread (the watcher) waits on that set during a follow and, when it fires,
// interrupts the RECV with a signal (signal_number(): its handler does
// nothing and is installed without SA_RESTART, so RECV returns EINTR).
//
// A signal must reach the loop's thread in RECV and nowhere else: an EINTR
// in a SEND or in an emulation's system call would fail a caller's call.
// The state says where the loop's thread is, and only the watcher signals:
//
//   Off          -> Busy          a follow starts or goes on (following())
//   Busy         -> InRecv        the loop is about to RECV (enter_recv())
//   InRecv       -> Busy          RECV came back by itself (leave_recv())
//   Busy         -> Wanted        the set fired outside RECV (watcher): no
//                                 signal; the loop sees it before its next RECV
//   InRecv       -> Interrupting  the set fired in RECV (watcher): it signals
//                                 the loop's thread, and again every kResend
//                                 for as long as the state stays so (a signal
//                                 that came just before RECV began found the
//                                 thread in user space, and RECV still waits)
//   Wanted       -> Away          the loop takes the wake (enter_recv())
//   Interrupting -> Away          the loop takes the wake (leave_recv()), having
//                                 first blocked the signal on its thread: one
//                                 the watcher sent since RECV returned stays
//                                 pending until following() unblocks it, in
//                                 user space
//   Away         -> Busy          the follow goes on (following()), once the
//                                 watcher has stopped signalling
//   any          -> Off           the follow ends (ended()), blocking the
//                                 signal as above when it was Interrupting
//
// Busy -> InRecv and InRecv -> Busy, one per notification, are the only
// steps on the hot path: two atomic operations, no system call.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "kernel/unique_fd.hpp"

namespace sa::agent {

class RecvInterrupter {
 public:
  // How long the watcher waits for an interrupted loop before it signals
  // again (see Interrupting above; in practice the first signal does it).
  static constexpr std::chrono::milliseconds kResend{1};

  // Watches `watched_set` (an epoll fd, not owned) during follows. Installs
  // the signal's handler (once per process) and starts the watcher; throws
  // std::system_error when the kernel refuses either.
  explicit RecvInterrupter(int watched_set);
  ~RecvInterrupter();
  RecvInterrupter(const RecvInterrupter&) = delete;
  RecvInterrupter& operator=(const RecvInterrupter&) = delete;

  // The signal that interrupts RECV (a real-time one, SIGRTMIN + 5).
  static int signal_number();
  // Every thread that may follow calls this once at its start: it may have
  // inherited a mask that blocks the signal.
  static void accept_signal_here();

  // Everything below on the loop's thread.

  // A follow starts, or goes on after a wake was taken, on this thread
  // (Off/Away -> Busy).
  void following();
  // Before each RECV: true when the loop may RECV now (Busy -> InRecv);
  // false when a wake came meanwhile, which the loop then takes (-> Away).
  bool enter_recv();
  // After each RECV: true when the watcher interrupted it, a wake the loop
  // now takes (-> Away); false when RECV came back by itself (-> Busy) or
  // the follow ended meanwhile (a removal).
  bool leave_recv();
  // The follow ends (-> Off).
  void ended();

 private:
  // Quit: the interrupter is being destroyed (its own futex waits end).
  enum class State : uint32_t { Off, Busy, InRecv, Wanted, Interrupting, Away, Quit };

  void run();
  // Waits while the state is `s`; false when told to quit.
  bool wait_while(State s);
  // The set fired: tell the loop (see Wanted and Interrupting above).
  void interrupt();
  void signal_until_taken();
  void set(State s);
  void wake_watcher();
  static void block_signal_here();

  std::atomic<uint32_t> state_ = static_cast<uint32_t>(State::Off);
  std::atomic<pid_t> follower_ = 0;       // the thread in the follow
  std::atomic<uint32_t> signalling_ = 0;  // 1 while the watcher may signal
  // 1 while the watcher waits for the state to change: the loop wakes it
  // only then (a futex wake is a system call).
  std::atomic<uint32_t> watcher_waits_ = 0;
  int watched_set_;
  kernel::UniqueFd quit_fd_;  // an eventfd: wakes the watcher's poll
  std::thread watcher_;
};

}  // namespace sa::agent
