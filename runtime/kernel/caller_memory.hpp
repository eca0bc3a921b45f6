// Strings from the caller's memory, read once with process_vm_readv(2). The
// agent decides and acts on the copy it read: a caller that rewrites its
// buffer afterwards changes nothing (no TOCTOU through the agent).
//
// Nothing is opened: each read names the caller by its pid, and the pid may
// name another process by the time of a read (the caller died, its pid was
// reused). Whoever reads must therefore check ID_VALID after the reads and
// before using what was read: a pending notification vouches that the
// caller lived throughout, so the pid was its own.
//
// process_vm_readv rather than /proc/PID/mem: no open and close per
// notification, and memory the caller could not read itself (PROT_NONE)
// fails as the kernel's own copy of the argument fails, with EFAULT, where
// /proc/PID/mem would read it.
#pragma once

#include <linux/limits.h>
#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "kernel/notify_fd.hpp"
#include "model/call/facts.hpp"

namespace sa::kernel {

// Bounds the kernel itself applies: a path of PATH_MAX bytes counting the
// NUL; mount(2) data up to one page.
inline constexpr size_t kPathLimit = PATH_MAX;
size_t mount_data_limit();

// What a string with no NUL within the limit becomes: a path fails with
// ENAMETOOLONG, as in the kernel; mount(2) data keeps its first limit-1
// bytes, which is what the kernel copies of it.
enum class Overflow { Fail, Truncate };

class CallerMemory {
 public:
  // The memory of the thread that made notification `n`.
  explicit CallerMemory(const Notification& n) : pid_(static_cast<pid_t>(n.pid)) {}

  // A NUL-terminated string at `address`, at most `limit` bytes counting the
  // NUL. Reads page by page, so a string that ends just before an unmapped
  // page reads fine. Unreadable memory fails with the read's errno (EFAULT
  // for an unmapped or unreadable page, ESRCH when the caller is gone).
  model::StringRead read_string(uint64_t address, size_t limit, Overflow overflow) const;
  // `size` bytes at `address`, all of them or none: 0, or the read's errno
  // (EFAULT for any byte the caller could not read, ESRCH when it is gone).
  int read_bytes(uint64_t address, void* out, size_t size) const;

  // `size` bytes at `address` (a setxattr value) into `out`: 0, or the errno
  // of a read that did not get them all (EFAULT, as the kernel's own copy
  // fails, or ESRCH when the caller is gone).
  int read_bytes(uint64_t address, size_t size, std::vector<char>& out) const;

 private:
  pid_t pid_;
};

}  // namespace sa::kernel
