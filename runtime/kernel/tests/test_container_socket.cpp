#define BOOST_TEST_MODULE container_socket
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <thread>
#include <variant>

#include "kernel/container_socket.hpp"
#include "kernel/scm_rights.hpp"
#include "support/child.hpp"
#include "support/connect.hpp"
#include "support/fixtures.hpp"
#include "support/printing.hpp"

namespace fs = std::filesystem;
using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/sa-socket-XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
  }
  ~TempDir() { fs::remove_all(path); }
};

// Connects, sends `text` with `fds` as a runtime does, and closes.
void send_message(const fs::path& path, const std::string& text, std::span<const int> fds) {
  const UniqueFd client = connect_unix(path.string());
  send_with_fds(client.get(), text, fds);
}

// Guards the test against hanging if a client failed to connect.
void wait_for_connection(const ContainerSocket& socket) {
  pollfd p{socket.get(), POLLIN, 0};
  BOOST_TEST_REQUIRE(::poll(&p, 1, 10000) == 1);
}

Accepted accept_one(const ContainerSocket& socket) {
  wait_for_connection(socket);
  Accepted a = socket.accept();
  BOOST_TEST_REQUIRE(a.outcome == AcceptOutcome::Accepted);
  return a;
}

std::string error_of(const MessageResult& r) {
  const auto* e = std::get_if<MessageError>(&r);
  return e != nullptr ? e->message : "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_socket_is_private_and_removed_afterwards) {
  TempDir dir;
  const fs::path path = dir.path / "agent.sock";
  {
    const ContainerSocket socket = ContainerSocket::listen(path);
    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST(S_ISSOCK(st.st_mode));
    BOOST_TEST((st.st_mode & 07777) == 0600u);
    BOOST_TEST(fs::is_empty(dir.path) == false);
  }
  BOOST_TEST(!fs::exists(path));
  BOOST_TEST(fs::is_empty(dir.path));  // no temporary name left behind
}

