// Runs a function in a forked child (where a seccomp filter can be loaded
// without touching the test process) and returns the numbers it produced.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sa::profile::test {

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2 failed");
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_one(fds_[0]); }
  void close_write() { close_one(fds_[1]); }

 private:
  static void close_one(int& fd) {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
  int fds_[2] = {-1, -1};
};

// A syscall's result as the caller sees it: the return value, or -errno.
inline long result_of(long rc) {
  return rc == -1 ? -errno : rc;
}

inline bool write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

inline std::vector<long> read_longs(int fd) {
  std::vector<long> out;
  long v = 0;
  size_t have = 0;
  char* p = reinterpret_cast<char*>(&v);
  for (;;) {
    const ssize_t n = ::read(fd, p + have, sizeof v - have);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    have += static_cast<size_t>(n);
    if (have == sizeof v) {
      out.push_back(v);
      have = 0;
    }
  }
  return out;
}

// `body` runs in the child; its results come back through a pipe. Throws
// when the child does not exit normally with status 0.
inline std::vector<long> in_child(const std::function<std::vector<long>()>& body) {
  Pipe results;
  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    results.close_read();
    const std::vector<long> out = body();
    const bool ok = write_all(results.write_end(), out.data(), out.size() * sizeof(long));
    ::_exit(ok ? 0 : 1);
  }
  results.close_write();
  std::vector<long> out = read_longs(results.read_end());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("child failed with status " + std::to_string(status));
  }
  return out;
}

}  // namespace sa::profile::test
