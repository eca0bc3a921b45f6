#define BOOST_TEST_MODULE emulate
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "kernel/cgroup_paths.hpp"
#include "kernel/emulate.hpp"
#include "support/child.hpp"
#include "support/container_root.hpp"
#include "support/printing.hpp"
#include "support/serve.hpp"

namespace fs = std::filesystem;
using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

const std::vector<std::string> kEmulated = {"mkdir",    "mkdirat",   "chmod",     "fchmod",
                                            "fchmodat", "mount",     "mknod",     "mknodat",
                                            "setxattr", "lsetxattr", "fsetxattr", "sysinfo"};

// A caller living in `root` (cwd /work, umask 027, private mount namespace).
NotifiedChild caller_in(const ContainerRoot& root, Child::Body body) {
  return spawn_notified(kEmulated, std::move(body), [&root] { root.enter("/work", 027); });
}

// Serves `count` notifications and returns the caller's reported results.
std::vector<CallResult> serve(NotifiedChild& c, int count, const EmulateOptions& options = {}) {
  for (int i = 0; i < count; ++i) {
    const EmulationResult e = serve_one(c.notify, options);
    BOOST_TEST_REQUIRE(e.outcome == EmulationOutcome::Done,
                       (e.failure ? e.failure->what() : "target gone"));
  }
  std::vector<CallResult> results;
  for (int i = 0; i < count; ++i) {
    results.push_back(c.child.channel().get<CallResult>());
  }
  BOOST_TEST(c.child.wait() == 0);
  return results;
}

int report(const Channel& channel, long ret) {
  channel.put(call_result(ret));
  return 0;
}

long fs_type(const char* path) {
  struct statfs st {};
  return ::statfs(path, &st) == 0 ? static_cast<long>(st.f_type) : -errno;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out)
    throw std::runtime_error("write " + path);
}

// For a child's setup: a new user namespace whose root is `kernel_uid` on
// the host, maps written by a helper left behind in the parent namespace.
void enter_user_namespace_as_root(uid_t kernel_uid) {
  int go[2];
  if (::pipe(go) != 0)
    throw std::runtime_error("pipe");
  const pid_t self = ::getpid();
  const pid_t helper = ::fork();
  if (helper == 0) {
    char byte;
    if (::read(go[0], &byte, 1) != 1)
      ::_exit(1);
    const std::string proc = "/proc/" + std::to_string(self);
    const std::string map = "0 " + std::to_string(kernel_uid) + " 65536\n";
    write_file(proc + "/uid_map", map);
    write_file(proc + "/gid_map", map);
    ::_exit(0);
  }
  if (::unshare(CLONE_NEWUSER) != 0)
    throw std::runtime_error("unshare user");
  if (::write(go[1], "g", 1) != 1)
    throw std::runtime_error("pipe write");
  int status = 0;
  ::waitpid(helper, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("maps");
  ::close(go[0]);
  ::close(go[1]);
  if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0) {
    throw std::runtime_error("setresuid 0");
  }
}

// For a child's setup: pid 1 of a new pid namespace (the child forks once
// after unsharing and waits for it), living in `root`.
void become_pid_one_in(const ContainerRoot& root) {
  if (::unshare(CLONE_NEWPID) != 0)
    throw std::runtime_error("unshare pid");
  if (const pid_t pid = ::fork(); pid != 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 98);
  }
  root.enter("/", 022);
}

std::string unique(const std::string& stem) {
  return stem + "-" + std::to_string(::getpid());
}

}  // namespace

BOOST_AUTO_TEST_CASE(mkdir_absolute_with_the_callers_umask) {
  ContainerRoot root;
  auto c = caller_in(root, [](const Channel& ch) { return report(ch, ::mkdir("/made", 0777)); });
  BOOST_TEST(serve(c, 1).at(0) == (CallResult{0, 0}));
  BOOST_TEST(fs::is_directory(root.host("/made")));
  BOOST_TEST(mode_of(root.host("/made")) == 0750u);
}

BOOST_AUTO_TEST_CASE(mkdir_relative_to_the_callers_cwd) {
  ContainerRoot root;
  auto c = caller_in(root, [](const Channel& ch) { return report(ch, ::mkdir("rel", 0700)); });
  BOOST_TEST(serve(c, 1).at(0) == (CallResult{0, 0}));
  BOOST_TEST(fs::is_directory(root.host("/work/rel")));
  BOOST_TEST(!fs::exists(root.host("/rel")));
}

BOOST_AUTO_TEST_CASE(the_real_errno_comes_back) {
  ContainerRoot root;
  auto c = caller_in(root, [](const Channel& ch) {
    report(ch, ::mkdir("/work", 0755));
    report(ch, ::mkdir("/missing/x", 0755));
    return report(ch, ::chmod("/nothing", 0600));
  });
  const auto results = serve(c, 3);
  BOOST_TEST(results.at(0) == (CallResult{-1, EEXIST}));
  BOOST_TEST(results.at(1) == (CallResult{-1, ENOENT}));
  BOOST_TEST(results.at(2) == (CallResult{-1, ENOENT}));
}

