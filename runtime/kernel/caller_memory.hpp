// Strings from the caller's memory, read once through /proc/PID/mem. The
// agent decides and acts on the copy it read: a caller that rewrites its
// buffer afterwards changes nothing (no TOCTOU through the agent).
//
// Order of checks: open /proc/PID/mem, then ID_VALID (the pid may have been
// reused between the notification and the open), read, then ID_VALID again
// (the caller may have died, and its pid been reused, during the reads).
#pragma once

#include <linux/limits.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "kernel/notify_fd.hpp"
#include "kernel/unique_fd.hpp"
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
  // Opens the caller's memory and checks that the notification is still
  // pending. nullopt when the caller is gone; SysError on other failures.
  static std::optional<CallerMemory> open(const NotifyFd& notify, const Notification& n);

  // A NUL-terminated string at `address`, at most `limit` bytes counting the
  // NUL. Reads page by page, so a string that ends just before an unmapped
  // page reads fine. Unreadable memory fails with the read's errno (EIO for
  // an unmapped page, ESRCH when the address space is gone).
  model::StringRead read_string(uint64_t address, size_t limit, Overflow overflow) const;

 private:
  explicit CallerMemory(UniqueFd mem) : mem_(std::move(mem)) {}
  UniqueFd mem_;
};

}  // namespace sa::kernel
