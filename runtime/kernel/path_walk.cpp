#include "kernel/path_walk.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "kernel/proc_status.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {
namespace {

constexpr int kMaxLinks = 40;  // the kernel's MAXSYMLINKS
constexpr size_t kPending = size_t{2} * PATH_MAX;
constexpr long kProcSuperMagic = 0x9fa0;
constexpr ino_t kProcRootIno = 1;

WalkResult error(int err) {
  WalkResult r;
  r.err = err;
  return r;
}

bool is_dot(const char* s, size_t n) {
  return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

bool equals(const char* s, size_t n, const char* word) {
  return std::strlen(word) == n && std::memcmp(s, word, n) == 0;
}

// Decimal text of a non-negative number into `out` (at least 12 bytes).
size_t format_number(int64_t v, char* out) {
  char digits[24];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0 && n < sizeof digits);
  for (size_t i = 0; i < n; ++i)
    out[i] = digits[n - 1 - i];
  out[n] = '\0';
  return n;
}

bool is_proc_root(int dir) {
  struct statfs fs {};
  struct stat st {};
  return ::fstatfs(dir, &fs) == 0 && fs.f_type == kProcSuperMagic && ::fstat(dir, &st) == 0 &&
         st.st_ino == kProcRootIno;
}

// The start time in DIR/stat, DIR a /proc/PID directory or `proc` and
// RELATIVE; false when it cannot be read.
bool start_time_at(int dir, const char* relative, uint64_t& out) {
  UniqueFd stat_file(::openat(dir, relative, O_RDONLY | O_CLOEXEC));
  if (stat_file.get() < 0)
    return false;
  char text[1024];
  const ssize_t got = ::read(stat_file.get(), text, sizeof text);
  if (got <= 0)
    return false;
  const auto start = stat_start_time(std::string_view(text, static_cast<size_t>(got)));
  out = start.value_or(0);
  return start.has_value();
}

// Whether PID in the procfs at `proc` is the caller: same start time.
bool is_caller_in(int proc, int32_t pid, uint64_t start_time) {
  char path[40];
  const size_t n = format_number(pid, path);
  std::memcpy(path + n, "/stat", 6);
  uint64_t started = 0;
  return start_time_at(proc, path, started) && started == start_time;
}

// What /proc/self (or thread-self) at the procfs `proc` means for the
// caller: "TGID" or "TGID/task/TID" in that instance's pid namespace. False
// when the caller has no pid there (the kernel then says ENOENT).
bool caller_link(int proc, const CallerPids& pids, bool thread, char* out) {
  uint64_t start_time = 0;
  if (!start_time_at(pids.proc_dir, "stat", start_time))
    return false;
  for (int level = pids.levels - 1; level >= 0; --level) {
    if (!is_caller_in(proc, pids.tgid[level], start_time))
      continue;
    size_t n = format_number(pids.tgid[level], out);
    if (thread) {
      std::memcpy(out + n, "/task/", 7);  // with its NUL
      n += 6;
      format_number(pids.tid[level], out + n);
    }
    return true;
  }
  return false;
}

class Walk {
 public:
  Walk(const WalkFrom& from, WalkEnd end) : from_(from), end_(end) {}

  WalkResult run(const char* path) {
    const size_t len = std::strlen(path);
    if (len == 0)
      return error(ENOENT);
    if (len >= PATH_MAX)
      return error(ENAMETOOLONG);
    std::memcpy(rest_, path, len + 1);
    restart(path[0] == '/' ? from_.root : from_.start);
    while (true) {
      while (rest_[pos_] == '/')
        ++pos_;
      if (rest_[pos_] == '\0')
        return finish_at_directory();
      const char* comp = rest_ + pos_;
      size_t n = 0;
      while (comp[n] != '\0' && comp[n] != '/')
        ++n;
      size_t after = pos_ + n;
      while (rest_[after] == '/')
        ++after;
      const bool last = rest_[after] == '\0';
      if (last && end_ == WalkEnd::Parent)
        return finish_parent(comp, n);
      if (const int err = step(comp, n, last, pos_ + n); err != 0)
        return error(err);
      if (done_)
        return result_;
    }
  }

 private:
  // The walk starts at a directory it borrows (the caller's root, cwd or
  // dirfd) and owns every one it opens after.
  void restart(int dir) {
    cur_.reset();
    start_ = dir;
  }

