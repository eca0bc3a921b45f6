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
  std::string log() const;
  size_t open_fds() const;

  // sa-notify-launch --socket S --notify N -- sa-agent-probe ARGS...
  Run probe(const std::vector<std::string>& notify, const std::vector<std::string>& args,
            const std::string& cwd = {},
            const std::vector<std::string>& launcher_prefix = {}) const;

 private:
  std::filesystem::path dir_;
  std::string socket_;
  std::string table_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace sa::agent::testing
