// /proc/PID of one process, held open. Files opened relative to this fd
// belong to that process for as long as the fd lives: if the process exits
// and its pid is reused, they fail with ESRCH instead of silently describing
// the newcomer. Checking SECCOMP_IOCTL_NOTIF_ID_VALID once after opening it
// therefore covers everything read through it afterwards.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "kernel/unique_fd.hpp"

namespace sa::kernel {

// True for the errno values that mean "that process no longer exists".
bool is_process_gone(int err) noexcept;

class ProcDir {
 public:
  // nullopt when the process does not exist; SysError on other failures.
  static std::optional<ProcDir> open(pid_t pid);

  pid_t pid() const noexcept { return pid_; }
  int get() const noexcept { return dir_.get(); }

  // openat(/proc/PID, relative, flags | O_CLOEXEC). Invalid on failure, with
  // errno set.
  UniqueFd open_at(const char* relative, int flags) const noexcept;

  // The whole of a small text file (status, uid_map). nullopt when the
  // process is gone; SysError on other failures.
  std::optional<std::string> read_text(const char* relative) const;

 private:
  ProcDir(pid_t pid, UniqueFd dir) : pid_(pid), dir_(std::move(dir)) {}
  pid_t pid_;
  UniqueFd dir_;
};

}  // namespace sa::kernel
