#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <thread>

#include "kernel/sys_error.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::bench {

using namespace std::chrono_literals;

pid_t spawn_logged(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  // Everything the child needs is prepared before fork: it only calls
  // async-signal-safe functions until exec.
  const kernel::UniqueFd out(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!out) {
    kernel::throw_errno("open " + log.string());
  }
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  const std::string exec_failed = "cannot execute " + argv.at(0) + "\n";
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    kernel::throw_errno("fork");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {  // the benchmark died before prctl took effect
      ::_exit(127);
    }
    ::dup2(out.get(), STDOUT_FILENO);
    ::dup2(out.get(), STDERR_FILENO);
    ::execv(args[0], args.data());
    [[maybe_unused]] const ssize_t n =
        ::write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    ::_exit(127);
  }
  return pid;
}

std::optional<int> wait_exit(pid_t pid, std::optional<std::chrono::milliseconds> timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout.value_or(0ms);
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, timeout ? WNOHANG : 0);
    if (r == pid) {
      return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }
    if (r < 0 && errno != EINTR) {
      kernel::throw_errno("waitpid " + std::to_string(pid));
    }
    if (r == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return std::nullopt;
      }
      std::this_thread::sleep_for(5ms);
    }
  }
}

int run_logged(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  return *wait_exit(spawn_logged(argv, log), std::nullopt);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace sa::bench
