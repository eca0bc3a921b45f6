#include "bare_supervisor.hpp"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernel/seccomp_abi.hpp"

namespace sa::bench {
namespace {

void die(const char* what) {
  std::perror(what);
  std::abort();
}

void recv_one(int fd, seccomp_notif* req) {
  std::memset(req, 0, sizeof *req);
  if (::ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) != 0)
    die("RECV");
}

void send_one(int fd, const seccomp_notif_resp* resp) {
  if (::ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) != 0)
    die("SEND");
}

bool id_valid(int fd, uint64_t id) {
  return ::ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

struct MkdirChild {
  int mnt, root, cwd, notify;
  uint64_t id;
  mode_t umask_value, mode;
  const char* path;
  int result;
};

int mkdir_child(void* raw) {
  auto* a = static_cast<MkdirChild*>(raw);
  if (::syscall(SYS_setns, a->mnt, CLONE_NEWNS) != 0 || ::syscall(SYS_fchdir, a->root) != 0 ||
      ::syscall(SYS_chroot, ".") != 0 || ::syscall(SYS_fchdir, a->cwd) != 0) {
    a->result = -errno;
    return 1;
  }
  ::syscall(SYS_umask, a->umask_value);
  if (!id_valid(a->notify, a->id)) {
    a->result = -ENOENT;
    return 1;
  }
  a->result = ::syscall(SYS_mkdir, a->path, a->mode) == 0 ? 0 : -errno;
  return 0;
}

// The path argument, page by page up to its NUL.
void read_path(int mem, uint64_t addr, char* out, size_t size) {
  size_t got = 0;
  while (got < size) {
    size_t want = 4096 - ((addr + got) & 4095);
    if (want > size - got)
      want = size - got;
    const ssize_t n = ::pread(mem, out + got, want, static_cast<off_t>(addr + got));
    if (n <= 0)
      die("pread");
    if (std::memchr(out + got, 0, static_cast<size_t>(n)) != nullptr)
      return;
    got += static_cast<size_t>(n);
  }
  die("path too long");
}

mode_t read_umask(const char* proc) {
  char path[64], text[2048];
  std::snprintf(path, sizeof path, "%s/status", proc);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0)
    die("status");
  text[n] = 0;
  const char* line = std::strstr(text, "Umask:");
  return line != nullptr ? static_cast<mode_t>(std::strtoul(line + 6, nullptr, 8)) : 022;
}

int open_in(const char* proc, const char* name, int flags) {
  char path[64];
  std::snprintf(path, sizeof path, "%s/%s", proc, name);
  const int fd = ::open(path, flags | O_CLOEXEC);
  if (fd < 0)
    die(path);
  return fd;
}

// Receive, answer with `flags` and `error`, nothing else.
void answer_loop(int notify_fd, int count, WaitStyle wait, uint32_t flags, int error) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, notify_fd, &ev);
  seccomp_notif req;
  seccomp_notif_resp resp{};
  for (int i = 0; i < count; ++i) {
    if (wait == WaitStyle::Epoll && ::epoll_wait(ep, &ev, 1, -1) != 1)
      die("epoll_wait");
    recv_one(notify_fd, &req);
    resp.id = req.id;
    resp.flags = flags;
    resp.error = -error;
    send_one(notify_fd, &resp);
  }
  ::close(ep);
}

alignas(16) char g_stack[64 * 1024];

}  // namespace

bool bare_enable_sync_wake_up(int notify_fd) {
  return ::ioctl(notify_fd, kernel::abi::kNotifSetFlags, kernel::abi::kSyncWakeUp) == 0;
}

void bare_continue_loop(int notify_fd, int count, WaitStyle wait) {
  answer_loop(notify_fd, count, wait, SECCOMP_USER_NOTIF_FLAG_CONTINUE, 0);
}

void bare_errno_loop(int notify_fd, int count, int error, WaitStyle wait) {
  answer_loop(notify_fd, count, wait, 0, error);
}

void bare_read_path_loop(int notify_fd, int count) {
  seccomp_notif req;
  for (int i = 0; i < count; ++i) {
    recv_one(notify_fd, &req);
    char proc[32], path[4096];
    std::snprintf(proc, sizeof proc, "/proc/%u", req.pid);
    const int mem = open_in(proc, "mem", O_RDONLY);
    if (!id_valid(notify_fd, req.id))
      die("ID_VALID");
    read_path(mem, req.data.args[0], path, sizeof path);
    ::close(mem);
    if (!id_valid(notify_fd, req.id))
      die("ID_VALID");
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    send_one(notify_fd, &resp);
  }
}

void bare_mkdir_loop(int notify_fd, int count) {
  seccomp_notif req;
  for (int i = 0; i < count; ++i) {
    recv_one(notify_fd, &req);
    char proc[32], path[4096];
    std::snprintf(proc, sizeof proc, "/proc/%u", req.pid);
    const int mem = open_in(proc, "mem", O_RDONLY);
    if (!id_valid(notify_fd, req.id))
      die("ID_VALID");
    read_path(mem, req.data.args[0], path, sizeof path);
    ::close(mem);
    MkdirChild a{open_in(proc, "ns/mnt", O_RDONLY),
                 open_in(proc, "root", O_PATH),
                 open_in(proc, "cwd", O_PATH),
                 notify_fd,
                 req.id,
                 read_umask(proc),
                 static_cast<mode_t>(req.data.args[1]),
                 path,
                 0};
    if (!id_valid(notify_fd, req.id))
      die("ID_VALID");
    const pid_t pid =
        ::clone(mkdir_child, g_stack + sizeof g_stack, CLONE_VM | CLONE_VFORK | CLONE_FILES, &a);
    if (pid < 0 || ::waitpid(pid, nullptr, __WCLONE) != pid)
      die("clone");
    ::close(a.mnt);
    ::close(a.root);
    ::close(a.cwd);
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.error = a.result;
    send_one(notify_fd, &resp);
  }
}

}  // namespace sa::bench