BOOST_AUTO_TEST_CASE(a_stale_socket_is_replaced) {
  TempDir dir;
  const fs::path path = dir.path / "agent.sock";
  { const ContainerSocket stale = ContainerSocket::listen(path); }
  {
    // A crashed agent leaves its socket file behind.
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    BOOST_TEST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  BOOST_TEST_REQUIRE(fs::is_socket(path));
  const ContainerSocket socket = ContainerSocket::listen(path);
  const UniqueFd client = connect_unix(path.string());
  BOOST_TEST(socket.accept().outcome == AcceptOutcome::Accepted);
}

BOOST_AUTO_TEST_CASE(a_live_socket_is_not_taken_over) {
  TempDir dir;
  const fs::path path = dir.path / "agent.sock";
  const ContainerSocket first = ContainerSocket::listen(path);
  try {
    ContainerSocket::listen(path);
    BOOST_FAIL("expected SysError");
  } catch (const SysError& e) {
    BOOST_TEST(e.err() == EADDRINUSE);
  }
  // The probe's connection is pending on the first socket; it still works.
  BOOST_TEST(first.accept().outcome == AcceptOutcome::Accepted);
  BOOST_TEST(fs::is_socket(path));
}

BOOST_AUTO_TEST_CASE(anything_but_a_socket_is_left_alone) {
  TempDir dir;
  const fs::path path = dir.path / "agent.sock";
  std::ofstream(path) << "precious";
  try {
    ContainerSocket::listen(path);
    BOOST_FAIL("expected SysError");
  } catch (const SysError& e) {
    BOOST_TEST(std::string(e.what()).find("is not a socket") != std::string::npos, e.what());
  }
  std::ifstream in(path);
  std::string text;
  in >> text;
  BOOST_TEST(text == "precious");
}

BOOST_AUTO_TEST_CASE(the_parent_directory_must_exist) {
  TempDir dir;
  const fs::path path = dir.path / "missing" / "agent.sock";
  try {
    ContainerSocket::listen(path);
    BOOST_FAIL("expected SysError");
  } catch (const SysError& e) {
    BOOST_TEST(e.err() == ENOENT);
    BOOST_TEST(std::string(e.what()).find((dir.path / "missing").string()) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_runtime_message_with_its_fd) {
  TempDir dir;
  const ContainerSocket socket = ContainerSocket::listen(dir.path / "agent.sock");
  auto fds = some_fds(1);
  const int sent[] = {fds[0].get()};
  send_message(socket.path(), fixture("crun.json"), sent);
  Accepted a = accept_one(socket);
  BOOST_TEST(a.peer.uid == 0u);
  BOOST_TEST(a.peer.pid == ::getpid());
  MessageResult r = read_container_message(a.connection.get());
  BOOST_TEST_REQUIRE(std::holds_alternative<ContainerMessage>(r), error_of(r));
  const ContainerMessage& m = std::get<ContainerMessage>(r);
  BOOST_TEST(m.state.id == "sa-fixture-crun");
  struct stat ours {
  }, received{};
  ::fstat(fds[0].get(), &ours);
  ::fstat(m.seccomp_fd.get(), &received);
  BOOST_TEST(ours.st_ino == received.st_ino);
  BOOST_TEST(m.seccomp_fd.get() != fds[0].get());
}

BOOST_AUTO_TEST_CASE(peers_other_than_root_need_to_be_allowed) {
  TempDir dir;
  const fs::path path = dir.path / "agent.sock";
  fs::permissions(dir.path, fs::perms(0755));
  for (const bool allowed : {false, true}) {
    const ContainerSocket socket =
        ContainerSocket::listen(path, allowed ? std::vector<uid_t>{1234} : std::vector<uid_t>{});
    // Opened up only so that uid 1234 can connect at all.
    fs::permissions(path, fs::perms(0666));
    Child client = Child::spawn([&](const Channel& channel) {
      if (::setresgid(1234, 1234, 1234) != 0 || ::setresuid(1234, 1234, 1234) != 0)
        return 1;
      const UniqueFd fd = connect_unix(path.string());
      channel.get<int>();  // until the agent has looked at us
      return 0;
    });
    wait_for_connection(socket);
    const Accepted a = socket.accept();
    BOOST_TEST(a.outcome == (allowed ? AcceptOutcome::Accepted : AcceptOutcome::Refused));
    BOOST_TEST(a.peer.uid == 1234u);
    BOOST_TEST(a.peer.pid == client.pid());
    BOOST_TEST(a.connection.valid() == allowed);
    client.channel().put(1);
    BOOST_TEST(client.wait() == 0);
  }
}

BOOST_AUTO_TEST_CASE(a_2_mib_message_is_refused) {
  TempDir dir;
  const ContainerSocket socket = ContainerSocket::listen(dir.path / "agent.sock");
  const size_t before = count_open_fds();
  {
    auto fds = some_fds(1);
    const int sent[] = {fds[0].get()};
    const std::string big = std::string(2 << 20, ' ') + fixture("runc.json");
    std::thread runtime([&] {
      try {
        send_message(socket.path(), big, sent);
      } catch (const SysError&) {
        // The agent hangs up half way: EPIPE.
      }
    });
    Accepted a = accept_one(socket);
    const MessageResult r = read_container_message(a.connection.get());
    a.connection.reset();
    runtime.join();
    BOOST_TEST(error_of(r) == "container message: message exceeds 1048576 bytes");
  }
  BOOST_TEST(count_open_fds() == before);
}

BOOST_AUTO_TEST_CASE(too_many_fds_truncate_and_are_all_closed) {
  TempDir dir;
  const ContainerSocket socket = ContainerSocket::listen(dir.path / "agent.sock");
  const size_t before = count_open_fds();
  {
    auto fds = some_fds(3);
    const int sent[] = {fds[0].get(), fds[1].get(), fds[2].get()};
    send_message(socket.path(), fixture("runc.json"), sent);
    Accepted a = accept_one(socket);
    MessageLimits limits;
    limits.max_fds = 2;
    const MessageResult r = read_container_message(a.connection.get(), limits);
    BOOST_TEST(error_of(r) == "container message: more than 2 fds (control message truncated)");
  }
  BOOST_TEST(count_open_fds() == before);
}

BOOST_AUTO_TEST_CASE(a_message_without_fds) {
  TempDir dir;
  const ContainerSocket socket = ContainerSocket::listen(dir.path / "agent.sock");
  send_message(socket.path(), fixture("runc.json"), {});
  Accepted a = accept_one(socket);
  BOOST_TEST(error_of(read_container_message(a.connection.get())) ==
             "container message: fds names 1 descriptors but 0 arrived");
}

BOOST_AUTO_TEST_CASE(a_peer_that_never_finishes_is_dropped) {
  TempDir dir;
  const ContainerSocket socket = ContainerSocket::listen(dir.path / "agent.sock");
  const UniqueFd client = connect_unix(socket.path().string());
  BOOST_TEST_REQUIRE(::send(client.get(), "{\"oci", 5, 0) == 5);
  Accepted a = accept_one(socket);
  MessageLimits limits;
  limits.timeout = std::chrono::milliseconds(50);
  BOOST_TEST(error_of(read_container_message(a.connection.get(), limits)) ==
             "container message: peer did not finish its message within 50 ms");
}