BOOST_AUTO_TEST_CASE(mkdirat_relative_to_a_dirfd_and_to_at_fdcwd) {
  ContainerRoot root;
  auto c = caller_in(root, [](const Channel& ch) {
    const int dirfd = ::open("/work/d", O_RDONLY | O_DIRECTORY);
    report(ch, ::mkdirat(dirfd, "sub", 0777));
    report(ch, ::mkdirat(AT_FDCWD, "cwdsub", 0777));
    report(ch, ::mkdirat(77, "badfd", 0777));
    report(ch, ::mkdirat(77, "/abs-ignores-dirfd", 0777));
    report(ch, ::mkdirat(-5, "negative", 0777));
    return 0;
  });
  const auto results = serve(c, 5);
  BOOST_TEST(results.at(0) == (CallResult{0, 0}));
  BOOST_TEST(results.at(1) == (CallResult{0, 0}));
  BOOST_TEST(results.at(2) == (CallResult{-1, EBADF}));
  BOOST_TEST(results.at(3) == (CallResult{0, 0}));
  BOOST_TEST(results.at(4) == (CallResult{-1, EBADF}));
  BOOST_TEST(mode_of(root.host("/work/d/sub")) == 0750u);
  BOOST_TEST(fs::is_directory(root.host("/work/cwdsub")));
  BOOST_TEST(fs::is_directory(root.host("/abs-ignores-dirfd")));
}

BOOST_AUTO_TEST_CASE(paths_cannot_leave_the_container_root) {
  ContainerRoot root;
  const std::string a = unique("sa-escape-abs"), b = unique("sa-escape-dots"),
                    c_name = unique("sa-escape-link"), d = unique("sa-escape-dirfd");
  auto c = caller_in(root, [&](const Channel& ch) {
    report(ch, ::mkdir(("/abs/" + a).c_str(), 0755));
    report(ch, ::mkdir(("../../../../../" + b).c_str(), 0755));
    report(ch, ::mkdir(("up/" + c_name).c_str(), 0755));
    const int dirfd = ::open("/work", O_RDONLY | O_DIRECTORY);
    report(ch, ::mkdirat(dirfd, ("../../../../" + d).c_str(), 0755));
    return 0;
  });
  for (const CallResult& r : serve(c, 4)) {
    BOOST_TEST(r == (CallResult{0, 0}));
  }
  for (const std::string& name : {a, b, c_name, d}) {
    BOOST_TEST(fs::is_directory(root.host("/" + name)), name);
    BOOST_TEST(!fs::exists("/" + name), name);
    BOOST_TEST(!fs::exists("/tmp/" + name), name);
  }
}

BOOST_AUTO_TEST_CASE(chmod_fchmod_fchmodat) {
  ContainerRoot root;
  auto c = caller_in(root, [](const Channel& ch) {
    report(ch, ::chmod("/f", 0600));
    const int fd = ::open("/work/f2", O_RDONLY);
    report(ch, ::fchmod(fd, 0640));
    const int dirfd = ::open("/work", O_RDONLY | O_DIRECTORY);
    report(ch, ::syscall(SYS_fchmodat, dirfd, "d", 0711));
    report(ch, ::fchmod(99, 0600));
    return 0;
  });
  const auto results = serve(c, 4);
  BOOST_TEST(results.at(0) == (CallResult{0, 0}));
  BOOST_TEST(results.at(1) == (CallResult{0, 0}));
  BOOST_TEST(results.at(2) == (CallResult{0, 0}));
  BOOST_TEST(results.at(3) == (CallResult{-1, EBADF}));
  BOOST_TEST(mode_of(root.host("/f")) == 0600u);
  BOOST_TEST(mode_of(root.host("/work/f2")) == 0640u);
  BOOST_TEST(mode_of(root.host("/work/d")) == 0711u);
}

BOOST_AUTO_TEST_CASE(mount_tmpfs_in_the_callers_mount_namespace) {
  ContainerRoot root;
  auto c = caller_in(root, [](const Channel& ch) {
    report(ch, ::mount("none", "/mnt-tmp", "tmpfs", 0, "size=1m,mode=0700"));
    return report(ch, fs_type("/mnt-tmp"));
  });
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  BOOST_TEST(c.child.channel().get<CallResult>().ret == long{TMPFS_MAGIC});
  BOOST_TEST(c.child.wait() == 0);
  // The agent's own mount namespace is untouched.
  BOOST_TEST(fs_type(root.host("/mnt-tmp").c_str()) != long{TMPFS_MAGIC});
}

