#define BOOST_TEST_MODULE emulate_faithful
// Every path emulator's edge cases, run twice in identical container roots:
// once natively (the kernel answers) and once through the agent (emulated
// with the caller's credentials). The results must be the same: return
// value and errno, as a root caller and as uid 1000 without capabilities,
// and the attributes setxattr leaves behind.
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "kernel/emulate.hpp"
#include "support/child.hpp"
#include "support/container_root.hpp"
#include "support/printing.hpp"
#include "support/serve.hpp"

namespace fs = std::filesystem;
namespace bdata = boost::unit_test::data;
using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

const std::vector<std::string> kEmulated = {"mkdir",     "mkdirat",   "chmod",   "fchmod",
                                            "fchmodat",  "mknod",     "mknodat", "setxattr",
                                            "lsetxattr", "fsetxattr", "sysinfo"};

struct Case {
  const char* name;
  uid_t uid;  // 0: the container's root; else that uid, without capabilities
  std::function<long()> call;
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.name << " as uid " << c.uid;
}

const std::string kLong(NAME_MAX + 1, 'n');

const std::vector<Case> kCases = {
    {"mkdir existing", 0, [] { return ::mkdir("/work", 0755); }},
    {"mkdir missing parent", 0, [] { return ::mkdir("/missing/x", 0755); }},
    {"mkdir empty", 0, [] { return ::mkdir("", 0755); }},
    {"mkdir NULL", 0, [] { return ::syscall(SYS_mkdir, nullptr, 0755); }},
    {"mkdir bad pointer", 0, [] { return ::syscall(SYS_mkdir, 1, 0755); }},
    {"mkdir unreadable path", 0,
     [] {
       void* page =
           ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
       std::memcpy(page, "/work/x", 8);
       ::mprotect(page, 4096, PROT_NONE);
       return ::syscall(SYS_mkdir, page, 0755);
     }},
    {"mkdir /", 0, [] { return ::mkdir("/", 0755); }},
    {"mkdir .", 0, [] { return ::mkdir(".", 0755); }},
    {"mkdir ..", 0, [] { return ::mkdir("..", 0755); }},
    {"mkdir through a file", 0, [] { return ::mkdir("/f/x", 0755); }},
    {"mkdir trailing slash", 0, [] { return ::mkdir("new/", 0755); }},
    {"mkdir on a symlink", 0, [] { return ::mkdir("/abs", 0755); }},
    {"mkdir through a symlink", 0, [] { return ::mkdir("/abs/work/via-link", 0755); }},
    {"mkdir through a loop", 0, [] { return ::mkdir("/loop/x", 0755); }},
    {"mkdir long component", 0, [] { return ::mkdir(("/" + kLong).c_str(), 0755); }},
    {"mkdirat a file as dirfd", 0, [] { return ::mkdirat(::open("/f", O_RDONLY), "x", 0755); }},
    {"mkdirat bad dirfd", 0, [] { return ::mkdirat(99, "x", 0755); }},
    {"mkdirat O_PATH dirfd", 0, [] { return ::mkdirat(::open("/work/d", O_PATH), "x", 0755); }},
    {"chmod missing", 0, [] { return ::chmod("/nothing", 0600); }},
    {"chmod through a link", 0, [] { return ::chmod("/work/up", 0755); }},
    {"chmod file with slash", 0, [] { return ::chmod("/f/", 0600); }},
    {"fchmodat empty", 0, [] { return ::syscall(SYS_fchmodat, AT_FDCWD, "", 0600); }},
    {"fchmod bad fd", 0, [] { return ::fchmod(99, 0600); }},
    {"fchmod O_PATH fd", 0, [] { return ::fchmod(::open("/f", O_PATH), 0600); }},
    {"mkdir in root's directory", 1000, [] { return ::mkdir("/work/x", 0755); }},
    {"mkdir in /tmp", 1000, [] { return ::mkdir("/tmp/mine", 0755); }},
    {"mkdir under a closed directory", 1000, [] { return ::mkdir("/private/x", 0755); }},
    {"mkdir existing under a closed directory", 1000, [] { return ::mkdir("/private/d", 0755); }},
    {"chmod root's file", 1000, [] { return ::chmod("/f", 0600); }},
    // ".." makes the agent thread take the caller's root mid-walk, lending
    // itself CAP_SYS_CHROOT for that: the caller's rights stay its own.
    {"mkdir in /tmp through ..", 1000, [] { return ::mkdir("/work/up/tmp/mine", 0755); }},
    {"mkdir through .. past the root", 1000, [] { return ::mkdir("../../../../tmp/mine", 0755); }},
    {"mkdir in root's directory through ..", 1000, [] { return ::mkdir("/tmp/../work/x", 0755); }},
    {"chmod own directory", 1000, [] { return ::chmod("/tmp/own", 0700); }},
    {"fchmod root's file", 1000, [] { return ::fchmod(::open("/f", O_RDONLY), 0600); }},
    // mknod: what needs no privilege is made as the caller; a device as root
    // (the emulation grants CAP_MKNOD, which root has: the same result).
    {"mknod FIFO", 0, [] { return ::mknod("/work/fifo", S_IFIFO | 0644, 0); }},
    {"mknod regular file (type 0)", 0, [] { return ::mknod("/work/reg", 0644, 0); }},
    {"mknod socket", 0, [] { return ::mknod("/work/sock", S_IFSOCK | 0644, 0); }},
    {"mknod existing", 0, [] { return ::mknod("/work", S_IFIFO | 0644, 0); }},
    {"mknod on a symlink", 0, [] { return ::mknod("/abs", S_IFIFO | 0644, 0); }},
    {"mknod missing parent", 0, [] { return ::mknod("/missing/x", S_IFIFO | 0644, 0); }},
    {"mknod a directory", 0, [] { return ::mknod("/work/dir", S_IFDIR | 0755, 0); }},
    {"mknod bad type", 0, [] { return ::mknod("/work/bad", 0170000 | 0644, 0); }},
    {"mknod /", 0, [] { return ::mknod("/", S_IFIFO | 0644, 0); }},
    {"mknod NULL", 0, [] { return ::syscall(SYS_mknod, nullptr, S_IFIFO | 0644, 0); }},
    {"mknod null device", 0, [] { return ::mknod("/work/null", S_IFCHR | 0666, makedev(1, 3)); }},
    {"mknod block device", 0, [] { return ::mknod("/work/sda", S_IFBLK | 0660, makedev(8, 0)); }},
    {"mknodat bad dirfd", 0, [] { return ::mknodat(99, "x", S_IFIFO | 0644, 0); }},
    {"mknodat a file as dirfd", 0,
     [] { return ::mknodat(::open("/f", O_RDONLY), "x", S_IFIFO | 0644, 0); }},
    {"mknod FIFO in /tmp", 1000, [] { return ::mknod("/tmp/mine", S_IFIFO | 0644, 0); }},
    {"mknod FIFO in root's directory", 1000, [] { return ::mknod("/work/x", S_IFIFO | 0644, 0); }},
    // The parent's permission is checked before the capability, for the
    // caller as by the kernel: EACCES, not EPERM and not success.
    {"mknod device in root's directory", 1000,
     [] { return ::mknod("/work/x", S_IFCHR | 0666, makedev(1, 3)); }},
    {"mknod device under a closed directory", 1000,
     [] { return ::mknod("/private/x", S_IFCHR | 0666, makedev(1, 3)); }},
    // setxattr as root (the emulation grants CAP_SYS_ADMIN for trusted.*,
    // which root has: the same result). /f has trusted.overlay.opaque and
    // user.present already.
    {"setxattr trusted", 0,
     [] { return ::setxattr("/work/d", "trusted.overlay.opaque", "y", 1, 0); }},
    {"setxattr replace", 0,
     [] { return ::setxattr("/f", "trusted.overlay.opaque", "z", 1, XATTR_REPLACE); }},
    {"setxattr replace missing", 0,
     [] { return ::setxattr("/work/d", "trusted.overlay.opaque", "y", 1, XATTR_REPLACE); }},
    {"setxattr create existing", 0,
     [] { return ::setxattr("/f", "trusted.overlay.opaque", "y", 1, XATTR_CREATE); }},
    {"setxattr missing", 0,
     [] { return ::setxattr("/nothing", "trusted.overlay.opaque", "y", 1, 0); }},
    {"setxattr through a file", 0,
     [] { return ::setxattr("/f/x", "trusted.overlay.opaque", "y", 1, 0); }},
    {"setxattr through a loop", 0,
     [] { return ::setxattr("/loop", "trusted.overlay.opaque", "y", 1, 0); }},
    {"setxattr follows a link", 0,
     [] { return ::setxattr("/work/up", "trusted.overlay.opaque", "y", 1, 0); }},
    {"setxattr empty value", 0,
     [] { return ::setxattr("/work/d", "trusted.overlay.opaque", nullptr, 0, 0); }},
    {"setxattr bad flags", 0, [] { return ::setxattr("/f", "trusted.overlay.opaque", "y", 1, 4); }},
    {"setxattr empty name", 0, [] { return ::setxattr("/f", "", "y", 1, 0); }},
    {"setxattr name too long", 0,
     [] { return ::setxattr("/f", ("trusted." + kLong).c_str(), "y", 1, 0); }},
    {"setxattr NULL name", 0, [] { return ::syscall(SYS_setxattr, "/f", nullptr, "y", 1, 0); }},
    {"setxattr value too big", 0,
     [] {
       static const std::string big(65537, 'v');
       return ::setxattr("/f", "trusted.overlay.opaque", big.data(), big.size(), 0);
     }},
    {"setxattr bad value pointer", 0,
     [] { return ::syscall(SYS_setxattr, "/f", "trusted.overlay.opaque", 1, 8, 0); }},
    {"setxattr unknown namespace", 0, [] { return ::setxattr("/f", "other.x", "y", 1, 0); }},
    {"lsetxattr on a symlink", 0,
     [] { return ::lsetxattr("/abs", "trusted.overlay.opaque", "y", 1, 0); }},
    {"lsetxattr user.* on a symlink", 0, [] { return ::lsetxattr("/abs", "user.x", "y", 1, 0); }},
    {"lsetxattr link with slash", 0,
     [] { return ::lsetxattr("/work/up/", "trusted.overlay.opaque", "y", 1, 0); }},
    {"fsetxattr", 0,
     [] { return ::fsetxattr(::open("/f", O_RDONLY), "trusted.overlay.redirect", "/a", 2, 0); }},
    {"fsetxattr bad fd", 0, [] { return ::fsetxattr(99, "trusted.overlay.opaque", "y", 1, 0); }},
    {"fsetxattr O_PATH fd", 0,
     [] { return ::fsetxattr(::open("/f", O_PATH), "trusted.overlay.opaque", "y", 1, 0); }},
    {"setxattr user.* on root's file", 1000, [] { return ::setxattr("/f", "user.x", "y", 1, 0); }},
    {"setxattr user.* on own directory", 1000,
     [] { return ::setxattr("/tmp/own", "user.x", "y", 1, 0); }},
    {"setxattr under a closed directory", 1000,
     [] { return ::setxattr("/private/d", "user.x", "y", 1, 0); }},
    {"setxattr user.* replace missing", 1000,
     [] { return ::setxattr("/tmp/own", "user.x", "y", 1, XATTR_REPLACE); }},
    // sysinfo: the figures differ by design (the container's cgroup), the
    // answer and where it may be written do not.
    {"sysinfo", 0,
     [] {
       struct sysinfo si {};
       return ::sysinfo(&si);
     }},
    {"sysinfo NULL", 0, [] { return ::syscall(SYS_sysinfo, nullptr); }},
    {"sysinfo bad pointer", 0, [] { return ::syscall(SYS_sysinfo, 1); }},
    {"sysinfo read-only page", 0,
     [] {
       void* page = ::mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
       return ::syscall(SYS_sysinfo, page);
     }},
    {"sysinfo across the end of a mapping", 0,
     [] {
       auto* pages = static_cast<char*>(
           ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
       ::munmap(pages + 4096, 4096);
       return ::syscall(SYS_sysinfo, pages + 4096 - 16);
     }},
};

// The same tree for both runs: ContainerRoot plus /tmp (1777), /private
// (0700, root's), /tmp/own (uid 1000's) and a symlink loop.
void prepare(const ContainerRoot& root) {
  fs::create_directory(root.host("/tmp"));
  fs::permissions(root.host("/tmp"), fs::perms(01777));
  fs::create_directory(root.host("/private"));
  fs::create_directory(root.host("/private/d"));
  fs::permissions(root.host("/private"), fs::perms(0700));
  fs::create_directory(root.host("/tmp/own"));
  if (::chown(root.host("/tmp/own").c_str(), 1000, 1000) != 0)
    throw std::runtime_error("chown");
  fs::create_symlink("loop", root.host("/loop"));
  for (const char* name : {"trusted.overlay.opaque", "user.present"}) {
    if (::setxattr(root.host("/f").c_str(), name, "x", 1, 0) != 0)
      throw std::runtime_error(std::string("setxattr ") + name);
  }
}

void become(uid_t uid) {
  if (uid != 0 && (::setgroups(0, nullptr) != 0 || ::setresgid(uid, uid, uid) != 0 ||
                   ::setresuid(uid, uid, uid) != 0))
    throw std::runtime_error("become " + std::to_string(uid));
}

struct Outcome {
  CallResult result;
  uid_t owner_of_tmp_mine = 0;  // who owns /tmp/mine afterwards, if it exists
  std::string attributes;       // the attributes of the files the cases touch
};

uid_t owner(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? st.st_uid : static_cast<uid_t>(-1);
}

// "path name=value ..." for each file a setxattr case may touch, links
// themselves included (lgetxattr).
std::string attributes(const ContainerRoot& root) {
  std::string out;
  for (const char* path : {"/f", "/work/d", "/abs", "/tmp/own", "/private/d", "/"}) {
    out += path;
    for (const char* name : {"trusted.overlay.opaque", "trusted.overlay.redirect", "user.x"}) {
      char value[64];
      const ssize_t n = ::lgetxattr(root.host(path).c_str(), name, value, sizeof value);
      if (n >= 0)
        out += " " + std::string(name) + "=" + std::string(value, static_cast<size_t>(n));
    }
    out += "; ";
  }
  return out;
}

Outcome natively(const Case& c) {
  ContainerRoot root;
  prepare(root);
  Child child = Child::spawn([&](const Channel& ch) {
    root.enter("/work", 022);
    become(c.uid);
    const long ret = c.call();
    ch.put(call_result(ret));
    return 0;
  });
  Outcome o{child.channel().get<CallResult>(), 0, {}};
  BOOST_TEST(child.wait() == 0);
  o.owner_of_tmp_mine = owner(root.host("/tmp/mine"));
  o.attributes = attributes(root);
  return o;
}

Outcome through_the_agent(const Case& c) {
  ContainerRoot root;
  prepare(root);
  NotifiedChild nc = spawn_notified(
      kEmulated,
      [&](const Channel& ch) {
        become(c.uid);
        const long ret = c.call();
        ch.put(call_result(ret));
        return 0;
      },
      [&root] { root.enter("/work", 022); });
  const EmulationResult e = serve_one(nc.notify);
  BOOST_TEST_REQUIRE(e.outcome == EmulationOutcome::Done,
                     (e.failure ? e.failure->what() : "target gone"));
  Outcome o{nc.child.channel().get<CallResult>(), 0, {}};
  BOOST_TEST(nc.child.wait() == 0);
  o.owner_of_tmp_mine = owner(root.host("/tmp/mine"));
  o.attributes = attributes(root);
  return o;
}

}  // namespace

BOOST_DATA_TEST_CASE(the_agent_answers_as_the_kernel_does, bdata::make(kCases), c) {
  const Outcome kernel = natively(c);
  const Outcome agent = through_the_agent(c);
  BOOST_TEST(agent.result == kernel.result);
  BOOST_TEST(agent.owner_of_tmp_mine == kernel.owner_of_tmp_mine);
  BOOST_TEST(agent.attributes == kernel.attributes);
}
