// Child processes of the benchmark (rulec, seccomp-agent) whose output goes
// to a log file rather than the benchmark's own, so that the figures stay
// readable and what went wrong can still be shown.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sa::bench {

// Starts argv[0] (a path) with stdout and stderr appended to `log`. The child
// gets SIGTERM should the benchmark die first, so that an interrupted run
// leaves no agent behind.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& log);

// The exit status (128 + signal when killed); nullopt when the child is
// still running after `timeout` (no timeout: as long as it takes).
std::optional<int> wait_exit(pid_t pid, std::optional<std::chrono::milliseconds> timeout);

// Runs argv to completion; its exit status.
int run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log);

// The whole text of a file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

}  // namespace sa::bench
