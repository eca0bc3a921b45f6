#include "model/catalog/constants.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>

namespace sa::catalog {
namespace {

constexpr int kMaxErrno = 4095;

std::string_view strip_prefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix ? s.substr(prefix.size()) : s;
}

struct CapName {
  const char* name;
  int value;
};

#define SA_CAP(n) \
  CapName {       \
#n, n         \
  }
constexpr CapName kCapabilities[] = {
    SA_CAP(CAP_CHOWN),
    SA_CAP(CAP_DAC_OVERRIDE),
    SA_CAP(CAP_DAC_READ_SEARCH),
    SA_CAP(CAP_FOWNER),
    SA_CAP(CAP_FSETID),
    SA_CAP(CAP_KILL),
    SA_CAP(CAP_SETGID),
    SA_CAP(CAP_SETUID),
    SA_CAP(CAP_SETPCAP),
    SA_CAP(CAP_LINUX_IMMUTABLE),
    SA_CAP(CAP_NET_BIND_SERVICE),
    SA_CAP(CAP_NET_BROADCAST),
    SA_CAP(CAP_NET_ADMIN),
    SA_CAP(CAP_NET_RAW),
    SA_CAP(CAP_IPC_LOCK),
    SA_CAP(CAP_IPC_OWNER),
    SA_CAP(CAP_SYS_MODULE),
    SA_CAP(CAP_SYS_RAWIO),
    SA_CAP(CAP_SYS_CHROOT),
    SA_CAP(CAP_SYS_PTRACE),
    SA_CAP(CAP_SYS_PACCT),
    SA_CAP(CAP_SYS_ADMIN),
    SA_CAP(CAP_SYS_BOOT),
    SA_CAP(CAP_SYS_NICE),
    SA_CAP(CAP_SYS_RESOURCE),
    SA_CAP(CAP_SYS_TIME),
    SA_CAP(CAP_SYS_TTY_CONFIG),
    SA_CAP(CAP_MKNOD),
    SA_CAP(CAP_LEASE),
    SA_CAP(CAP_AUDIT_WRITE),
    SA_CAP(CAP_AUDIT_CONTROL),
    SA_CAP(CAP_SETFCAP),
    SA_CAP(CAP_MAC_OVERRIDE),
    SA_CAP(CAP_MAC_ADMIN),
    SA_CAP(CAP_SYSLOG),
    SA_CAP(CAP_WAKE_ALARM),
    SA_CAP(CAP_BLOCK_SUSPEND),
    SA_CAP(CAP_AUDIT_READ),
    SA_CAP(CAP_PERFMON),
    SA_CAP(CAP_BPF),
    SA_CAP(CAP_CHECKPOINT_RESTORE),
};
#undef SA_CAP
static_assert(std::size(kCapabilities) == kLastCapability + 1);

// A device number as mknod's `dev` argument carries it to the kernel
// (glibc's makedev, read back by the kernel's new_decode_dev).
constexpr int64_t device_number(int64_t major, int64_t minor) {
  return (minor & 0xff) | (major << 8) | ((minor & ~int64_t{0xff}) << 12);
}

#define SA_K(n, g)                   \
  Constant {                         \
#n, static_cast < int64_t>(n), g \
  }
std::vector<Constant> build_constants() {
  return {
      // mount(2) flags
      SA_K(MS_RDONLY, "mount"),
      SA_K(MS_NOSUID, "mount"),
      SA_K(MS_NODEV, "mount"),
      SA_K(MS_NOEXEC, "mount"),
      SA_K(MS_SYNCHRONOUS, "mount"),
      SA_K(MS_REMOUNT, "mount"),
      SA_K(MS_MANDLOCK, "mount"),
      SA_K(MS_DIRSYNC, "mount"),
      SA_K(MS_NOATIME, "mount"),
      SA_K(MS_NODIRATIME, "mount"),
      SA_K(MS_BIND, "mount"),
      SA_K(MS_MOVE, "mount"),
      SA_K(MS_REC, "mount"),
      SA_K(MS_SILENT, "mount"),
      SA_K(MS_POSIXACL, "mount"),
      SA_K(MS_UNBINDABLE, "mount"),
      SA_K(MS_PRIVATE, "mount"),
      SA_K(MS_SLAVE, "mount"),
      SA_K(MS_SHARED, "mount"),
      SA_K(MS_RELATIME, "mount"),
      SA_K(MS_STRICTATIME, "mount"),
      SA_K(MS_LAZYTIME, "mount"),
      // umount2(2) flags
      SA_K(MNT_FORCE, "umount"),
      SA_K(MNT_DETACH, "umount"),
      SA_K(MNT_EXPIRE, "umount"),
      SA_K(UMOUNT_NOFOLLOW, "umount"),
      // setxattr(2), lsetxattr(2), fsetxattr(2)
      SA_K(XATTR_CREATE, "xattr"),
      SA_K(XATTR_REPLACE, "xattr"),
      // open(2) flags
      SA_K(O_RDONLY, "open"),
      SA_K(O_WRONLY, "open"),
      SA_K(O_RDWR, "open"),
      SA_K(O_ACCMODE, "open"),
      SA_K(O_CREAT, "open"),
      SA_K(O_EXCL, "open"),
      SA_K(O_NOCTTY, "open"),
      SA_K(O_TRUNC, "open"),
      SA_K(O_APPEND, "open"),
      SA_K(O_NONBLOCK, "open"),
      SA_K(O_DSYNC, "open"),
      SA_K(O_SYNC, "open"),
      SA_K(O_DIRECTORY, "open"),
      SA_K(O_NOFOLLOW, "open"),
      SA_K(O_CLOEXEC, "open"),
      SA_K(O_PATH, "open"),
      SA_K(O_TMPFILE, "open"),
      SA_K(O_NOATIME, "open"),
      SA_K(O_DIRECT, "open"),
      SA_K(O_LARGEFILE, "open"),
      // *at(2)
      SA_K(AT_FDCWD, "at"),
      SA_K(AT_SYMLINK_NOFOLLOW, "at"),
      SA_K(AT_REMOVEDIR, "at"),
      SA_K(AT_SYMLINK_FOLLOW, "at"),
      SA_K(AT_EMPTY_PATH, "at"),
      SA_K(AT_EACCESS, "at"),
      // access(2)
      SA_K(F_OK, "access"),
      SA_K(R_OK, "access"),
      SA_K(W_OK, "access"),
      SA_K(X_OK, "access"),
      // file mode bits
      SA_K(S_IFMT, "mode"),
      SA_K(S_IFSOCK, "mode"),
      SA_K(S_IFLNK, "mode"),
      SA_K(S_IFREG, "mode"),
      SA_K(S_IFBLK, "mode"),
      SA_K(S_IFDIR, "mode"),
      SA_K(S_IFCHR, "mode"),
      SA_K(S_IFIFO, "mode"),
      SA_K(S_ISUID, "mode"),
      SA_K(S_ISGID, "mode"),
      SA_K(S_ISVTX, "mode"),
      SA_K(S_IRWXU, "mode"),
      SA_K(S_IRUSR, "mode"),
      SA_K(S_IWUSR, "mode"),
      SA_K(S_IXUSR, "mode"),
      SA_K(S_IRWXG, "mode"),
      SA_K(S_IRGRP, "mode"),
      SA_K(S_IWGRP, "mode"),
      SA_K(S_IXGRP, "mode"),
      SA_K(S_IRWXO, "mode"),
      SA_K(S_IROTH, "mode"),
      SA_K(S_IWOTH, "mode"),
      SA_K(S_IXOTH, "mode"),
      // mknod(2) devices that runc and crun give every container
      // (/dev/null, ...; /dev/tty) and the two that unprivileged containers
      // ask for most (FUSE, TUN), as device numbers: `dev in [DEV_NULL, ...]`
      Constant{"DEV_NULL", device_number(1, 3), "dev"},
      Constant{"DEV_ZERO", device_number(1, 5), "dev"},
      Constant{"DEV_FULL", device_number(1, 7), "dev"},
      Constant{"DEV_RANDOM", device_number(1, 8), "dev"},
      Constant{"DEV_URANDOM", device_number(1, 9), "dev"},
      Constant{"DEV_TTY", device_number(5, 0), "dev"},
      Constant{"DEV_FUSE", device_number(10, 229), "dev"},
      Constant{"DEV_TUN", device_number(10, 200), "dev"},
      // clone(2), unshare(2), setns(2)
      SA_K(CLONE_VM, "clone"),
      SA_K(CLONE_FS, "clone"),
      SA_K(CLONE_FILES, "clone"),
      SA_K(CLONE_SIGHAND, "clone"),
      SA_K(CLONE_PIDFD, "clone"),
      SA_K(CLONE_PTRACE, "clone"),
      SA_K(CLONE_VFORK, "clone"),
      SA_K(CLONE_PARENT, "clone"),
      SA_K(CLONE_THREAD, "clone"),
      SA_K(CLONE_NEWNS, "clone"),
      SA_K(CLONE_SYSVSEM, "clone"),
      SA_K(CLONE_SETTLS, "clone"),
      SA_K(CLONE_NEWCGROUP, "clone"),
      SA_K(CLONE_NEWUTS, "clone"),
      SA_K(CLONE_NEWIPC, "clone"),
      SA_K(CLONE_NEWUSER, "clone"),
      SA_K(CLONE_NEWPID, "clone"),
      SA_K(CLONE_NEWNET, "clone"),
      SA_K(CLONE_NEWTIME, "clone"),
      SA_K(CLONE_IO, "clone"),
      // signals
      SA_K(SIGHUP, "signal"),
      SA_K(SIGINT, "signal"),
      SA_K(SIGQUIT, "signal"),
      SA_K(SIGKILL, "signal"),
      SA_K(SIGUSR1, "signal"),
      SA_K(SIGUSR2, "signal"),
      SA_K(SIGTERM, "signal"),
      SA_K(SIGSTOP, "signal"),
      SA_K(SIGCONT, "signal"),
      SA_K(SIGCHLD, "signal"),
  };
}
#undef SA_K

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1);
  std::vector<size_t> cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::optional<int> errno_value(std::string_view name) {
  for (int e = 1; e <= kMaxErrno; ++e) {
    const char* n = strerrorname_np(e);
    if (n != nullptr && name == n)
      return e;
  }
  return std::nullopt;
}