// Emulating a mount means making a new filesystem. A bind, remount, move or
// propagation change would reach what the runtime set up (a read-only
// /proc/sys made writable): EPERM, as for a caller without CAP_SYS_ADMIN,
// before anything is done; so is a type needing a block device.
BOOST_AUTO_TEST_CASE(only_new_filesystems_are_mounted) {
  ContainerRoot root;
  auto c = caller_in(root, [](const Channel& ch) {
    report(ch, ::mount("/work", "/bind", nullptr, MS_BIND, nullptr));
    report(ch, ::mount(nullptr, "/", "tmpfs", MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr));
    report(ch, ::mount(nullptr, "/work", nullptr, MS_PRIVATE, nullptr));
    report(ch, ::mount("/dev/null", "/mnt-tmp", "ext4", 0, nullptr));
    report(ch, ::mount("none", "/mnt-tmp", "debugfs", 0, nullptr));
    report(ch, ::mount("none", "/missing", "tmpfs", MS_BIND, nullptr));
    return report(ch, ::mount("none", "/mnt-tmp", "no-such-fs", 0, nullptr));
  });
  const auto results = serve(c, 7);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(results.at(i) == (CallResult{-1, EPERM}), i);
  // The target is looked up first, as the kernel does.
  BOOST_TEST(results.at(5) == (CallResult{-1, ENOENT}));
  BOOST_TEST(results.at(6) == (CallResult{-1, ENODEV}));
  BOOST_TEST(!fs::exists(root.host("/bind/f2")));
}

BOOST_AUTO_TEST_CASE(mount_proc_shows_the_callers_pid_namespace) {
  ContainerRoot root;
  // The caller is pid 1 of a new pid namespace (forked after unshare).
  auto c = spawn_notified(
      kEmulated,
      [](const Channel& ch) {
        report(ch, ::mount("proc", "/proc-mnt", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr));
        char self[32] = {};
        report(ch, ::readlink("/proc-mnt/self", self, sizeof self - 1) > 0 ? std::stol(self) : -1);
        return 0;
      },
      [&root] { become_pid_one_in(root); });
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  BOOST_TEST(c.child.channel().get<CallResult>().ret == 1);
  BOOST_TEST(c.child.wait() == 0);
}

namespace {

// A caller, pid 1 of a new pid namespace, that mounts proc at /proc-mnt
// and reports what it can reach through it: the size read from a masked
// file, whether a masked directory is empty, and the errno of opening
// read-only files for writing (sys/kernel/hostname stands for every
// sysctl: root may write it through an unprotected proc).
NotifiedChild proc_mounter(const ContainerRoot& root) {
  return spawn_notified(
      kEmulated,
      [](const Channel& ch) {
        report(ch, ::mount("proc", "/proc-mnt", "proc", 0, nullptr));
        char buf[256];
        const int masked = ::open("/proc-mnt/meminfo", O_RDONLY);
        report(ch, masked < 0 ? -1 : ::read(masked, buf, sizeof buf));
        report(ch,
               std::distance(fs::directory_iterator("/proc-mnt/driver"), fs::directory_iterator{}));
        report(ch, ::open("/proc-mnt/sys/kernel/hostname", O_WRONLY));
        report(ch, ::open("/proc-mnt/1/oom_score_adj", O_WRONLY) >= 0 ? 0 : -1);
        return report(ch, ::access("/proc-mnt/1/status", R_OK));
      },
      [&root] { become_pid_one_in(root); });
}

}  // namespace

// The emulated proc mount is no weaker than the runtime's /proc: the
// container's masked paths are covered (a file reads empty, a directory is
// an empty read-only tmpfs), its read-only paths are read-only — and all
// of it is in place before the mount is attached.
BOOST_AUTO_TEST_CASE(mount_proc_keeps_the_runtimes_protections) {
  ContainerRoot root;
  RuntimeProtections p;
  p.from_config = true;
  p.masked_paths = {"/proc/meminfo", "/proc/driver", "/proc/no-such-entry", "/sys/firmware"};
  p.readonly_paths = {"/proc/sys", "/proc/1/oom_score_adj"};
  auto c = proc_mounter(root);
  EmulateOptions options;
  options.protections = &p;
  const EmulationResult e = serve_one(c.notify, options);
  BOOST_TEST_REQUIRE(e.outcome == EmulationOutcome::Done, (e.failure ? e.failure->what() : ""));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));  // meminfo: empty
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));  // driver: empty
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{-1, EROFS}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{-1, EROFS}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));  // the rest is there
  BOOST_TEST(c.child.wait() == 0);
}

// Without the container's config: runc's defaults, /proc/sys read-only.
BOOST_AUTO_TEST_CASE(mount_proc_without_a_config_gets_runcs_defaults) {
  ContainerRoot root;
  auto c = proc_mounter(root);
  BOOST_TEST_REQUIRE(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  BOOST_TEST(c.child.channel().get<CallResult>().ret > 0);  // meminfo is not masked by default
  c.child.channel().get<CallResult>();
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{-1, EROFS}));
  BOOST_TEST(c.child.channel().get<CallResult>() ==
             (CallResult{0, 0}));  // not protected by default
  c.child.channel().get<CallResult>();
  BOOST_TEST(c.child.wait() == 0);
}

