// An error from a system call, carrying errno and what was being done:
// what() reads "open /proc/42/mem: No such process". Thrown where a failure
// means the agent itself is broken (a bad fd, a refused ioctl); failures that
// are normal outcomes (the target died, a string is unreadable) are returned
// as values instead, and may carry a SysError to say why.
#pragma once

#include <string>
#include <system_error>

namespace sa::kernel {

class SysError : public std::system_error {
 public:
  SysError(int err, const std::string& context)
      : std::system_error(err, std::generic_category(), context), context_(context) {}

  int err() const noexcept { return code().value(); }
  const std::string& context() const noexcept { return context_; }

 private:
  std::string context_;
};

// Throws SysError with the current errno; call right after the failed call.
[[noreturn]] void throw_errno(const std::string& context);

}  // namespace sa::kernel
