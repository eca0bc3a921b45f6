#define BOOST_TEST_MODULE notify_fd
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>

#include "kernel/notify_fd.hpp"
#include "support/child.hpp"
#include "support/printing.hpp"

using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

// The child makes one getppid() and reports what it got.
int getppid_once(const Channel& channel) {
  channel.put(call_result(::syscall(SYS_getppid)));
  return 0;
}

Notification receive_one(const NotifyFd& notify) {
  const Received r = notify.receive();
  BOOST_TEST_REQUIRE(r.outcome == RecvOutcome::Received);
  return r.notification;
}

void wait_pending(const NotifyFd& notify) {
  pollfd p{notify.get(), POLLIN, 0};
  BOOST_TEST_REQUIRE(::poll(&p, 1, -1) == 1);
}

bool kernel_at_least(int major, int minor) {
  utsname u{};
  ::uname(&u);
  int a = 0, b = 0;
  std::sscanf(u.release, "%d.%d", &a, &b);
  return a > major || (a == major && b >= minor);
}

}  // namespace

BOOST_AUTO_TEST_CASE(kernel_structure_sizes_cover_our_headers) {
  const NotifSizes& s = notif_sizes();
  BOOST_TEST(s.notif >= sizeof(seccomp_notif));
  BOOST_TEST(s.resp >= sizeof(seccomp_notif_resp));
  BOOST_TEST(s.data >= sizeof(seccomp_data));
}

BOOST_AUTO_TEST_CASE(continue_lets_the_real_syscall_run) {
  auto [child, notify] = spawn_notified({"getppid"}, getppid_once);
  const Notification n = receive_one(notify);
  BOOST_TEST(n.pid == child.pid());
  BOOST_TEST(n.nr == SYS_getppid);
  BOOST_TEST(notify.id_valid(n.id));
  BOOST_TEST(notify.respond(n.id, Response::continue_syscall()) == SendOutcome::Sent);
  BOOST_TEST(child.channel().get<CallResult>() == (CallResult{::getpid(), 0}));
  BOOST_TEST(!notify.id_valid(n.id));
  BOOST_TEST(child.wait() == 0);
}

BOOST_AUTO_TEST_CASE(errno_fails_the_syscall_without_running_it) {
  const std::string path = "/tmp/sa-notify-errno-" + std::to_string(::getpid());
  auto [child, notify] = spawn_notified({"mkdir"}, [&](const Channel& channel) {
    channel.put(call_result(::mkdir(path.c_str(), 0755)));
    return 0;
  });
  const Notification n = receive_one(notify);
  BOOST_TEST(n.args[1] == 0755u);
  BOOST_TEST(notify.respond(n.id, Response::fail(EPERM)) == SendOutcome::Sent);
  BOOST_TEST(child.channel().get<CallResult>() == (CallResult{-1, EPERM}));
  BOOST_TEST(!std::filesystem::exists(path));
  BOOST_TEST(child.wait() == 0);
}

BOOST_AUTO_TEST_CASE(return_value_is_what_the_caller_gets) {
  auto [child, notify] = spawn_notified({"getppid"}, getppid_once);
  const Notification n = receive_one(notify);
  notify.respond(n.id, Response::return_value(4242));
  BOOST_TEST(child.channel().get<CallResult>() == (CallResult{4242, 0}));
  BOOST_TEST(child.wait() == 0);
}

BOOST_AUTO_TEST_CASE(answering_a_killed_target_reports_it_gone) {
  auto [child, notify] = spawn_notified({"getppid"}, getppid_once);
  const Notification n = receive_one(notify);
  BOOST_TEST(notify.id_valid(n.id));
  child.kill_and_wait();
  BOOST_TEST(!notify.id_valid(n.id));
  BOOST_TEST(notify.respond(n.id, Response::continue_syscall()) == SendOutcome::TargetGone);
}