std::string errno_name(int value) {
  const char* n = strerrorname_np(value);
  return n != nullptr ? std::string(n) : std::string();
}

std::vector<std::string> all_errno_names() {
  std::vector<std::string> out;
  for (int e = 1; e <= kMaxErrno; ++e) {
    if (const char* n = strerrorname_np(e))
      out.emplace_back(n);
  }
  return out;
}

std::optional<int> capability_value(std::string_view name) {
  const std::string_view bare = strip_prefix(name, "CAP_");
  for (const CapName& c : kCapabilities) {
    if (strip_prefix(c.name, "CAP_") == bare)
      return c.value;
  }
  return std::nullopt;
}

std::string capability_name(int value) {
  for (const CapName& c : kCapabilities) {
    if (c.value == value)
      return c.name;
  }
  return {};
}

std::vector<std::string> all_capability_names() {
  std::vector<std::string> out;
  for (const CapName& c : kCapabilities)
    out.emplace_back(c.name);
  return out;
}

const std::vector<Constant>& all_constants() {
  static const std::vector<Constant> constants = build_constants();
  return constants;
}

const Constant* find_constant(std::string_view name) {
  for (const Constant& c : all_constants()) {
    if (c.name == name)
      return &c;
  }
  return nullptr;
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& choices) {
  std::optional<std::string> best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& c : choices) {
    const size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace sa::catalog
