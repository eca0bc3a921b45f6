#define BOOST_TEST_MODULE path_walk
// The resolver against hostile trees, in a child living in a ContainerRoot
// (its own mount namespace, chrooted): nothing it reaches is ever outside
// the root, and its answers are the kernel's.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "kernel/path_walk.hpp"
#include "kernel/proc_dir.hpp"
#include "kernel/proc_status.hpp"
#include "support/child.hpp"
#include "support/container_root.hpp"
#include "support/printing.hpp"

namespace fs = std::filesystem;
using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

// What a walk reached, as the child reports it: the errno, the inode of
// the fd and the last component (Parent).
struct Reached {
  int err = 0;
  ino_t inode = 0;
  char name[NAME_MAX + 1] = {};
};

Reached reach(const WalkFrom& from, const char* path, WalkEnd end) {
  const WalkResult w = walk_path(from, path, end);
  Reached r;
  r.err = w.err;
  if (w.fd >= 0) {
    struct stat st {};
    ::fstat(w.fd, &st);
    r.inode = st.st_ino;
    ::close(w.fd);
  }
  std::memcpy(r.name, w.name, sizeof r.name);
  return r;
}

ino_t host_inode(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(lookups_answer_as_the_kernel_does) {
  ContainerRoot root;
  fs::create_symlink("loop-b", root.host("/loop-a"));
  fs::create_symlink("loop-a", root.host("/loop-b"));
  const std::string long_path = "/" + std::string(NAME_MAX + 1, 'n') + "/x";
  struct Case {
    std::string path;
    WalkEnd end;
    int err;
  };
  const std::vector<Case> cases = {
      {"", WalkEnd::Parent, ENOENT},
      {"/loop-a/x", WalkEnd::Parent, ELOOP},
      {"/loop-a", WalkEnd::Object, ELOOP},
      {"/missing/x", WalkEnd::Parent, ENOENT},
      {"/f/x", WalkEnd::Parent, ENOTDIR},
      {"/f/", WalkEnd::Object, ENOTDIR},
      {long_path, WalkEnd::Parent, ENAMETOOLONG},
      {"/work/d/", WalkEnd::Object, 0},
  };
  Child c = Child::spawn([&](const Channel& ch) {
    root.enter("/work", 022);
    const WalkFrom from{::open("/", O_PATH | O_CLOEXEC), ::open(".", O_PATH | O_CLOEXEC), nullptr};
    for (const Case& k : cases) {
      ch.put(reach(from, k.path.c_str(), k.end).err);
      // The kernel's own answer for the same lookup, for comparison.
      const int fd = ::open(k.path.c_str(), O_PATH | (k.end == WalkEnd::Object ? 0 : O_NOFOLLOW));
      ch.put(fd >= 0 || k.end == WalkEnd::Parent ? 0 : errno);
      if (fd >= 0)
        ::close(fd);
    }
    return 0;
  });
  for (const Case& k : cases) {
    BOOST_TEST(c.channel().get<int>() == k.err, k.path);
    const int kernel = c.channel().get<int>();
    if (k.end == WalkEnd::Object)
      BOOST_TEST(kernel == k.err, "kernel on " << k.path);
  }
  BOOST_TEST(c.wait() == 0);
}

BOOST_AUTO_TEST_CASE(links_and_dotdot_stay_inside_the_root) {
  // /abs -> / and /work/up -> ../../../../.. (from ContainerRoot): both lead
  // to the container's root, never the host's.
  ContainerRoot root;
  const ino_t root_inode = host_inode(root.path());
  const ino_t work_inode = host_inode(root.host("/work"));
  const std::vector<std::string> to_root = {"/abs/", "/work/up/",         "../../../..",
                                            "/..",   "/abs/abs/../abs/.", "up/../abs"};
  Child c = Child::spawn([&](const Channel& ch) {
    root.enter("/work", 022);
    const WalkFrom from{::open("/", O_PATH | O_CLOEXEC), ::open(".", O_PATH | O_CLOEXEC), nullptr};
    for (const std::string& p : to_root)
      ch.put(reach(from, p.c_str(), WalkEnd::Object).inode);
    // ".." from the cwd goes to its real parent, not clamped at the cwd.
    ch.put(reach(from, "d/../../work", WalkEnd::Object).inode);
    // Parent: mkdir's view.
    const Reached parent = reach(from, "/abs/made", WalkEnd::Parent);
    ch.put(parent);
    const Reached dot = reach(from, "/work/..", WalkEnd::Parent);
    ch.put(dot);
    return 0;
  });
  for (const std::string& p : to_root)
    BOOST_TEST(c.channel().get<ino_t>() == root_inode, p);
  BOOST_TEST(c.channel().get<ino_t>() == work_inode);
  const Reached parent = c.channel().get<Reached>();
  BOOST_TEST(parent.err == 0);
  BOOST_TEST(parent.inode == root_inode);
  BOOST_TEST(std::string(parent.name) == "made");
  const Reached dot = c.channel().get<Reached>();
  BOOST_TEST(dot.err == 0);
  BOOST_TEST(std::string(dot.name).empty());  // ".." names nothing to create
  BOOST_TEST(c.wait() == 0);
}

namespace {

// What ActingAsCaller does for a walk on an agent thread: chroot into the
// caller's root at the first "..", counted.
class CountingDotDotRoot final : public DotDotRoot {
 public:
  explicit CountingDotDotRoot(int root) : root_(root) {}
  int enter() noexcept override {
    if (entered_++ > 0)
      return 0;
    return ::fchdir(root_) == 0 && ::chroot(".") == 0 ? 0 : errno;
  }
  int entered() const { return entered_; }

 private:
  int root_;
  int entered_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_walker_outside_the_root_enters_it_at_the_first_dotdot) {
  // The walker lives on the host, as an agent thread does: absolute paths
  // and links start at the root fd, and the first ".." chroots. Paths
  // without ".." never chroot.
  ContainerRoot root;
  const ino_t root_inode = host_inode(root.path());
  const ino_t work_inode = host_inode(root.host("/work"));
  struct Seen {
    ino_t inode;
    int entered;
  };
  const std::vector<std::string> to_root = {"/work/up/", "../../../..", "/..", "up/../abs"};
  const std::vector<std::string> without_dotdot = {"/abs/", "/abs/work", "d/"};
  const auto walk_all = [&](const std::vector<std::string>& paths) {
    std::vector<Seen> seen;
    for (const std::string& p : paths) {
      Child c = Child::spawn([&](const Channel& ch) {
        const int root_fd = ::open(root.path().c_str(), O_PATH | O_CLOEXEC);
        CountingDotDotRoot dotdot(root_fd);
        const WalkFrom from{root_fd, ::open(root.host("/work").c_str(), O_PATH | O_CLOEXEC),
                            nullptr, &dotdot};
        ch.put(reach(from, p.c_str(), WalkEnd::Object).inode);
        ch.put(dotdot.entered());
        return 0;
      });
      const ino_t inode = c.channel().get<ino_t>();
      seen.push_back({inode, c.channel().get<int>()});
      BOOST_TEST(c.wait() == 0);
    }
    return seen;
  };
  const std::vector<Seen> up = walk_all(to_root);
  for (size_t i = 0; i < to_root.size(); ++i) {
    BOOST_TEST(up[i].inode == root_inode, to_root[i]);
    BOOST_TEST(up[i].entered > 0, to_root[i]);
  }
  for (const Seen& s : walk_all(without_dotdot))
    BOOST_TEST(s.entered == 0);
  BOOST_TEST(walk_all({"/work"}).at(0).inode == work_inode);
}

BOOST_AUTO_TEST_CASE(a_directory_swapped_for_a_link_mid_walk_never_leads_out) {
  // Another thread of the container keeps swapping /work/d between a
  // directory and a symlink to "../../../../../tmp" while the walk runs:
  // whatever the walk sees, it stays in the root.
  ContainerRoot root;
  const std::string name = "sa-swap-" + std::to_string(::getpid());
  Child c = Child::spawn([&](const Channel& ch) {
    root.enter("/work", 022);
    const WalkFrom from{::open("/", O_PATH | O_CLOEXEC), ::open(".", O_PATH | O_CLOEXEC), nullptr};
    std::atomic<bool> stop{false};
    std::thread swapper([&] {
      while (!stop.load()) {
        // Failures are part of the race: whatever state it leaves is fine.
        (void)::rename("/work/d", "/work/d-dir");
        (void)::symlink("../../../../../tmp", "/work/d");
        (void)::unlink("/work/d");
        (void)::rename("/work/d-dir", "/work/d");
      }
    });
    int made = 0;
    // 2000 walks, and more until one made its directory: under load the
    // swapper may win every one of the first 2000 (seen once at load 8).
    for (int i = 0; i < 2000 || (made == 0 && i < 1000000); ++i) {
      const WalkResult w = walk_path(from, ("/work/d/" + name).c_str(), WalkEnd::Parent);
      if (w.fd >= 0) {
        made += ::mkdirat(w.fd, w.name, 0755) == 0 ? 1 : 0;
        ::close(w.fd);
      }
    }
    stop = true;
    swapper.join();
    ch.put(made);
    return 0;
  });
  const int made = c.channel().get<int>();
  BOOST_TEST(c.wait() == 0);
  BOOST_TEST(made >= 1);
  BOOST_TEST(!fs::exists("/tmp/" + name));
  BOOST_TEST(!fs::exists(root.path().parent_path() / name));
}

BOOST_AUTO_TEST_CASE(proc_self_names_the_caller) {
  // The walker is an agent thread, not the caller: /proc/self and
  // /proc/thread-self must mean the process named by CallerPids. Here the
  // caller is a child in its own pid namespace with its own procfs; the
  // walk runs in the test process, whose own pid that procfs does not know.
  ContainerRoot root;
  fs::create_directories(root.host("/proc"));
  fs::create_directories(root.host("/tmp"));
  Child caller = Child::spawn([&](const Channel& ch) {
    if (::unshare(CLONE_NEWPID | CLONE_NEWNS) != 0)
      throw std::runtime_error("unshare");
    const pid_t pid = ::fork();
    if (pid != 0) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      ::_exit(0);
    }
    root.enter("/work/d", 022);
    if (::mount("proc", "/proc", "proc", 0, nullptr) != 0)
      throw std::runtime_error("mount proc");
    ch.put(::getpid());  // 1 in its namespace; the test finds it by name
    char go = 0;
    ch.receive(&go, 1);
    return 0;
  });
  BOOST_TEST_REQUIRE(caller.channel().get<pid_t>() == 1);
  // The caller's host pid: the grandchild of `caller`.
  pid_t host_pid = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string n = entry.path().filename();
    if (n.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line == "PPid:\t" + std::to_string(caller.pid()))
        host_pid = std::stoi(n);
    }
  }
  BOOST_TEST_REQUIRE(host_pid > 0);
  const auto proc = ProcDir::open(host_pid);
  BOOST_TEST_REQUIRE(proc.has_value());
  const StatusFields status = parse_status(*proc->read_text("status"));
  CallerPids pids;
  pids.levels = static_cast<int>(status.ns_tgid.size());
  for (int i = 0; i < pids.levels; ++i) {
    pids.tgid[i] = status.ns_tgid[static_cast<size_t>(i)];
    pids.tid[i] = status.ns_pid[static_cast<size_t>(i)];
  }
  pids.proc_dir = proc->get();
  const int root_fd = proc->open_at("root", O_PATH | O_DIRECTORY).release();
  const int cwd_fd = proc->open_at("cwd", O_PATH | O_DIRECTORY).release();
  // The walker, as an agent thread acting for the caller: rooted in the
  // caller's root, not in its pid namespace.
  Child walker = Child::spawn([&](const Channel& ch) {
    if (::fchdir(root_fd) != 0 || ::chroot(".") != 0)
      throw std::runtime_error("chroot");
    const WalkFrom from{root_fd, cwd_fd, &pids};
    ch.put(reach(from, "/proc/self/root/tmp", WalkEnd::Object));
    ch.put(reach(from, "/proc/thread-self/cwd", WalkEnd::Object));
    ch.put(reach(from, "/proc/self/cwd/new", WalkEnd::Parent));
    // Without the caller's pids, /proc/self is the walker's: not in that
    // procfs, as the kernel says.
    const WalkFrom anonymous{root_fd, cwd_fd, nullptr};
    ch.put(reach(anonymous, "/proc/self/root/tmp", WalkEnd::Object));
    return 0;
  });
  const ino_t tmp = host_inode(root.host("/tmp"));
  const ino_t cwd = host_inode(root.host("/work/d"));
  BOOST_TEST(walker.channel().get<Reached>().inode == tmp);
  BOOST_TEST(walker.channel().get<Reached>().inode == cwd);
  const Reached parent = walker.channel().get<Reached>();
  BOOST_TEST(parent.inode == cwd);
  BOOST_TEST(std::string(parent.name) == "new");
  BOOST_TEST(walker.channel().get<Reached>().err == ENOENT);
  BOOST_TEST(walker.wait() == 0);
  caller.channel().send("g", 1);
  BOOST_TEST(caller.wait() == 0);
  ::close(root_fd);
  ::close(cwd_fd);
}