BOOST_AUTO_TEST_CASE(receiving_after_the_target_died_reports_it_gone) {
  auto [child, notify] = spawn_notified({"getppid"}, getppid_once);
  wait_pending(notify);
  child.kill_and_wait();
  BOOST_TEST(notify.receive().outcome == RecvOutcome::TargetGone);
}

BOOST_AUTO_TEST_CASE(a_signal_to_the_target_withdraws_the_notification) {
  // The interrupted syscall restarts after the handler: a new notification.
  auto [child, notify] = spawn_notified({"getppid"}, [](const Channel& channel) {
    struct sigaction sa {};
    sa.sa_handler = [](int) {};
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGUSR1, &sa, nullptr);
    channel.put(1);  // handler installed
    return getppid_once(channel);
  });
  BOOST_TEST(child.channel().get<int>() == 1);
  const Notification first = receive_one(notify);
  ::kill(child.pid(), SIGUSR1);
  const Notification second = receive_one(notify);
  BOOST_TEST(second.id != first.id);
  BOOST_TEST(!notify.id_valid(first.id));
  BOOST_TEST(notify.respond(first.id, Response::return_value(1)) == SendOutcome::TargetGone);
  notify.respond(second.id, Response::return_value(2));
  BOOST_TEST(child.channel().get<CallResult>() == (CallResult{2, 0}));
  BOOST_TEST(child.wait() == 0);
}

BOOST_AUTO_TEST_CASE(sync_wake_up_is_enabled_or_refused_clearly) {
  auto [child, notify] = spawn_notified({"getppid"}, getppid_once);
  const auto refusal = notify.enable_sync_wake_up();
  if (kernel_at_least(6, 6)) {
    BOOST_TEST(!refusal.has_value());
  } else {
    BOOST_TEST_REQUIRE(refusal.has_value());
    BOOST_TEST(refusal->err() == EINVAL);
    BOOST_TEST(std::string(refusal->what()).find("6.6") != std::string::npos);
  }
  const Notification n = receive_one(notify);
  notify.respond(n.id, Response::continue_syscall());
  BOOST_TEST(child.channel().get<CallResult>().ret == ::getpid());
  BOOST_TEST(child.wait() == 0);
}

// What a runtime hands over is checked before it is served: only a
// filter's listener is one.
BOOST_AUTO_TEST_CASE(only_a_filters_listener_is_a_notify_fd) {
  auto [child, notify] = spawn_notified({"getppid"}, getppid_once);
  BOOST_TEST(is_notify_fd(notify.get()));
  int pipe_fds[2];
  BOOST_TEST_REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  const UniqueFd read_end(pipe_fds[0]);
  const UniqueFd write_end(pipe_fds[1]);
  const UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const UniqueFd file(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
  const UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  for (int fd : {read_end.get(), null.get(), file.get(), epoll.get(), -1, 1 << 20})
    BOOST_TEST(!is_notify_fd(fd), "fd " << fd);
  const Notification n = receive_one(notify);
  notify.respond(n.id, Response::continue_syscall());
  BOOST_TEST(child.channel().get<CallResult>().ret == ::getpid());
  BOOST_TEST(child.wait() == 0);
}

BOOST_AUTO_TEST_CASE(a_bad_fd_throws_with_context) {
  NotifyFd bad{UniqueFd(::dup(STDERR_FILENO))};
  try {
    bad.id_valid(1);
    BOOST_FAIL("expected SysError");
  } catch (const SysError& e) {
    BOOST_TEST(std::string(e.what()).find("SECCOMP_IOCTL_NOTIF_ID_VALID") != std::string::npos);
    BOOST_TEST(e.err() == ENOTTY);
  }
}

BOOST_AUTO_TEST_CASE(no_fd_is_leaked) {
  const size_t before = count_open_fds();
  {
    auto [child, notify] = spawn_notified({"getppid"}, getppid_once);
    const Notification n = receive_one(notify);
    notify.respond(n.id, Response::continue_syscall());
    child.channel().get<CallResult>();
    child.wait();
  }
  BOOST_TEST(count_open_fds() == before);
}
