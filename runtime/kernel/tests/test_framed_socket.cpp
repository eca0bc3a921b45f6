// Frames with fds over a unix socket pair: as many fds as one message can
// carry (SCM_MAX_FD), frames that follow one another without mixing their
// bytes or fds, and refusals that close what came.
#define BOOST_TEST_MODULE framed_socket
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <vector>

#include "kernel/framed_socket.hpp"
#include "kernel/scm_rights.hpp"
#include "kernel/sys_error.hpp"

using namespace sa::kernel;

namespace {

struct Pair {
  Pair() {
    int fds[2];
    BOOST_TEST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    a.reset(fds[0]);
    b.reset(fds[1]);
    set_io_timeout(b.get(), std::chrono::milliseconds(5000));
  }
  UniqueFd a;
  UniqueFd b;
};

ino_t inode_of(int fd) {
  struct stat st {};
  BOOST_TEST_REQUIRE(::fstat(fd, &st) == 0);
  return st.st_ino;
}

}  // namespace

BOOST_AUTO_TEST_CASE(frames_carry_up_to_scm_max_fd_and_do_not_mix) {
  Pair p;
  const UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  std::vector<int> many(kMaxPassedFds, null.get());
  send_frame(p.a.get(), R"({"first":true})", many);
  send_frame(p.a.get(), "second", std::span<const int>(many).first(1));
  send_frame(p.a.get(), "");
  const Frame first = receive_frame(p.b.get(), 1024, kMaxPassedFds);
  BOOST_TEST(first.body == R"({"first":true})");
  BOOST_TEST_REQUIRE(first.fds.size() == kMaxPassedFds);
  BOOST_TEST(inode_of(first.fds.back().get()) == inode_of(null.get()));
  const Frame second = receive_frame(p.b.get(), 1024, kMaxPassedFds);
  BOOST_TEST(second.body == "second");
  BOOST_TEST(second.fds.size() == 1u);
  const Frame third = receive_frame(p.b.get(), 1024, 0);
  BOOST_TEST(third.body.empty());
  BOOST_TEST(third.fds.empty());
  std::vector<int> too_many(kMaxPassedFds + 1, null.get());
  BOOST_CHECK_THROW(send_frame(p.a.get(), "x", too_many), SysError);
}

BOOST_AUTO_TEST_CASE(refusals_say_why) {
  Pair p;
  const UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int two[2] = {null.get(), null.get()};
  send_frame(p.a.get(), "x", two);
  BOOST_CHECK_EXCEPTION(receive_frame(p.b.get(), 1024, 1), SysError,
                        [](const SysError& e) { return e.err() == EBADMSG; });
  Pair q;
  send_frame(q.a.get(), std::string(2048, 'x'));
  BOOST_CHECK_EXCEPTION(receive_frame(q.b.get(), 1024, 0), SysError,
                        [](const SysError& e) { return e.err() == EMSGSIZE; });
  Pair r;
  const char partial[] = {0, 0, 0, 9, 'a'};
  BOOST_TEST_REQUIRE(::send(r.a.get(), partial, sizeof partial, 0) == 5);
  r.a.reset();
  BOOST_CHECK_EXCEPTION(receive_frame(r.b.get(), 1024, 0), SysError,
                        [](const SysError& e) { return e.err() == ECONNRESET; });
}