BOOST_AUTO_TEST_CASE(the_path_read_once_is_the_path_used) {
  // A second caller thread keeps rewriting the path while the agent reads
  // it and while it emulates: the directory made is the one read.
  for (int round = 0; round < 20; ++round) {
    ContainerRoot root;
    auto c = caller_in(root, [](const Channel& ch) {
      static char path[] = "/race-a";
      std::atomic<bool> stop{false};
      std::thread flipper([&] {
        while (!stop.load(std::memory_order_relaxed)) {
          path[6] = path[6] == 'a' ? 'b' : 'a';
        }
      });
      const long ret = ::mkdir(path, 0755);
      stop = true;
      flipper.join();
      return report(ch, ret);
    });
    const Received r = c.notify.receive();
    const StringRequest request{r.notification.args[0], kPathLimit};
    const CallerStrings read = read_caller_strings(c.notify, r.notification, {&request, 1});
    const std::string used = read.values.at(0).value;
    BOOST_TEST_REQUIRE((used == "/race-a" || used == "/race-b"), used);
    const EmulationResult e = emulate_mkdir(c.notify, r.notification, used, 0755);
    c.notify.respond(r.notification.id, e.response());
    BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
    BOOST_TEST(c.child.wait() == 0);
    const std::string other = used == "/race-a" ? "/race-b" : "/race-a";
    BOOST_TEST(fs::is_directory(root.host(used)));
    BOOST_TEST(!fs::exists(root.host(other)));
  }
}

BOOST_AUTO_TEST_CASE(a_dead_caller_gets_nothing_done) {
  ContainerRoot root;
  auto c = caller_in(root, [](const Channel& ch) { return report(ch, ::mkdir("/late", 0755)); });
  const Received r = c.notify.receive();
  c.child.kill_and_wait();
  const EmulationResult e = emulate_mkdir(c.notify, r.notification, "/late", 0755);
  BOOST_TEST(e.outcome == EmulationOutcome::TargetGone);
  BOOST_TEST(!fs::exists(root.host("/late")));
}

BOOST_AUTO_TEST_CASE(as_the_caller_in_its_user_namespace) {
  // Kernel uid 100000 is root of the caller's user namespace, which owns
  // its mount namespace. With the agent's privileges (`as agent`) a new
  // directory is the host root's; with the caller's (the default), it is
  // the caller's.
  ContainerRoot root;
  BOOST_TEST_REQUIRE(::chown(root.host("/work").c_str(), 100000, 100000) == 0);
  auto c = spawn_notified(
      kEmulated,
      [](const Channel& ch) {
        report(ch, ::mkdir("as-agent", 0755));
        report(ch, ::mkdir("as-caller", 0755));
        report(ch, ::mount("none", "/mnt-tmp", "tmpfs", 0, nullptr));
        return report(ch, fs_type("/mnt-tmp"));
      },
      [&root] {
        enter_user_namespace_as_root(100000);
        root.enter("/work", 022);
      });
  const EmulateOptions as_agent{true};
  BOOST_TEST(serve_one(c.notify, as_agent).outcome == EmulationOutcome::Done);
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  }
  BOOST_TEST(c.child.channel().get<CallResult>().ret == long{TMPFS_MAGIC});
  BOOST_TEST(c.child.wait() == 0);
  BOOST_TEST(fs::is_directory(root.host("/work/as-agent")));
  struct stat agent {
  }, caller{};
  ::stat(root.host("/work/as-agent").c_str(), &agent);
  ::stat(root.host("/work/as-caller").c_str(), &caller);
  BOOST_TEST(agent.st_uid == 0u);
  BOOST_TEST(caller.st_uid == 100000u);
  BOOST_TEST(caller.st_gid == 100000u);
}

BOOST_AUTO_TEST_CASE(the_callers_credentials_are_checked_in_its_user_namespace) {
  // An ordinary user of the caller's namespace: the kernel refuses what
  // that user may not do. A mount is granted CAP_SYS_ADMIN (that is what
  // emulating it means; the rule decides who may) and nothing else: the
  // new tmpfs is the caller's.
  ContainerRoot root;
  auto c = spawn_notified(
      kEmulated,
      [](const Channel& ch) {
        if (::setresgid(1000, 1000, 1000) != 0 || ::setresuid(1000, 1000, 1000) != 0) {
          throw std::runtime_error("setresuid 1000");
        }
        report(ch, ::mkdir("/work/refused", 0755));
        report(ch, ::mount("none", "/mnt-tmp", "tmpfs", 0, nullptr));
        struct stat st {};
        report(ch, ::stat("/mnt-tmp", &st) == 0 ? long{st.st_uid} : -1);
        return 0;
      },
      [&root] {
        enter_user_namespace_as_root(100000);
        root.enter("/work", 022);
      });
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{-1, EACCES}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{1000, 0}));
  BOOST_TEST(c.child.wait() == 0);
  BOOST_TEST(!fs::exists(root.host("/work/refused")));
}