  int cur() const { return cur_.get() >= 0 ? cur_.get() : start_; }

  // The directory reached, as an fd of the walk's result's own.
  int release_cur() {
    return cur_.get() >= 0 ? cur_.release() : ::fcntl(start_, F_DUPFD_CLOEXEC, 0);
  }

  // The path ended on a directory ("/", "a/.", "a/b/"): Object hands it
  // out; Parent has no component to create.
  WalkResult finish_at_directory() {
    WalkResult r;
    r.fd = release_cur();
    return r.fd >= 0 ? r : error(errno);
  }

  WalkResult finish_parent(const char* comp, size_t n) {
    if (n > NAME_MAX)
      return error(ENAMETOOLONG);
    WalkResult r;
    if (!is_dot(comp, n))
      std::memcpy(r.name, comp, n);
    r.fd = release_cur();
    return r.fd >= 0 ? r : error(errno);
  }

  // One component; `tail` is where the text after it starts. 0 or an errno.
  int step(const char* comp, size_t n, bool last, size_t tail) {
    if (n > NAME_MAX)
      return ENAMETOOLONG;
    if (equals(comp, n, ".")) {
      pos_ = tail;
      return 0;
    }
    if (equals(comp, n, "..")) {
      // The kernel's own "..": clamped at the walker's root, made the
      // caller's first.
      if (from_.dotdot_root != nullptr) {
        if (const int err = from_.dotdot_root->enter(); err != 0)
          return err;
      }
      cur_.reset(::openat(cur(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
      pos_ = tail;
      return cur_.get() < 0 ? errno : 0;
    }
    const bool trailing_slash = rest_[tail] == '/';
    const bool keep_link = last && end_ == WalkEnd::ObjectNoFollow && !trailing_slash;
    const bool self = equals(comp, n, "self");
    if (from_.pids != nullptr && !keep_link && (self || equals(comp, n, "thread-self")) &&
        is_proc_root(cur())) {
      char target[64];
      if (!caller_link(cur(), *from_.pids, !self, target))
        return ENOENT;
      return follow(target, std::strlen(target), tail);
    }
    char name[NAME_MAX + 1];
    std::memcpy(name, comp, n);
    name[n] = '\0';
    UniqueFd next(::openat(cur(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0)
      return errno;
    struct stat st {};
    if (::fstat(next.get(), &st) != 0)
      return errno;
    if (S_ISLNK(st.st_mode) && !keep_link) {
      char target[PATH_MAX];
      const ssize_t got = ::readlinkat(next.get(), "", target, sizeof target);
      if (got < 0)
        return errno;
      if (static_cast<size_t>(got) >= sizeof target)
        return ENAMETOOLONG;
      return follow(target, static_cast<size_t>(got), tail);
    }
    if (!S_ISDIR(st.st_mode) && (!last || trailing_slash))
      return ENOTDIR;
    pos_ = tail;
    if (last) {
      done_ = true;
      result_.fd = next.release();
      return 0;
    }
    cur_.reset(next.release());
    return 0;
  }

  // Continues with a link's text in place of the component: the rest of the
  // path becomes TARGET + what followed the link.
  int follow(const char* target, size_t n, size_t tail) {
    if (++links_ > kMaxLinks)
      return ELOOP;
    if (n == 0)
      return ENOENT;
    const size_t tail_len = std::strlen(rest_ + tail);
    if (n + tail_len + 1 > kPending)
      return ENAMETOOLONG;
    std::memmove(rest_ + n, rest_ + tail, tail_len + 1);
    std::memcpy(rest_, target, n);
    pos_ = 0;
    if (target[0] == '/')
      restart(from_.root);
    return 0;
  }

  const WalkFrom& from_;
  WalkEnd end_;
  UniqueFd cur_;    // the directory reached, once the walk opened one
  int start_ = -1;  // borrowed: where the walk (re)started
  char rest_[kPending] = {};
  size_t pos_ = 0;
  int links_ = 0;
  bool done_ = false;
  WalkResult result_;
};

}  // namespace

WalkResult walk_path(const WalkFrom& from, const char* path, WalkEnd end) noexcept {
  Walk walk(from, end);
  return walk.run(path);
}

}  // namespace sa::kernel
