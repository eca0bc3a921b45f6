// The real seccomp-agent, started as a child of the benchmark on a socket in
// a scratch directory, and targets handed to it exactly as runc hands over a
// container: the listener fd in SCM_RIGHTS with the ContainerProcessState
// JSON, on a fresh connection to the agent's socket.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "timed_target.hpp"

namespace sa::bench {

// `rulec -o DIR/out FILES...`; the table's path. Throws std::runtime_error
// with rulec's output when it fails.
std::filesystem::path compile_rules(const std::string& rulec, const std::filesystem::path& dir,
                                    const std::vector<std::filesystem::path>& files);

struct AgentConfig {
  std::string name;  // the socket's and log's file name, and shown in errors
  bool sync_wake_up = true;
  unsigned threads = 0;   // 0: the agent's default
  bool baseline = false;  // another build of the agent (--baseline-agent), for comparison
  std::vector<std::string> extra_args = {};  // more options, as given
};

// What an agent's log says about the containers it served.
struct AgentLogSummary {
  int registered = 0;    // containers registered with a policy
  int sync_wake_up = 0;  // ... of which with SYNC_WAKE_UP in force
  int complaints = 0;    // lines logged at warn level or above
  std::string first_complaint;
};

class AgentDaemon {
 public:
  // Starts `binary --socket DIR/NAME.sock --table TABLE ...` and waits until
  // it serves (the socket exists). Throws with the agent's log when it
  // exits or takes more than 5 s.
  AgentDaemon(const std::string& binary, const std::filesystem::path& table,
              const std::filesystem::path& dir, AgentConfig config);
  // SIGTERM and reap (SIGKILL after 5 s).
  ~AgentDaemon();
  AgentDaemon(const AgentDaemon&) = delete;
  AgentDaemon& operator=(const AgentDaemon&) = delete;

  const AgentConfig& config() const { return config_; }

  // Hands the target's listener to the agent, its listenerMetadata naming
  // `policy`, then closes the benchmark's copy as runc does: from then on
  // the agent alone answers the target.
  void adopt(TimedTarget& target, const std::string& policy) const;

  AgentLogSummary log_summary() const;

 private:
  AgentConfig config_;
  std::filesystem::path socket_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

}  // namespace sa::bench
