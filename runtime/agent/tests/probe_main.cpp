// sa-agent-probe: makes one kind of system call the way a container process
// would, under the filter sa-notify-launch installed, and prints what the
// kernel (through the agent) answered: "ok VALUE" or "err ERRNO_NAME".
//
//   sa-agent-probe getppid [COUNT]          (COUNT calls, one line each)
//   sa-agent-probe mkdir PATH MODE          (MODE in octal)
//   sa-agent-probe mkdirat DIR NAME MODE    (NAME relative to an fd on DIR)
//   sa-agent-probe chmod PATH MODE | fchmod PATH MODE | fchmodat DIR NAME MODE
//   sa-agent-probe mount SOURCE TARGET FSTYPE [DATA]
//   sa-agent-probe chroot PATH [COUNT]      (COUNT calls, then sleeps until killed)
//   sa-agent-probe race-mkdir GOOD BAD N    (a thread flips the buffer between GOOD and BAD)
//   sa-agent-probe getppid-until PATH [VALUE]  (see busy_getppid)
//   sa-agent-probe getppid-count PATH          (see counting_getppid)
//   sa-agent-probe umask MASK then any of the above
//   sa-agent-probe signals MS then any of the above (SIGALRM every MS ms,
//     SA_RESTART, as the Go runtime's SIGURG: a notified call is interrupted
//     and restarted, and notified again)
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

int report(long r) {
  if (r < 0) {
    const char* name = strerrorname_np(errno);
    std::printf("err %s\n", name != nullptr ? name : "?");
  } else {
    std::printf("ok %ld\n", r);
  }
  std::fflush(stdout);
  return 0;
}

mode_t octal(const char* s) {
  return static_cast<mode_t>(std::strtoul(s, nullptr, 8));
}

