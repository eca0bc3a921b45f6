#include "kernel/open_call.hpp"

#include <fcntl.h>
#include <linux/limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "kernel/path_call.hpp"
#include "kernel/proc_fd_link.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {
namespace {

constexpr int kFollowLimit = 40;  // the kernel's MAXSYMLINKS
// An O_CREAT that finds its file made (or removed) by someone else in
// between looks again, a bounded number of times.
constexpr int kCreateTries = 8;

SyscallResult failure(int err) {
  return {-1, err};
}

SyscallResult opened(long fd) {
  return fd < 0 ? failure(errno) : SyscallResult{fd, 0};
}

bool has(uint64_t flags, uint64_t bit) {
  return (flags & bit) != 0;
}

// 0 when the notification is still pending; else ENOENT (and `gone`) or the
// ioctl's errno.
int check_pending(OpenCall& call) {
  const int err = notification_pending(call.notify_fd, call.notification_id);
  if (err == ENOENT)
    call.gone = true;
  return err;
}

// What the path names, as an O_PATH fd: checked in the order the kernel
// checks an existing file (do_open, may_open), refused unless a regular
// file or a directory, then that inode opened with the caller's flags.
SyscallResult open_found(OpenCall& call, UniqueFd found) {
  struct stat st {};
  if (::fstat(found.get(), &st) != 0)
    return failure(errno);
  const mode_t type = st.st_mode & S_IFMT;
  if (has(call.flags, O_CREAT) && type == S_IFDIR)
    return failure(EISDIR);
  if (has(call.flags, O_DIRECTORY) && type != S_IFDIR)
    return failure(ENOTDIR);
  if (type == S_IFLNK)
    return failure(ELOOP);  // reached only with O_NOFOLLOW
  if (type != S_IFREG && type != S_IFDIR)
    return failure(EPERM);
  if (const int err = check_pending(call); err != 0)
    return failure(err);
  char link[kProcFdLinkSize];
  proc_fd_link("thread-self/fd/", found.get(), link);
  const uint64_t flags = (call.flags & ~static_cast<uint64_t>(O_CREAT | O_EXCL | O_NOFOLLOW));
  return opened(::openat(call.proc_dir, link, static_cast<int>(flags | O_CLOEXEC)));
}

// A new regular file, `name` in `parent`: O_EXCL, so that it is made here
// or not at all, never a file someone put there meanwhile.
SyscallResult create_file(OpenCall& call, int parent, const char* name) {
  if (const int err = check_pending(call); err != 0)
    return failure(err);
  const uint64_t flags = call.flags | O_CREAT | O_EXCL | O_CLOEXEC;
  return opened(::openat(parent, name, static_cast<int>(flags), call.mode));
}

// open and openat, and openat2 without resolve flags: path_walk.
SyscallResult open_walked(OpenCall& call) {
  const bool create = has(call.flags, O_CREAT);
  const bool exclusive = create && has(call.flags, O_EXCL);
  const bool follow = !has(call.flags, O_NOFOLLOW) && !exclusive;
  if (!create && follow) {
    const WalkResult w = walk_path(call.from, call.path, WalkEnd::Object);
    if (w.err != 0)
      return failure(w.err);
    return open_found(call, UniqueFd(w.fd));
  }
  // The last component is looked at before it is followed: it may have to
  // be created, or be refused as a symlink.
  WalkFrom from = call.from;
  const char* path = call.path;
  char link[PATH_MAX];
  UniqueFd link_dir;  // where the text of a symlink being followed starts
  for (int round = 0;; ++round) {
    const WalkResult w = walk_path(from, path, WalkEnd::Parent);
    if (w.err != 0)
      return failure(w.err);
    UniqueFd parent(w.fd);
    if (w.name[0] == '\0') {  // "/", "." or "..": a directory that exists
      if (exclusive)
        return failure(EEXIST);
      return open_found(call, std::move(parent));
    }
    UniqueFd found(::openat(parent.get(), w.name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!found) {
      if (errno != ENOENT || !create)
        return failure(errno);
      const SyscallResult made = create_file(call, parent.get(), w.name);
      if (made.err != EEXIST || exclusive || round >= kCreateTries)
        return made;
      continue;  // made meanwhile by someone else: open it as it is now
    }
    if (exclusive)
      return failure(EEXIST);
    struct stat st {};
    if (::fstat(found.get(), &st) != 0)
      return failure(errno);
    if (!follow || !S_ISLNK(st.st_mode))
      return open_found(call, std::move(found));
    // O_CREAT through a symlink: its target, which may not exist yet, is
    // looked up from the link's directory.
    if (round >= kFollowLimit)
      return failure(ELOOP);
    const ssize_t n = ::readlinkat(parent.get(), w.name, link, sizeof link - 1);
    if (n < 0)
      return failure(errno);
    link[n] = '\0';
    link_dir = std::move(parent);
    from.start = link_dir.get();
    path = link;
  }
}

long openat2_call(int dirfd, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  open_how how{};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  return ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

// openat2 with resolve flags: the kernel resolves, with those flags, in a
// child whose root is the caller's.
SyscallResult open_resolved(OpenCall& call) {
  const bool create = has(call.flags, O_CREAT);
  const bool exclusive = create && has(call.flags, O_EXCL);
  const uint64_t nofollow = has(call.flags, O_NOFOLLOW) || exclusive ? O_NOFOLLOW : 0;
  for (int round = 0;; ++round) {
    UniqueFd found(static_cast<int>(
        openat2_call(call.from.start, call.path, O_PATH | O_CLOEXEC | nofollow, 0, call.resolve)));
    if (found) {
      if (exclusive)
        return failure(EEXIST);
      return open_found(call, std::move(found));
    }
    if (errno != ENOENT || !create)
      return failure(errno);
    if (const int err = check_pending(call); err != 0)
      return failure(err);
    const long fd =
        openat2_call(call.from.start, call.path, call.flags | O_CREAT | O_EXCL | O_CLOEXEC,
                     call.mode, call.resolve);
    if (fd >= 0 || errno != EEXIST || exclusive || round >= kCreateTries)
      return opened(fd);
  }
}

}  // namespace

SyscallResult run_open_call(OpenCall& call) noexcept {
  return call.resolve == 0 ? open_walked(call) : open_resolved(call);
}

}  // namespace sa::kernel
