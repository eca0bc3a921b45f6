// Test harness for the agent at the kernel level: compiles rules with the
// real rulec, starts the real seccomp-agent, and runs commands under a real
// seccomp filter through sa-notify-launch. No container runtime involved.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace sa::agent::testing {

struct Run {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Runs argv to completion in `cwd` (empty: the current one).
Run run(const std::vector<std::string>& argv, const std::string& cwd = {});

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class AgentProcess {
 public:
  // Compiles `rules` (YAML text) and starts the agent on a socket in `dir`,
  // logging at debug level unless `extra_args` say otherwise.
  AgentProcess(const std::filesystem::path& dir, const std::string& rules,
               std::vector<std::string> extra_args = {});
  ~AgentProcess();

  const std::string& socket() const { return socket_; }
  pid_t pid() const { return pid_; }
  // Recompiles into the same table path (for SIGHUP tests).
  Run recompile(const std::string& rules);
  void signal(int sig) const;
  // SIGTERM, wait, and return everything the agent logged.
  std::string stop();
  // What the agent serving now logged (a successor logs to a file of its own).
  std::string log() const;

  struct Takeover {
    int previous_status = -1;  // the agent taken over from: its exit status
    int status = -1;           // the successor's, when it exited instead (-1: it serves)
    std::string previous_log;
    std::string successor_log;
  };
  // Starts the same agent with --takeover and waits until either the agent
  // serving now or the successor exits. From then on this object is the
  // successor (when it serves).
  Takeover take_over();

  struct Restart {
    int status = -1;  // the new agent's, when it exited instead (-1: it serves)
    std::string crashed_log;
    std::string log;
  };
  // SIGKILL, as a crash, then the same arguments again (no --takeover), as a
  // supervisor does; returns once the new agent logged "agent started" or
  // exited. From then on this object is the new agent.
  Restart crash_and_restart();
  size_t open_fds() const;

  // Options of sa-notify-launch for every probe from now on
  // ("--close-listener": the agent's copies of the listener are the only ones).
  std::vector<std::string> launcher_options;

  // sa-notify-launch --socket S --notify N -- sa-agent-probe ARGS...
  Run probe(const std::vector<std::string>& notify, const std::vector<std::string>& args,
            const std::string& cwd = {},
            const std::vector<std::string>& launcher_prefix = {}) const;

 private:
  std::filesystem::path dir_;
  std::string socket_;
  std::string table_;
  std::string log_path_;
  std::vector<std::string> argv_;
  unsigned successors_ = 0;
  pid_t pid_ = -1;
};

// seccomp-agent-holder on a socket in `dir` (the binary is the test's).
class HolderProcess {
 public:
  HolderProcess(const std::string& binary, const std::filesystem::path& dir,
                const std::vector<std::string>& extra_args = {});
  ~HolderProcess();
  const std::string& socket() const { return socket_; }
  pid_t pid() const { return pid_; }
  std::string log() const;
  // SIGTERM, wait, and return everything it logged.
  std::string stop();

 private:
  std::string socket_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace sa::agent::testing