BOOST_AUTO_TEST_CASE(the_callers_capabilities_are_its_own) {
  // Root of its user namespace without CAP_DAC_OVERRIDE: a directory of
  // another user of its namespace, mode 0700, is closed to it, as the
  // kernel has it; `as agent` overrides that.
  ContainerRoot root;
  BOOST_TEST_REQUIRE(::chown(root.host("/work").c_str(), 100000, 100000) == 0);
  BOOST_TEST_REQUIRE(::mkdir(root.host("/work/private").c_str(), 0700) == 0);
  BOOST_TEST_REQUIRE(::chown(root.host("/work/private").c_str(), 101000, 101000) == 0);
  auto c = spawn_notified(
      kEmulated,
      [](const Channel& ch) {
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        if (::syscall(SYS_capget, &header, data) != 0)
          throw std::runtime_error("capget");
        constexpr uint32_t dac = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
        data[0].effective &= ~dac;
        data[0].permitted &= ~dac;
        if (::syscall(SYS_capset, &header, data) != 0)
          throw std::runtime_error("capset");
        report(ch, ::mkdir("/work/private/refused", 0755));
        report(ch, ::mkdir("/work/private/as-agent", 0755));
        return report(ch, ::mkdir("/work/allowed", 0755));
      },
      [&root] {
        enter_user_namespace_as_root(100000);
        root.enter("/work", 022);
      });
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(serve_one(c.notify, EmulateOptions{true}).outcome == EmulationOutcome::Done);
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{-1, EACCES}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  BOOST_TEST(c.child.wait() == 0);
}

struct Node {
  mode_t mode = 0;
  uid_t uid = 0;
  dev_t rdev = 0;
};

Node node_at(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0)
    return {};
  return {st.st_mode, st.st_uid, st.st_rdev};
}

// What emulating mknod grants is CAP_MKNOD, and nothing else: a caller
// without capabilities (uid 1000) gets /dev/null's device in /tmp, made
// with its own uid and umask, and is still refused a directory it may not
// write to. The kernel alone would refuse the device (EPERM).
BOOST_AUTO_TEST_CASE(mknod_grants_cap_mknod_and_nothing_else) {
  ContainerRoot root;
  fs::create_directory(root.host("/tmp"));
  fs::permissions(root.host("/tmp"), fs::perms(01777));
  const auto as_uid_1000 = [](const Channel& ch) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(1000, 1000, 1000) != 0 ||
        ::setresuid(1000, 1000, 1000) != 0)
      throw std::runtime_error("setresuid 1000");
    report(ch, ::mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3)));
    report(ch, ::mknod("/work/null", S_IFCHR | 0666, makedev(1, 3)));
    return report(ch, ::mknodat(AT_FDCWD, "../tmp/fifo", S_IFIFO | 0666, 0));
  };
  {
    Child native = Child::spawn([&](const Channel& ch) {
      root.enter("/work", 027);
      return as_uid_1000(ch);
    });
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{-1, EPERM}));
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{-1, EACCES}));
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{0, 0}));
    BOOST_TEST(native.wait() == 0);
    fs::remove(root.host("/tmp/fifo"));
  }
  auto c = caller_in(root, as_uid_1000);
  const std::vector<CallResult> r = serve(c, 3);
  BOOST_TEST(r.at(0) == (CallResult{0, 0}));
  BOOST_TEST(r.at(1) == (CallResult{-1, EACCES}));
  BOOST_TEST(r.at(2) == (CallResult{0, 0}));
  const Node null = node_at(root.host("/tmp/null"));
  BOOST_TEST(S_ISCHR(null.mode));
  BOOST_TEST((null.mode & 07777) == 0640u);  // 0666 less the caller's umask 027
  BOOST_TEST(null.uid == 1000u);
  BOOST_TEST(null.rdev == makedev(1, 3));
  BOOST_TEST(S_ISFIFO(node_at(root.host("/tmp/fifo")).mode));
  BOOST_TEST(node_at(root.host("/tmp/fifo")).uid == 1000u);
  BOOST_TEST(!fs::exists(root.host("/work/null")));
}

