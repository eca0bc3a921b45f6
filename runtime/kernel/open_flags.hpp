// What the kernel checks of an open's flags, mode and resolve flags before
// it looks the path up (build_open_flags in fs/open.c), so that an emulated
// open fails where and as the caller's own would; and openat2's struct
// open_how, read once from the caller's memory.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "kernel/notify_fd.hpp"

namespace sa::kernel {

struct OpenRequest {
  uint64_t flags = 0;
  uint64_t mode = 0;
  uint64_t resolve = 0;
};

// open and openat: what the kernel keeps of their arguments (build_open_how:
// unknown flags dropped, O_PATH's companions only, the mode only with
// O_CREAT or O_TMPFILE, masked to 07777).
OpenRequest open_request(int flags, mode_t mode);

// The errno the kernel answers for these values before any lookup (EINVAL,
// or EAGAIN for RESOLVE_CACHED with a create or truncate), or 0.
int open_request_error(const OpenRequest& r);

// openat2's open_how of `size` bytes at `how`, as the kernel copies it:
// EINVAL below its first version (24 bytes), E2BIG above a page or when a
// byte past the fields this kernel knows is not zero, EFAULT when it cannot
// be read. 0 when `out` holds it. The pid may have been reused by then:
// ID_VALID must vouch for the notification before `out` is used.
int read_open_how(const Notification& n, uint64_t how, uint64_t size, OpenRequest& out);

}  // namespace sa::kernel
