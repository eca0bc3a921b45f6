// Installs a real seccomp filter in the calling process with libseccomp:
// every syscall allowed except the listed ones, which notify a listener
// (SECCOMP_FILTER_FLAG_NEW_LISTENER via seccomp_notify_fd). For test
// children and the launcher only: the agent never installs filters.
#pragma once

#include <string>
#include <vector>

#include "kernel/unique_fd.hpp"

namespace sa::kernel::testing {

// The syscall numbers of `names` on this architecture; throws
// std::runtime_error naming the first unknown one.
std::vector<int> resolve_syscalls(const std::vector<std::string>& names);

// Returns the listener fd. Throws std::runtime_error naming the syscall or
// the libseccomp call that failed.
UniqueFd install_notify_filter(const std::vector<std::string>& syscalls);

}  // namespace sa::kernel::testing
