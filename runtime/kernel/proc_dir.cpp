#include "kernel/proc_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "kernel/sys_error.hpp"

namespace sa::kernel {

bool is_process_gone(int err) noexcept {
  return err == ESRCH || err == ENOENT;
}

std::optional<ProcDir> ProcDir::open(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid);
  UniqueFd dir(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    if (is_process_gone(errno)) {
      return std::nullopt;
    }
    throw_errno("open " + path);
  }
  return ProcDir(pid, std::move(dir));
}

UniqueFd ProcDir::open_at(const char* relative, int flags) const noexcept {
  return UniqueFd(::openat(dir_.get(), relative, flags | O_CLOEXEC));
}

std::optional<std::string> ProcDir::read_text(const char* relative) const {
  const auto context = [&] { return "read /proc/" + std::to_string(pid_) + "/" + relative; };
  UniqueFd fd = open_at(relative, O_RDONLY);
  if (!fd) {
    if (is_process_gone(errno)) {
      return std::nullopt;
    }
    throw_errno(context());
  }
  std::string text;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n > 0) {
      text.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      return text;
    }
    if (errno == EINTR) {
      continue;
    }
    if (is_process_gone(errno)) {
      return std::nullopt;
    }
    throw_errno(context());
  }
}

}  // namespace sa::kernel
