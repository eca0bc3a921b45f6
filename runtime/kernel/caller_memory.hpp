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
#include <span>
#include <string>
#include <vector>

#include "kernel/notify_fd.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {

// Bounds the kernel itself applies: a path of PATH_MAX bytes counting the
// NUL; mount(2) data up to one page.
inline constexpr size_t kPathLimit = PATH_MAX;
size_t mount_data_limit();

enum class StringStatus {
  Ok,
  Null,        // the pointer is NULL
  TooLong,     // no NUL within the limit
  Unreadable,  // unmapped or unreadable memory; `err` says why
};

struct StringArg {
  StringStatus status = StringStatus::Ok;
  // Ok: the string without its NUL. TooLong: the first limit-1 bytes, which
  // is what the kernel keeps of over-long mount data.
  std::string value;
  int err = 0;  // Unreadable: errno from the read (EIO for unmapped memory)
};

class CallerMemory {
 public:
  // Opens the caller's memory and checks that the notification is still
  // pending. nullopt when the caller is gone; SysError on other failures.
  static std::optional<CallerMemory> open(const NotifyFd& notify, const Notification& n);

  // A NUL-terminated string at `address`, at most `limit` bytes counting the
  // NUL. Reads page by page, so a string that ends just before an unmapped
  // page reads fine.
  StringArg read_string(uint64_t address, size_t limit) const;

 private:
  explicit CallerMemory(UniqueFd mem) : mem_(std::move(mem)) {}
  UniqueFd mem_;
};

struct StringRequest {
  uint64_t address = 0;  // the register value
  size_t limit = kPathLimit;
};

enum class ReadOutcome { Read, TargetGone };

struct CallerStrings {
  ReadOutcome outcome = ReadOutcome::Read;
  std::vector<StringArg> values;  // one per request, in order; empty when gone
};

// The whole sequence for one notification: open, ID_VALID, read every
// requested string once, ID_VALID again.
CallerStrings read_caller_strings(const NotifyFd& notify, const Notification& n,
                                  std::span<const StringRequest> requests);

}  // namespace sa::kernel
