// seccomp-agent: receives seccomp notify fds from container runtimes and
// decides every intercepted syscall with a table compiled by rulec.
// Exit status: 0 after SIGTERM/SIGINT or a hand-over to a successor, 1 when
// it cannot start (bad table, socket in use, a --takeover that failed...),
// 2 for bad usage.
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "agent/agent.hpp"
#include "agent/log.hpp"

int main(int argc, char** argv) {
  CLI::App app{"seccomp-agent: serve seccomp user notifications for containers"};
  sa::agent::AgentOptions o;
  std::string format = "text";
  std::string level = "info";
  std::string metrics;
  std::string sync = "on";
  app.add_option("--socket", o.socket_path,
                 "unix socket runtimes connect to (the profiles' listenerPath)")
      ->capture_default_str();
  app.add_option("--table", o.table_path, "decision table written by rulec")->required();
  app.add_option("--record", o.record_path,
                 "append every notification and decision to this trace (JSON Lines)");
  app.add_option("--log-format", format, "log format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--log-level", level, "least severe level logged")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--metrics", metrics, "serve Prometheus metrics on HOST:PORT (/metrics)");
  app.add_option("--allow-uid", o.allowed_uids,
                 "a non-root uid allowed to hand over fds (repeatable)");
  app.add_option("--sync-wake-up", sync,
                 "SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP where the kernel has it")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_option("--threads", o.threads,
                 "notification loops, a thread and a reactor each; containers are spread over them")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  unsigned emulation_timeout_ms = 5000;
  app.add_option("--emulation-timeout", emulation_timeout_ms,
                 "milliseconds an emulation may take; past them its caller gets ETIMEDOUT and "
                 "its loop goes on with a new thread")
      ->check(CLI::Range(10u, 3600000u))
      ->capture_default_str();
  app.add_flag("--takeover", o.takeover,
               "take the socket and every container over from the agent running with the same "
               "--socket, which then exits (upgrade without a gap)");
  app.add_option("--holder", o.holder_path,
                 "seccomp-agent-holder's socket: every container is deposited there, and the "
                 "agent started again after a crash (same arguments) takes them back");
  app.add_option("--falco-socket", o.falco_socket,
                 "unix socket of Kinvolk's Falco plugin, where the containers whose policy says "
                 "`publish: [{to: falco}]` (MIDDLEWARE=falco) publish every notification")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  o.sync_wake_up = sync == "on";
  o.emulation_timeout = std::chrono::milliseconds(emulation_timeout_ms);
  if (!metrics.empty()) {
    try {
      o.metrics = sa::agent::parse_endpoint(metrics);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "seccomp-agent: --metrics {}: {}\n", metrics, e.what());
      return 2;
    }
  }
  sa::agent::init_logging(format == "json" ? sa::agent::LogFormat::Json
                                           : sa::agent::LogFormat::Text);
  spdlog::set_level(spdlog::level::from_str(level));
  // A runtime that connects and goes away must not kill the agent.
  std::signal(SIGPIPE, SIG_IGN);
  // Each container holds 3 fds (its notify fd, a dup the reactor watches,
  // a pidfd of its init): a service manager's usual soft limit of 1024
  // would stop registration at about 330 containers. The hard limit is
  // what the administrator allows; take it.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  try {
    sa::agent::Agent agent(std::move(o));
    return agent.run();
  } catch (const std::exception& e) {
    sa::agent::log_event(spdlog::level::critical, "cannot start", {{"error", e.what()}});
    return 1;
  }
}
