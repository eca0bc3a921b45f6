// sa-notify-launch: runs a command under a real seccomp filter whose notify
// fd goes to an agent's socket exactly as runc hands it over, so that the
// agent can be tested at the kernel level without a container runtime.
//
//   sa-notify-launch --socket /run/agent.sock --notify mkdir,mount
//       --id test1 --annotation io.kubernetes.pod.name=p -- /bin/busybox mkdir /x
//
// Like runc: the child installs the filter (SCMP_ACT_NOTIFY for the listed
// syscalls, a new listener), hands the listener to the launcher, which sends
// the ContainerProcessState JSON with the fd in SCM_RIGHTS; only then does
// the child exec the command. The launcher keeps its copy of the listener
// until the command ends (a call nobody answers then waits instead of
// failing ENOSYS), unless --close-listener: then it closes it at once, as
// runc does, and the agent's copies are the only ones. Exits with the command's
// status (128 + signal when killed).
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "kernel/scm_rights.hpp"
#include "kernel/sys_error.hpp"
#include "support/child.hpp"
#include "support/connect.hpp"
#include "support/runtime_message.hpp"
#include "support/seccomp_filter.hpp"

using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

struct Options {
  std::string socket;
  std::vector<std::string> notify;
  ProcessState state;
  std::vector<std::string> annotations;
  std::vector<std::string> command;
  bool close_listener = false;
};

// The child: filter, hand over the listener, wait for the go, exec.
[[noreturn]] void run_child(const Options& o, const Channel& channel) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  {
    const UniqueFd listener = install_notify_filter(o.notify);
    channel.send_fd(listener.get());
  }
  channel.get<int>();
  std::vector<char*> argv;
  for (const std::string& arg : o.command) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  std::cerr << "sa-notify-launch: exec " << o.command[0] << ": " << std::strerror(errno)
            << std::endl;
  ::_exit(127);
}

int launch(Options o) {
  for (const std::string& a : o.annotations) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos) {
      throw std::invalid_argument("annotation without '=': " + a);
    }
    o.state.annotations[a.substr(0, eq)] = a.substr(eq + 1);
  }
  (void)resolve_syscalls(o.notify);  // report a bad name here, not in the child
  Child child = Child::spawn([&](const Channel& channel) -> int { run_child(o, channel); });
  UniqueFd listener = child.channel().receive_fd();
  o.state.pid = child.pid();
  if (o.state.id.empty()) {
    o.state.id = "sa-launch-" + std::to_string(child.pid());
  }
  {
    const UniqueFd agent = connect_unix(o.socket);
    const int fds[] = {listener.get()};
    send_with_fds(agent.get(), container_process_state(o.state), fds);
  }
  if (o.close_listener)
    listener.reset();
  child.channel().put(1);
  return child.wait();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run a command under a seccomp notify filter handed to an agent as runc does"};
  Options o;
  o.state.bundle = std::filesystem::current_path().string();
  app.add_option("--socket", o.socket, "the agent's socket (listenerPath)")->required();
  app.add_option("--notify", o.notify, "syscalls that notify the agent")
      ->required()
      ->delimiter(',');
  app.add_option("--id", o.state.id, "container id (default sa-launch-PID)");
  app.add_option("--status", o.state.status, "container status sent")
      ->check(CLI::IsMember({"creating", "created", "running"}));
  app.add_option("--bundle", o.state.bundle, "bundle path sent (default: the cwd)");
  app.add_option("--metadata", o.state.metadata, "listenerMetadata sent");
  app.add_option("--annotation", o.annotations, "KEY=VALUE, repeatable");
  app.add_flag("--close-listener", o.close_listener,
               "close the launcher's copy of the listener once sent, as runc does");
  app.add_option("command", o.command, "the command and its arguments")->required();
  app.positionals_at_end();
  CLI11_PARSE(app, argc, argv);
  try {
    return launch(std::move(o));
  } catch (const std::exception& e) {
    std::cerr << "sa-notify-launch: " << e.what() << std::endl;
    return 125;
  }
}
