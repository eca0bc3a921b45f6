#include "agent_daemon.hpp"

#include <signal.h>

#include <sstream>
#include <stdexcept>
#include <thread>

#include "kernel/scm_rights.hpp"
#include "process.hpp"
#include "support/connect.hpp"
#include "support/runtime_message.hpp"

namespace sa::bench {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

}  // namespace

fs::path compile_rules(const std::string& rulec, const fs::path& dir,
                       const std::vector<fs::path>& files) {
  std::vector<std::string> argv = {rulec, "-o", (dir / "out").string()};
  for (const fs::path& f : files) {
    argv.push_back(f.string());
  }
  const fs::path log = dir / "rulec.log";
  if (run_logged(argv, log) != 0) {
    throw std::runtime_error("rulec failed:\n" + read_text(log));
  }
  return dir / "out" / "table.json";
}

AgentDaemon::AgentDaemon(const std::string& binary, const fs::path& table, const fs::path& dir,
                         AgentConfig config)
    : config_(std::move(config)),
      socket_(dir / (config_.name + ".sock")),
      log_(dir / (config_.name + ".log")) {
  // Production settings otherwise: info-level text logs (no line per
  // decision), no recording, no metrics endpoint.
  std::vector<std::string> argv = {binary,
                                   "--socket",
                                   socket_.string(),
                                   "--table",
                                   table.string(),
                                   "--sync-wake-up",
                                   config_.sync_wake_up ? "on" : "off"};
  if (config_.threads > 0) {
    argv.insert(argv.end(), {"--threads", std::to_string(config_.threads)});
  }
  argv.insert(argv.end(), config_.extra_args.begin(), config_.extra_args.end());
  pid_ = spawn_logged(argv, log_);
  // The agent binds under a temporary name and renames the socket into
  // place: once it exists, the agent serves.
  for (int i = 0; i < 1000 && !fs::exists(socket_); ++i) {
    if (auto status = wait_exit(pid_, 0ms)) {
      pid_ = -1;
      throw std::runtime_error(config_.name + ": the agent exited with status " +
                               std::to_string(*status) + ":\n" + read_text(log_));
    }
    std::this_thread::sleep_for(5ms);
  }
  if (!fs::exists(socket_)) {
    throw std::runtime_error(config_.name + ": the agent did not start:\n" + read_text(log_));
  }
}

AgentDaemon::~AgentDaemon() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  try {
    if (!wait_exit(pid_, 5s)) {
      ::kill(pid_, SIGKILL);
      wait_exit(pid_, std::nullopt);
    }
  } catch (const std::exception&) {
    // Already reaped elsewhere: nothing left to stop.
  }
}

void AgentDaemon::adopt(TimedTarget& target, const std::string& policy) const {
  kernel::testing::ProcessState state;
  state.pid = target.process.child.pid();
  state.id = "bench-" + std::to_string(state.pid);
  state.bundle = socket_.parent_path().string();
  state.metadata = "policy=" + policy;
  {
    const kernel::UniqueFd connection = kernel::testing::connect_unix(socket_.string());
    const int fds[] = {target.process.notify.get()};
    kernel::send_with_fds(connection.get(), kernel::testing::container_process_state(state), fds);
  }  // closed: the agent reads the message to its end
  target.process.notify = kernel::NotifyFd(kernel::UniqueFd());
}

AgentLogSummary AgentDaemon::log_summary() const {
  AgentLogSummary summary;
  std::istringstream lines(read_text(log_));
  std::string line;
  while (std::getline(lines, line)) {
    // Text format: TIME LEVEL EVENT key=value...
    std::istringstream words(line);
    std::string time, level;
    words >> time >> level;
    if (level == "warning" || level == "error" || level == "critical") {
      if (summary.complaints++ == 0) {
        summary.first_complaint = line;
      }
    } else if (line.find(" container registered ") != std::string::npos) {
      ++summary.registered;
      summary.sync_wake_up += line.find(" sync_wake_up=true") != std::string::npos ? 1 : 0;
    }
  }
  return summary;
}

}  // namespace sa::bench