int open_dir(const char* dir) {
  return ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

// The caller changes its path while the agent is deciding: whatever the agent
// did must be based on one read, never half of one and half of the other.
int race_mkdir(const std::string& good, const std::string& bad, int rounds) {
  const size_t size = std::max(good.size(), bad.size()) + 1;
  std::vector<char> buffer(size, '\0');
  std::atomic<bool> done = false;
  std::copy(good.begin(), good.end(), buffer.begin());
  std::thread flipper([&] {
    bool to_bad = true;
    while (!done.load(std::memory_order_relaxed)) {
      const std::string& s = to_bad ? bad : good;
      std::fill(buffer.begin(), buffer.end(), '\0');
      std::copy(s.begin(), s.end(), buffer.begin());
      to_bad = !to_bad;
    }
  });
  int created = 0;
  int refused = 0;
  for (int i = 0; i < rounds; ++i) {
    if (::mkdir(buffer.data(), 0755) == 0) {
      ++created;
      ::rmdir(good.c_str());
    } else if (errno == EPERM) {
      ++refused;
    }
  }
  done = true;
  flipper.join();
  std::printf("ok created=%d refused=%d\n", created, refused);
  return 0;
}

// A busy container: getppid over and over, as fast as it goes, until PATH
// exists, getppid answers VALUE or a call fails. PATH.running is created after
// the first 1000 calls. Prints "ok calls=N last=V" or "err ERRNO calls=N".
int busy_getppid(const std::string& path, const char* value) {
  const long wanted = value != nullptr ? std::atol(value) : -1;
  const std::string running = path + ".running";
  long last = 0;
  for (long calls = 1;; ++calls) {
    last = ::syscall(SYS_getppid);
    if (last < 0) {
      const char* name = strerrorname_np(errno);
      std::printf("err %s calls=%ld\n", name != nullptr ? name : "?", calls);
      return 0;
    }
    if (calls == 1000)
      ::close(::open(running.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (last == wanted || (calls % 256 == 0 && ::access(path.c_str(), F_OK) == 0)) {
      std::printf("ok calls=%ld last=%ld\n", calls, last);
      return 0;
    }
  }
}

// Calls getppid until PATH exists, going on after a failed call: what a
// container sees across the agent's crashes. Prints "ok calls=N failed=F
// errnos=E,..." (each errno name once, "-" for none); PATH.running appears
// after the first 1000 calls.
int counting_getppid(const std::string& path) {
  const std::string running = path + ".running";
  long failed = 0;
  std::string errnos;
  long calls = 1;
  for (;; ++calls) {
    if (::syscall(SYS_getppid) < 0) {
      ++failed;
      const char* name = strerrorname_np(errno);
      const std::string text = name != nullptr ? name : "?";
      if (("," + errnos + ",").find("," + text + ",") == std::string::npos)
        errnos += (errnos.empty() ? "" : ",") + text;
    }
    if (calls == 1000)
      ::close(::open(running.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (calls % 256 == 0 && ::access(path.c_str(), F_OK) == 0)
      break;
  }
  std::printf("ok calls=%ld failed=%ld errnos=%s\n", calls, failed,
              errnos.empty() ? "-" : errnos.c_str());
  return 0;
}

}  // namespace

// The probe runs under filters that fake syscalls (getppid answering 7, say).
// LeakSanitizer's exit-time check runs a tracer that compares getppid() with
// its parent's pid and gives up waiting when they differ, leaving the probe
// spinning: in the sanitizer build the probe does not check for leaks (the
// agent and every test binary still do).
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0";
}

void on_alarm(int /*signal*/) {}

void signal_every(long ms) {
  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGALRM, &sa, nullptr);
  const timeval every{ms / 1000, (ms % 1000) * 1000};
  const itimerval timer{every, every};
  ::setitimer(ITIMER_REAL, &timer, nullptr);
}

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() >= 2 && a[0] == "umask") {
    ::umask(octal(a[1].c_str()));
    a.erase(a.begin(), a.begin() + 2);
  }
  if (a.size() >= 2 && a[0] == "signals") {
    signal_every(std::atol(a[1].c_str()));
    a.erase(a.begin(), a.begin() + 2);
  }
  if (a.empty())
    return 2;
  const std::string& cmd = a[0];
  if (cmd == "getppid" && (a.size() == 1 || a.size() == 2)) {
    const int count = a.size() == 2 ? std::atoi(a[1].c_str()) : 1;
    for (int i = 0; i < count; ++i)
      report(::syscall(SYS_getppid));
    return 0;
  }
  if (cmd == "mkdir" && a.size() == 3)
    return report(::mkdir(a[1].c_str(), octal(a[2].c_str())));
  if (cmd == "chmod" && a.size() == 3)
    return report(::chmod(a[1].c_str(), octal(a[2].c_str())));
  if (cmd == "mkdirat" && a.size() == 4) {
    const int dir = open_dir(a[1].c_str());
    return report(::mkdirat(dir, a[2].c_str(), octal(a[3].c_str())));
  }
  if (cmd == "fchmodat" && a.size() == 4) {
    const int dir = open_dir(a[1].c_str());
    return report(::syscall(SYS_fchmodat, dir, a[2].c_str(), octal(a[3].c_str())));
  }
  if (cmd == "fchmod" && a.size() == 3) {
    const int fd = ::open(a[1].c_str(), O_RDONLY | O_CLOEXEC);
    return report(::fchmod(fd, octal(a[2].c_str())));
  }
  if (cmd == "mount" && (a.size() == 4 || a.size() == 5)) {
    const int r = ::mount(a[1].c_str(), a[2].c_str(), a[3].c_str(), 0,
                          a.size() == 5 ? a[4].c_str() : nullptr);
    report(r);
    // Where the mount landed: this process's own mount table.
    struct stat target {};
    struct stat parent {};
    const std::string up = a[2] + "/..";
    const bool mounted = ::stat(a[2].c_str(), &target) == 0 && ::stat(up.c_str(), &parent) == 0 &&
                         target.st_dev != parent.st_dev;
    std::printf("mounted=%s\n", mounted ? "yes" : "no");
    return 0;
  }
  if (cmd == "chroot" && (a.size() == 2 || a.size() == 3)) {
    const int count = a.size() == 3 ? std::atoi(a[2].c_str()) : 1;
    for (int i = 0; i < count; ++i)
      report(::chroot(a[1].c_str()));
    if (a.size() == 3) {
      for (;;)
        ::pause();  // until the agent stops the "container"
    }
    return 0;
  }
  if (cmd == "getppid-until" && (a.size() == 2 || a.size() == 3))
    return busy_getppid(a[1], a.size() == 3 ? a[2].c_str() : nullptr);
  if (cmd == "getppid-count" && a.size() == 2)
    return counting_getppid(a[1]);
  if (cmd == "race-mkdir" && a.size() == 4)
    return race_mkdir(a[1], a[2], std::atoi(a[3].c_str()));
  std::fprintf(stderr, "sa-agent-probe: bad usage\n");
  return 2;
}
