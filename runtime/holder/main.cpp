// seccomp-agent-holder: holds duplicates of the agent's notify fds across
// its crashes and restarts (holder.hpp). Exit status: 0 on SIGTERM/SIGINT,
// 1 when it cannot start, 2 for bad usage.
#include <fmt/format.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>

#include "holder/holder.hpp"
#include "kernel/sys_error.hpp"
#include "kernel/unique_fd.hpp"

int main(int argc, char** argv) {
  CLI::App app{"seccomp-agent-holder: keep seccomp-agent's notify fds across its crashes"};
  sa::holder::HolderOptions o;
  std::string socket = "/run/seccomp-agent-holder.socket";
  unsigned give_up_s = 60;
  app.add_option("--socket", socket, "unix socket the agent's --holder names")
      ->capture_default_str();
  app.add_option("--allow-uid", o.allowed_uids, "a non-root uid allowed to connect (repeatable)");
  app.add_option("--give-up", give_up_s,
                 "seconds without an agent after which every fd held is closed (callers get "
                 "ENOSYS, as without a holder)")
      ->check(CLI::Range(1u, 86400u))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  o.socket_path = socket;
  o.give_up = std::chrono::seconds(give_up_s);
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  try {
    if (::sigprocmask(SIG_BLOCK, &stop, nullptr) != 0)
      sa::kernel::throw_errno("sigprocmask");
    sa::kernel::UniqueFd signals(::signalfd(-1, &stop, SFD_CLOEXEC));
    if (!signals)
      sa::kernel::throw_errno("signalfd");
    sa::holder::Holder holder(std::move(o));
    return holder.run(signals.get());
  } catch (const std::exception& e) {
    fmt::print(stderr, "seccomp-agent-holder: cannot serve: {}\n", e.what());
    return 1;
  }
}
