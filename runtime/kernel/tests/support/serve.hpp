// The supervisor side of emulation tests: receive a notification, read its
// string arguments once, emulate it, answer with the real result. What the
// daemon does for `-> emulate`, without the policy.
#pragma once

#include <string>

#include "kernel/emulate.hpp"
#include "kernel/notify_fd.hpp"

namespace sa::kernel::testing {

// Emulates `n` (mkdir, mkdirat, chmod, fchmod, fchmodat, mknod, mknodat, mount,
// setxattr, lsetxattr, fsetxattr, sysinfo) with the
// strings read from the caller. Throws std::runtime_error when a string
// cannot be read.
EmulationResult emulate_notification(const NotifyFd& notify, const Notification& n,
                                     const EmulateOptions& options = {});

// Receives one notification, emulates it and, when Done, responds.
EmulationResult serve_one(const NotifyFd& notify, const EmulateOptions& options = {});

}  // namespace sa::kernel::testing