// A caller that is root of a user namespace of its own: CAP_MKNOD there makes
// no device (the kernel asks for it in the initial namespace), so the
// emulation makes the node in the agent's namespace with the caller's kernel
// ids: owned by the caller's root as the host sees it (100000).
BOOST_AUTO_TEST_CASE(mknod_for_a_caller_in_its_user_namespace) {
  ContainerRoot root;
  BOOST_TEST_REQUIRE(::chown(root.host("/work").c_str(), 100000, 100000) == 0);
  auto c = spawn_notified(
      kEmulated,
      [](const Channel& ch) {
        return report(ch, ::mknod("/work/zero", S_IFCHR | 0666, makedev(1, 5)));
      },
      [&root] {
        enter_user_namespace_as_root(100000);
        root.enter("/work", 022);
      });
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  BOOST_TEST(c.child.wait() == 0);
  const Node zero = node_at(root.host("/work/zero"));
  BOOST_TEST(S_ISCHR(zero.mode));
  BOOST_TEST(zero.uid == 100000u);
  BOOST_TEST(zero.rdev == makedev(1, 5));
}

BOOST_AUTO_TEST_CASE(a_failure_to_become_the_caller_is_reported_not_hidden) {
  // A user namespace without maps: the caller's ids there do not exist, so
  // the agent cannot take them; it says which step failed and why.
  ContainerRoot root;
  auto c = spawn_notified(
      kEmulated, [](const Channel& ch) { return report(ch, ::mkdir("/never", 0755)); },
      [&root] {
        if (::unshare(CLONE_NEWUSER) != 0)
          throw std::runtime_error("unshare user");
        root.enter("/work", 022);
      });
  const Received r = c.notify.receive();
  const EmulationResult e = emulate_mkdir(c.notify, r.notification, "/never", 0755);
  BOOST_TEST_REQUIRE(e.outcome == EmulationOutcome::Failed);
  BOOST_TEST(e.failure->err() == EINVAL);
  BOOST_TEST(std::string(e.failure->what()) ==
             "emulation: take the caller's credentials: Invalid argument");
  c.notify.respond(r.notification.id, Response::fail(EPERM));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{-1, EPERM}));
  BOOST_TEST(c.child.wait() == 0);
  BOOST_TEST(!fs::exists(root.host("/never")));
}

BOOST_AUTO_TEST_CASE(no_fd_is_leaked) {
  const size_t before = count_open_fds();
  {
    ContainerRoot root;
    auto c = caller_in(root, [](const Channel& ch) {
      const int dirfd = ::open("/work", O_RDONLY | O_DIRECTORY);
      report(ch, ::mkdirat(dirfd, "x", 0755));
      report(ch, ::mkdirat(dirfd, "x", 0755));
      report(ch, ::mount("none", "/mnt-tmp", "tmpfs", 0, nullptr));
      return report(ch, ::fchmod(dirfd, 0700));
    });
    serve(c, 4);
  }
  BOOST_TEST(count_open_fds() == before);
}

std::string attribute(const fs::path& p, const char* name) {
  char value[64];
  const ssize_t n = ::lgetxattr(p.c_str(), name, value, sizeof value);
  return n < 0 ? "(none)" : std::string(value, static_cast<size_t>(n));
}

// What emulating setxattr grants is CAP_SYS_ADMIN for a trusted.* name, and
// nothing else: uid 1000 without capabilities sets trusted.overlay.opaque on
// its own directory (the kernel alone answers EPERM), is still refused where
// its path may not lead (EACCES), and a user.* name is set with its own
// rights (EACCES on root's file).
BOOST_AUTO_TEST_CASE(setxattr_grants_cap_sys_admin_for_trusted_names_only) {
  ContainerRoot root;
  for (const char* dir : {"/tmp", "/tmp/own", "/private"})
    fs::create_directory(root.host(dir));
  fs::permissions(root.host("/tmp"), fs::perms(01777));
  fs::permissions(root.host("/private"), fs::perms(0700));
  fs::create_directory(root.host("/private/d"));
  BOOST_TEST_REQUIRE(::chown(root.host("/tmp/own").c_str(), 1000, 1000) == 0);
  const auto as_uid_1000 = [](const Channel& ch) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(1000, 1000, 1000) != 0 ||
        ::setresuid(1000, 1000, 1000) != 0)
      throw std::runtime_error("setresuid 1000");
    report(ch, ::setxattr("/tmp/own", "trusted.overlay.opaque", "y", 1, 0));
    report(ch, ::setxattr("/private/d", "trusted.overlay.opaque", "y", 1, 0));
    report(ch, ::setxattr("/work", "user.x", "y", 1, 0));
    return report(ch, ::fsetxattr(::open("/tmp/own", O_RDONLY | O_DIRECTORY),
                                  "trusted.overlay.redirect", "/a", 2, 0));
  };
  {
    Child native = Child::spawn([&](const Channel& ch) {
      root.enter("/work", 027);
      return as_uid_1000(ch);
    });
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{-1, EPERM}));
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{-1, EACCES}));
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{-1, EACCES}));
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{-1, EPERM}));
    BOOST_TEST(native.wait() == 0);
  }
  BOOST_TEST(attribute(root.host("/tmp/own"), "trusted.overlay.opaque") == "(none)");
  auto c = caller_in(root, as_uid_1000);
  const std::vector<CallResult> r = serve(c, 4);
  BOOST_TEST(r.at(0) == (CallResult{0, 0}));
  BOOST_TEST(r.at(1) == (CallResult{-1, EACCES}));
  BOOST_TEST(r.at(2) == (CallResult{-1, EACCES}));
  BOOST_TEST(r.at(3) == (CallResult{0, 0}));
  BOOST_TEST(attribute(root.host("/tmp/own"), "trusted.overlay.opaque") == "y");
  BOOST_TEST(attribute(root.host("/tmp/own"), "trusted.overlay.redirect") == "/a");
  BOOST_TEST(attribute(root.host("/private/d"), "trusted.overlay.opaque") == "(none)");
  BOOST_TEST(attribute(root.host("/work"), "user.x") == "(none)");
}

