#define BOOST_TEST_MODULE pidfd
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <thread>

#include "kernel/pidfd.hpp"
#include "support/child.hpp"
#include "support/printing.hpp"

using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

// A child that opens `path`, reports the fd number and waits to be killed.
Child holding_file(const std::string& path) {
  return Child::spawn([path](const Channel& channel) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    channel.put(fd);
    ::pause();
    return 0;
  });
}

std::string temp_file(const std::string& text) {
  char name[] = "/tmp/sa-pidfd-XXXXXX";
  const int fd = ::mkstemp(name);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST_REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  return name;
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill_ends_the_process) {
  Child child = Child::spawn([](const Channel& channel) {
    channel.put(1);
    ::pause();
    return 0;
  });
  child.channel().get<int>();
  const auto pidfd = Pidfd::open(child.pid());
  BOOST_TEST_REQUIRE(pidfd.has_value());
  BOOST_TEST(pidfd->kill() == SignalOutcome::Sent);
  BOOST_TEST(child.wait() == 128 + SIGKILL);
  // Reaped: the pidfd still names that process, and it is gone.
  BOOST_TEST(pidfd->kill() == SignalOutcome::AlreadyGone);
}

BOOST_AUTO_TEST_CASE(no_such_process) {
  // Above the largest pid_max the kernel allows (2^22).
  BOOST_TEST(!Pidfd::open((1 << 22) + 1).has_value());
}

BOOST_AUTO_TEST_CASE(borrow_a_callers_fd) {
  const std::string path = temp_file("borrowed");
  Child child = holding_file(path);
  const int their_fd = child.channel().get<int>();
  const auto pidfd = Pidfd::open(child.pid());
  BorrowedFd b = pidfd->borrow_fd(their_fd);
  BOOST_TEST_REQUIRE(b.outcome == BorrowOutcome::Borrowed);
  struct stat mine {
  }, theirs{};
  ::stat(path.c_str(), &mine);
  ::fstat(b.fd.get(), &theirs);
  BOOST_TEST(mine.st_ino == theirs.st_ino);
  BOOST_TEST((::fcntl(b.fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
  char text[16] = {};
  BOOST_TEST(::pread(b.fd.get(), text, sizeof text, 0) == 8);
  BOOST_TEST(std::string(text) == "borrowed");

  BOOST_TEST(pidfd->borrow_fd(999).outcome == BorrowOutcome::NoSuchFd);
  child.kill_and_wait();
  BOOST_TEST(pidfd->borrow_fd(their_fd).outcome == BorrowOutcome::TargetGone);
  ::unlink(path.c_str());
}

BOOST_AUTO_TEST_CASE(a_thread_of_the_caller) {
  // Notifications name threads; a non-leader thread's pidfd must open.
  const std::string path = temp_file("thread");
  Child child = Child::spawn([path](const Channel& channel) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    std::thread t([&] {
      channel.put(static_cast<pid_t>(::syscall(SYS_gettid)));
      channel.put(fd);
      ::pause();
    });
    t.join();
    return 0;
  });
  const auto tid = child.channel().get<pid_t>();
  const int their_fd = child.channel().get<int>();
  BOOST_TEST(tid != child.pid());
  const auto pidfd = Pidfd::open(tid);
  BOOST_TEST_REQUIRE(pidfd.has_value());
  BOOST_TEST(pidfd->borrow_fd(their_fd).outcome == BorrowOutcome::Borrowed);
  BOOST_TEST(pidfd->kill() == SignalOutcome::Sent);
  BOOST_TEST(child.wait() == 128 + SIGKILL);
  ::unlink(path.c_str());
}

BOOST_AUTO_TEST_CASE(no_fd_is_leaked) {
  const size_t before = count_open_fds();
  {
    const std::string path = temp_file("leak");
    Child child = holding_file(path);
    const int their_fd = child.channel().get<int>();
    const auto pidfd = Pidfd::open(child.pid());
    (void)pidfd->borrow_fd(their_fd);
    (void)pidfd->borrow_fd(999);
    pidfd->kill();
    child.wait();
    ::unlink(path.c_str());
  }
  BOOST_TEST(count_open_fds() == before);
}
