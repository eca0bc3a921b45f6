#define BOOST_TEST_MODULE launcher
#include <poll.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <variant>

#include "kernel/caller_memory.hpp"
#include "kernel/container_socket.hpp"
#include "kernel/emulate.hpp"
#include "support/child.hpp"
#include "support/printing.hpp"

namespace fs = std::filesystem;
using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

// Runs sa-notify-launch with `args`; returns the child running it.
Child launcher(std::vector<std::string> args) {
  args.insert(args.begin(), SA_NOTIFY_LAUNCH);
  return Child::spawn([args](const Channel&) {
    std::vector<char*> argv;
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    return 126;
  });
}

struct Agent {
  fs::path dir;
  std::optional<ContainerSocket> socket;
  Agent() {
    char name[] = "/tmp/sa-launch-XXXXXX";
    BOOST_TEST_REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
    socket.emplace(ContainerSocket::listen(dir / "agent.sock"));
  }
  ~Agent() {
    socket.reset();
    fs::remove_all(dir);
  }
  // The one message a launch sends.
  ContainerMessage receive() {
    pollfd p{socket->get(), POLLIN, 0};
    BOOST_TEST_REQUIRE(::poll(&p, 1, 10000) == 1);
    Accepted a = socket->accept();
    BOOST_TEST_REQUIRE(a.outcome == AcceptOutcome::Accepted);
    MessageResult r = read_container_message(a.connection.get());
    BOOST_TEST_REQUIRE(std::holds_alternative<ContainerMessage>(r));
    return std::move(std::get<ContainerMessage>(r));
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_message_is_runcs_and_the_filter_is_real) {
  Agent agent;
  const std::string path = (agent.dir / "refused").string();
  Child run = launcher({"--socket", (agent.dir / "agent.sock").string(), "--notify", "mkdir,mount",
                        "--id", "launch1", "--annotation", "io.kubernetes.pod.name=p1",
                        "--annotation", "io.kubernetes.pod.namespace=ns1", "--metadata", "K=V",
                        "--", "/bin/busybox", "mkdir", path});
  ContainerMessage m = agent.receive();
  BOOST_TEST(m.state.id == "launch1");
  BOOST_TEST(m.state.status == ContainerStatus::Creating);
  BOOST_TEST(m.state.annotations.at("io.kubernetes.pod.name") == "p1");
  BOOST_TEST(m.state.annotations.at("io.kubernetes.pod.namespace") == "ns1");
  BOOST_TEST(m.metadata == "K=V");
  BOOST_TEST(m.pid == m.state.pid);
  NotifyFd notify(std::move(m.seccomp_fd));
  const Received r = notify.receive();
  BOOST_TEST_REQUIRE(r.outcome == RecvOutcome::Received);
  BOOST_TEST(r.notification.pid == m.pid);  // exec keeps the pid
  const StringRequest request{r.notification.args[0], kPathLimit};
  BOOST_TEST(read_caller_strings(notify, r.notification, {&request, 1}).values.at(0).value == path);
  notify.respond(r.notification.id, Response::fail(EPERM));
  BOOST_TEST(run.wait() == 1);  // busybox mkdir reports the failure
  BOOST_TEST(!fs::exists(path));
}

BOOST_AUTO_TEST_CASE(an_emulated_mkdir_through_the_launcher) {
  Agent agent;
  const std::string path = (agent.dir / "made").string();
  Child run = launcher({"--socket", (agent.dir / "agent.sock").string(), "--notify", "mkdir", "--",
                        "/bin/busybox", "mkdir", "-m", "0700", path});
  ContainerMessage m = agent.receive();
  NotifyFd notify(std::move(m.seccomp_fd));
  const Received r = notify.receive();
  const StringRequest request{r.notification.args[0], kPathLimit};
  const std::string read =
      read_caller_strings(notify, r.notification, {&request, 1}).values.at(0).value;
  const EmulationResult e =
      emulate_mkdir(notify, r.notification, read, static_cast<mode_t>(r.notification.args[1]));
  BOOST_TEST_REQUIRE(e.outcome == EmulationOutcome::Done);
  notify.respond(r.notification.id, e.response());
  BOOST_TEST(run.wait() == 0);
  BOOST_TEST(fs::is_directory(path));
}

BOOST_AUTO_TEST_CASE(an_unknown_syscall_is_reported) {
  Agent agent;
  Child run = launcher(
      {"--socket", (agent.dir / "agent.sock").string(), "--notify", "mkdri", "--", "/bin/true"});
  BOOST_TEST(run.wait() == 125);
}