// A caller that is root of a user namespace of its own: CAP_SYS_ADMIN there
// sets no trusted.* attribute (the kernel asks for it in the initial
// namespace); the emulation sets it in the agent's namespace. A user.* name
// is set in a child inside the caller's namespace, as the caller.
BOOST_AUTO_TEST_CASE(setxattr_for_a_caller_in_its_user_namespace) {
  ContainerRoot root;
  BOOST_TEST_REQUIRE(::chown(root.host("/work/d").c_str(), 100000, 100000) == 0);
  const auto body = [](const Channel& ch) {
    report(ch, ::setxattr("/work/d", "user.x", "u", 1, 0));
    return report(ch, ::lsetxattr("/work/d", "trusted.overlay.opaque", "y", 1, 0));
  };
  const auto setup = [&root] {
    enter_user_namespace_as_root(100000);
    root.enter("/work", 022);
  };
  {
    Child native = Child::spawn([&](const Channel& ch) {
      setup();
      return body(ch);
    });
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{0, 0}));
    BOOST_TEST(native.channel().get<CallResult>() == (CallResult{-1, EPERM}));
    BOOST_TEST(native.wait() == 0);
  }
  BOOST_TEST_REQUIRE(::removexattr(root.host("/work/d").c_str(), "user.x") == 0);
  auto c = spawn_notified(kEmulated, body, setup);
  const std::vector<CallResult> r = serve(c, 2);
  BOOST_TEST(r.at(0) == (CallResult{0, 0}));
  BOOST_TEST(r.at(1) == (CallResult{0, 0}));
  BOOST_TEST(attribute(root.host("/work/d"), "user.x") == "u");
  BOOST_TEST(attribute(root.host("/work/d"), "trusted.overlay.opaque") == "y");
}

// A memory cgroup of its own with a 64 MiB limit for the caller, on
// whichever hierarchy the memory controller is (v1 here, v2 elsewhere);
// removed with the test. Empty `dir` when this machine cannot make one.
struct LimitedCgroup {
  std::string dir;
  std::string procs;
  LimitedCgroup() {
    const auto proc_cgroup = read_file("/proc/self/cgroup");
    const auto mountinfo = read_file("/proc/self/mountinfo");
    const auto memory = controller_dir(proc_cgroup.value_or(""), mountinfo.value_or(""), "memory");
    if (!memory)
      return;
    const std::string made = memory->dir + "/sa-test-sysinfo-" + std::to_string(::getpid());
    if (::mkdir(made.c_str(), 0755) != 0)
      return;
    std::ofstream limit(made + (memory->v1 ? "/memory.limit_in_bytes" : "/memory.max"));
    limit << (64 << 20) << std::flush;
    if (!limit) {
      ::rmdir(made.c_str());
      return;
    }
    dir = made;
    procs = made + "/cgroup.procs";
  }
  ~LimitedCgroup() {
    if (!dir.empty())
      ::rmdir(dir.c_str());
  }
  LimitedCgroup(const LimitedCgroup&) = delete;
  LimitedCgroup& operator=(const LimitedCgroup&) = delete;
};

// sysinfo through the agent answers from the caller's memory cgroup: the
// limit as totalram, the limit less the usage as freeram, in bytes; the
// struct lands in the caller's memory. The kernel alone answers the host's.
BOOST_AUTO_TEST_CASE(sysinfo_answers_from_the_callers_memory_cgroup) {
  const LimitedCgroup cgroup;
  BOOST_TEST_REQUIRE(!cgroup.dir.empty(), "this machine cannot make a memory cgroup");
  const auto body = [](const Channel& ch) {
    struct sysinfo si {};
    const long ret = ::sysinfo(&si);
    ch.put(call_result(ret));
    ch.put(si);
    return 0;
  };
  const auto setup = [&cgroup] { std::ofstream(cgroup.procs) << "0" << std::flush; };
  struct sysinfo native {};
  {
    Child child = Child::spawn([&](const Channel& ch) {
      setup();
      return body(ch);
    });
    BOOST_TEST(child.channel().get<CallResult>() == (CallResult{0, 0}));
    native = child.channel().get<struct sysinfo>();
    BOOST_TEST(child.wait() == 0);
  }
  const uint64_t limit = uint64_t{64} << 20;
  BOOST_TEST_REQUIRE(native.totalram * native.mem_unit > limit);
  auto c = spawn_notified(kEmulated, body, setup);
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{0, 0}));
  const auto si = c.child.channel().get<struct sysinfo>();
  BOOST_TEST(c.child.wait() == 0);
  BOOST_TEST(si.mem_unit == 1u);
  BOOST_TEST(si.totalram == limit);
  BOOST_TEST(si.freeram < limit);
  BOOST_TEST(si.freeram > 0u);  // the caller uses far less than 64 MiB
  BOOST_TEST(si.bufferram == 0u);
  BOOST_TEST(si.sharedram <= limit);
  BOOST_TEST(si.uptime >= native.uptime);  // the host's, as the kernel counts it
}

