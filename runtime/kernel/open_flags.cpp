#include "kernel/open_flags.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "kernel/caller_memory.hpp"

namespace sa::kernel {
namespace {

// include/linux/fcntl.h, in the values userland sees (__O_SYNC and
// __O_TMPFILE are the bits O_SYNC and O_TMPFILE add to O_DSYNC and
// O_DIRECTORY).
constexpr uint64_t kSyncBit = O_SYNC & ~O_DSYNC;
constexpr uint64_t kTmpfileBit = O_TMPFILE & ~O_DIRECTORY;
constexpr uint64_t kKernelLargefile = 0100000;  // O_LARGEFILE as the kernel spells it
constexpr uint64_t kValidOpenFlags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
                                     O_NONBLOCK | kSyncBit | O_DSYNC | FASYNC | O_DIRECT |
                                     kKernelLargefile | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |
                                     O_CLOEXEC | O_PATH | kTmpfileBit;
constexpr uint64_t kPathFlags = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
constexpr uint64_t kValidResolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |
                                   RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED;
constexpr uint64_t kModeBits = 07777;
constexpr size_t kOpenHowVer0 = 24;

bool will_create(uint64_t flags) {
  return (flags & O_CREAT) != 0 || (flags & kTmpfileBit) != 0;
}

}  // namespace

OpenRequest open_request(int flags, mode_t mode) {
  OpenRequest r;
  r.flags = static_cast<uint32_t>(flags) & kValidOpenFlags;
  if ((r.flags & O_PATH) != 0)
    r.flags &= kPathFlags;
  r.mode = will_create(r.flags) ? (mode & kModeBits) : 0;
  return r;
}

int open_request_error(const OpenRequest& r) {
  const uint64_t flags = r.flags;
  if ((flags & ~kValidOpenFlags) != 0 || (r.resolve & ~kValidResolve) != 0)
    return EINVAL;
  if ((r.resolve & RESOLVE_BENEATH) != 0 && (r.resolve & RESOLVE_IN_ROOT) != 0)
    return EINVAL;
  if (will_create(flags) ? (r.mode & ~kModeBits) != 0 : r.mode != 0)
    return EINVAL;
  if ((flags & O_DIRECTORY) != 0 && (flags & O_CREAT) != 0)
    return EINVAL;
  if ((flags & kTmpfileBit) != 0) {
    if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE)
      return EINVAL;
    const uint64_t access = flags & O_ACCMODE;
    if (access != O_WRONLY && access != O_RDWR)
      return EINVAL;
  }
  if ((flags & O_PATH) != 0 && (flags & ~kPathFlags) != 0)
    return EINVAL;
  if ((r.resolve & RESOLVE_CACHED) != 0 && (flags & (O_TRUNC | O_CREAT | kTmpfileBit)) != 0)
    return EAGAIN;
  return 0;
}

int read_open_how(const Notification& n, uint64_t how, uint64_t size, OpenRequest& out) {
  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  if (size < kOpenHowVer0)
    return EINVAL;
  if (size > page)
    return E2BIG;
  // One read of everything the caller passed: the fields, and the tail a
  // newer userland may send, which must be zero.
  std::vector<unsigned char> bytes(size);
  if (const int err = CallerMemory(n).read_bytes(how, bytes.data(), size); err != 0)
    return err;
  for (size_t i = sizeof(open_how); i < size; ++i) {
    if (bytes[i] != 0)
      return E2BIG;
  }
  open_how h{};
  std::memcpy(&h, bytes.data(), std::min<size_t>(size, sizeof h));
  out.flags = h.flags;
  out.mode = h.mode;
  out.resolve = h.resolve;
  return 0;
}

}  // namespace sa::kernel
