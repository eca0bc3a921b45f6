#include "agent_harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace sa::agent::testing {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& cwd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  if (err_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  if (!cwd.empty())
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error("spawn " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace

Run run(const std::vector<std::string>& argv, const std::string& cwd) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  const pid_t pid = spawn(argv, cwd, out[1], err[1]);
  ::close(out[1]);
  ::close(err[1]);
  Run r;
  std::thread drain_err([&] { r.err = read_all(err[0]); });
  r.out = read_all(out[0]);
  drain_err.join();
  ::close(out[0]);
  ::close(err[0]);
  r.status = wait_status(pid);
  return r;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sa-agent-test.XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("mkdtemp");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

AgentProcess::AgentProcess(const std::filesystem::path& dir, const std::string& rules,
                           std::vector<std::string> extra_args)
    : dir_(dir),
      socket_((dir / "agent.sock").string()),
      table_((dir / "out" / "table.json").string()),
      log_path_((dir / "agent.log").string()) {
  const Run c = recompile(rules);
  BOOST_TEST_REQUIRE(c.status == 0, "rulec failed:\n" + c.err);
  std::vector<std::string> argv = {SA_AGENT, "--socket", socket_, "--table", table_};
  if (std::find(extra_args.begin(), extra_args.end(), "--log-level") == extra_args.end())
    argv.insert(argv.end(), {"--log-level", "debug"});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  argv_ = argv;
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_ = spawn(argv, {}, log_fd, log_fd);
  ::close(log_fd);
  // Serving once the socket exists (it is renamed into place when bound).
  for (int i = 0; i < 500 && !std::filesystem::exists(socket_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST_REQUIRE(std::filesystem::exists(socket_), "the agent did not start:\n" + log());
}

AgentProcess::~AgentProcess() {
  if (pid_ > 0)
    stop();
}

Run AgentProcess::recompile(const std::string& rules) {
  const std::string file = (dir_ / "rules.yaml").string();
  std::ofstream(file) << rules;
  return run({SA_RULEC, "-o", (dir_ / "out").string(), file});
}

AgentProcess::Takeover AgentProcess::take_over() {
  Takeover t;
  const pid_t previous = pid_;
  const std::string previous_log = log_path_;
  const std::string successor_log =
      (dir_ / ("agent." + std::to_string(++successors_) + ".log")).string();
  std::vector<std::string> argv = argv_;
  argv.push_back("--takeover");
  const int log_fd = ::open(successor_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const pid_t successor = spawn(argv, {}, log_fd, log_fd);
  ::close(log_fd);
  // No deadline of its own: CTest's timeout is the backstop.
  for (;;) {
    int status = 0;
    if (::waitpid(previous, &status, WNOHANG) == previous) {
      t.previous_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
      pid_ = successor;
      log_path_ = successor_log;
      break;
    }
    if (::waitpid(successor, &status, WNOHANG) == successor) {
      t.status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
      break;  // this object still stands for the agent that serves
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  t.previous_log = slurp(previous_log);
  t.successor_log = slurp(successor_log);
  return t;
}

AgentProcess::Restart AgentProcess::crash_and_restart() {
  Restart r;
  ::kill(pid_, SIGKILL);
  wait_status(pid_);
  r.crashed_log = log();
  log_path_ = (dir_ / ("agent." + std::to_string(++successors_) + ".log")).string();
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_ = spawn(argv_, {}, log_fd, log_fd);
  ::close(log_fd);
  // No deadline of its own: CTest's timeout is the backstop.
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      r.status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
      pid_ = -1;
      break;
    }
    if (log().find("agent started") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r.log = log();
  return r;
}

void AgentProcess::signal(int sig) const {
  ::kill(pid_, sig);
}

std::string AgentProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    wait_status(pid_);
    pid_ = -1;
  }
  return log();
}

std::string AgentProcess::log() const {
  return slurp(log_path_);
}

size_t AgentProcess::open_fds() const {
  size_t n = 0;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

Run AgentProcess::probe(const std::vector<std::string>& notify,
                        const std::vector<std::string>& args, const std::string& cwd,
                        const std::vector<std::string>& prefix) const {
  std::string list;
  for (const auto& s : notify)
    list += (list.empty() ? "" : ",") + s;
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {SA_NOTIFY_LAUNCH, "--socket", socket_, "--notify", list, "--metadata",
                           "policy=agent-test"});
  argv.insert(argv.end(), launcher_options.begin(), launcher_options.end());
  argv.insert(argv.end(), {"--", SA_AGENT_PROBE});
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, cwd);
}

HolderProcess::HolderProcess(const std::string& binary, const std::filesystem::path& dir,
                             const std::vector<std::string>& extra_args)
    : socket_((dir / "holder.sock").string()), log_path_((dir / "holder.log").string()) {
  std::vector<std::string> argv = {binary, "--socket", socket_};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_ = spawn(argv, {}, log_fd, log_fd);
  ::close(log_fd);
  for (int i = 0; i < 500 && !std::filesystem::exists(socket_); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  BOOST_TEST_REQUIRE(std::filesystem::exists(socket_), "the holder did not start:\n" + log());
}

HolderProcess::~HolderProcess() {
  if (pid_ > 0)
    stop();
}

std::string HolderProcess::log() const {
  return slurp(log_path_);
}

std::string HolderProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    wait_status(pid_);
    pid_ = -1;
  }
  return log();
}

}  // namespace sa::agent::testing