// The open family, notified alone so that the other calls of a caller are not.
const std::vector<std::string> kOpens = {"open", "openat", "openat2"};

std::string content_of(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Root of a user namespace of its own (100000 on the host): the file is
// opened in a child in that namespace with its ids, through path_walk and
// through the kernel's openat2 with resolve flags alike. It creates in a
// directory its root owns, writes through the fd it was given (close-on-exec
// as asked), and is refused a file of the host's root: its capabilities
// count in its namespace only.
BOOST_AUTO_TEST_CASE(open_for_a_caller_in_its_user_namespace) {
  ContainerRoot root;
  BOOST_TEST_REQUIRE(::chown(root.host("/work").c_str(), 100000, 100000) == 0);
  std::ofstream(root.host("/secret")) << "secret";
  fs::permissions(root.host("/secret"), fs::perms(0600));
  auto c = spawn_notified(
      kOpens,
      [](const Channel& ch) {
        const int fd = ::open("/work/new", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        report(ch, fd < 0 ? fd : ::write(fd, "data", 4));
        report(ch, ::fcntl(fd, F_GETFD));
        open_how how{};
        how.flags = O_RDONLY;
        how.resolve = RESOLVE_NO_MAGICLINKS;
        report(ch, ::syscall(SYS_openat2, AT_FDCWD, "/secret", &how, sizeof how));
        how.flags = O_WRONLY | O_APPEND;
        const long again = ::syscall(SYS_openat2, AT_FDCWD, "new", &how, sizeof how);
        return report(ch, again < 0 ? again : ::write(static_cast<int>(again), "+", 1));
      },
      [&root] {
        enter_user_namespace_as_root(100000);
        root.enter("/work", 022);
      });
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::InstallFd);
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::Done);
  BOOST_TEST(serve_one(c.notify).outcome == EmulationOutcome::InstallFd);
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{4, 0}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{FD_CLOEXEC, 0}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{-1, EACCES}));
  BOOST_TEST(c.child.channel().get<CallResult>() == (CallResult{1, 0}));
  BOOST_TEST(c.child.wait() == 0);
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(root.host("/work/new").c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 100000u);
  BOOST_TEST((st.st_mode & 07777) == 0644u);
  BOOST_TEST(content_of(root.host("/work/new")) == "data+");
}

// A caller gone before the open: nothing is made. Gone after the open and
// before the install: ADDFD says so (ENOENT), and the agent keeps no fd.
BOOST_AUTO_TEST_CASE(an_open_for_a_dead_caller_makes_and_installs_nothing) {
  const size_t before = count_open_fds();
  {
    ContainerRoot root;
    auto c = spawn_notified(
        kOpens,
        [](const Channel& ch) { return report(ch, ::open("/late", O_CREAT | O_RDWR, 0644)); },
        [&root] { root.enter("/work", 022); });
    const Received r = c.notify.receive();
    c.child.kill_and_wait();
    const EmulationResult e =
        emulate_open(c.notify, r.notification, "/late", O_CREAT | O_RDWR, 0644);
    BOOST_TEST(e.outcome == EmulationOutcome::TargetGone);
    BOOST_TEST(!fs::exists(root.host("/late")));
  }
  {
    ContainerRoot root;
    auto c = spawn_notified(
        kOpens, [](const Channel& ch) { return report(ch, ::open("/f", O_RDONLY)); },
        [&root] { root.enter("/work", 022); });
    const Received r = c.notify.receive();
    EmulationResult e = emulate_open(c.notify, r.notification, "/f", O_RDONLY, 0);
    BOOST_TEST_REQUIRE(e.outcome == EmulationOutcome::InstallFd);
    c.child.kill_and_wait();
    const AddFdResult added = c.notify.add_fd_and_send(r.notification.id, e.fd.get(), 0);
    BOOST_TEST(added.outcome == AddFdOutcome::TargetGone);
  }
  BOOST_TEST(count_open_fds() == before);
}
