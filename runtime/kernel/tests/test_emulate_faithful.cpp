#define BOOST_TEST_MODULE emulate_faithful
// Every path emulator's edge cases, run twice in identical container roots:
// once natively (the kernel answers) and once through the agent (emulated
// with the caller's credentials). The results must be the same: return
// value and errno, as a root caller and as uid 1000 without capabilities,
// and the attributes setxattr leaves behind. An open's fd is compared by
// what it is (type, mode, owner, size, status flags, close-on-exec), not
// by its number. What the open emulators refuse by design (a FIFO, a
// device) is checked at the end against the errno they document.
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
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
#include <fstream>
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

// The open family: notified alone, so that a case's other calls are not.
const std::vector<std::string> kOpens = {"open", "openat", "openat2"};

struct Case {
  const char* name;
  uid_t uid;  // 0: the container's root; else that uid, without capabilities
  std::function<long()> call;
  bool opens = false;  // the call is one open, openat or openat2; it returns an fd
};

// An O_PATH directory fd (/work/d) the open cases may use as their dirfd,
// opened before the caller is notified of anything.
int g_dirfd = -1;

long openat2_of(int dirfd, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve,
                size_t size = sizeof(open_how)) {
  // Room for a larger struct whose tail is zero; `size` bytes are passed.
  static unsigned char buffer[8192];
  open_how how{};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  std::memset(buffer, 0, sizeof buffer);
  std::memcpy(buffer, &how, sizeof how);
  return ::syscall(SYS_openat2, dirfd, path, buffer, size);
}

long openat2_with_tail(const char* path) {
  static unsigned char buffer[32];
  open_how how{};
  std::memcpy(buffer, &how, sizeof how);
  buffer[31] = 1;  // a field this kernel does not know, set
  return ::syscall(SYS_openat2, AT_FDCWD, path, buffer, sizeof buffer);
}

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
    // open, openat, openat2: the agent opens inside the container and
    // installs the fd.
    {"open a file", 0, [] { return ::open("/f", O_RDONLY); }, true},
    {"open a file read-write, appending", 0, [] { return ::open("/f", O_RDWR | O_APPEND); }, true},
    {"open missing", 0, [] { return ::open("/nothing", O_RDONLY); }, true},
    {"open NULL", 0, [] { return ::syscall(SYS_open, nullptr, O_RDONLY); }, true},
    {"open empty", 0, [] { return ::open("", O_RDONLY); }, true},
    {"open through a file", 0, [] { return ::open("/f/x", O_RDONLY); }, true},
    {"open a file with a slash", 0, [] { return ::open("/f/", O_RDONLY); }, true},
    {"open O_CLOEXEC", 0, [] { return ::open("/f", O_RDONLY | O_CLOEXEC); }, true},
    {"open O_NONBLOCK", 0, [] { return ::open("/f", O_RDONLY | O_NONBLOCK); }, true},
    {"open O_TRUNC", 0, [] { return ::open("/work/f2", O_WRONLY | O_TRUNC); }, true},
    {"open O_CREAT new", 0, [] { return ::open("/tmp/mine", O_WRONLY | O_CREAT, 0666); }, true},
    {"open O_CREAT existing", 0, [] { return ::open("/f", O_RDWR | O_CREAT, 0600); }, true},
    {"open O_CREAT|O_EXCL existing", 0,
     [] { return ::open("/f", O_WRONLY | O_CREAT | O_EXCL, 0600); }, true},
    {"open O_CREAT|O_EXCL on a symlink", 0,
     [] { return ::open("/abs", O_WRONLY | O_CREAT | O_EXCL, 0600); }, true},
    {"open O_CREAT through a dangling symlink", 0,
     [] { return ::open("/dangling", O_WRONLY | O_CREAT, 0640); }, true},
    {"open O_CREAT missing parent", 0,
     [] { return ::open("/missing/x", O_WRONLY | O_CREAT, 0600); }, true},
    {"open O_CREAT a directory", 0, [] { return ::open("/work/d", O_RDONLY | O_CREAT, 0600); },
     true},
    {"open O_CREAT /", 0, [] { return ::open("/", O_RDONLY | O_CREAT, 0600); }, true},
    {"open O_CREAT|O_DIRECTORY", 0,
     [] { return ::open("/tmp/mine", O_RDONLY | O_CREAT | O_DIRECTORY, 0600); }, true},
    {"open O_DIRECTORY a directory", 0, [] { return ::open("/work/d", O_RDONLY | O_DIRECTORY); },
     true},
    {"open O_DIRECTORY a file", 0, [] { return ::open("/f", O_RDONLY | O_DIRECTORY); }, true},
    {"open a directory for writing", 0, [] { return ::open("/work/d", O_WRONLY); }, true},
    {"open .", 0, [] { return ::open(".", O_RDONLY | O_DIRECTORY); }, true},
    {"open ..", 0, [] { return ::open("..", O_RDONLY); }, true},
    {"open through a symlink", 0, [] { return ::open("/abs/f", O_RDONLY); }, true},
    {"open a symlink to /", 0, [] { return ::open("/abs", O_RDONLY); }, true},
    {"open O_NOFOLLOW a symlink", 0, [] { return ::open("/abs", O_RDONLY | O_NOFOLLOW); }, true},
    {"open through a loop", 0, [] { return ::open("/loop", O_RDONLY); }, true},
    {"open O_TMPFILE without write", 0, [] { return ::open("/tmp", O_RDONLY | O_TMPFILE, 0600); },
     true},
    {"openat relative to a dirfd", 0,
     [] { return ::openat(g_dirfd, "new", O_RDWR | O_CREAT, 0644); }, true},
    {"openat relative to the cwd", 0, [] { return ::openat(AT_FDCWD, "f2", O_RDONLY); }, true},
    {"openat bad dirfd", 0, [] { return ::openat(99, "x", O_RDONLY); }, true},
    {"openat absolute, bad dirfd unused", 0, [] { return ::openat(99, "/f", O_RDONLY); }, true},
    {"open O_NOFOLLOW a file", 0, [] { return ::open("/f", O_RDONLY | O_NOFOLLOW); }, true},
    {"openat2 a file", 0, [] { return openat2_of(AT_FDCWD, "/f", O_RDONLY, 0, 0); }, true},
    {"openat2 O_CREAT", 0,
     [] { return openat2_of(AT_FDCWD, "/tmp/mine", O_RDWR | O_CREAT, 0604, 0); }, true},
    {"openat2 mode without O_CREAT", 0,
     [] { return openat2_of(AT_FDCWD, "/f", O_RDONLY, 0644, 0); }, true},
    {"openat2 unknown flag", 0, [] { return openat2_of(AT_FDCWD, "/f", 1ULL << 40, 0, 0); }, true},
    {"openat2 O_PATH with O_RDWR", 0,
     [] { return openat2_of(AT_FDCWD, "/f", O_PATH | O_RDWR, 0, 0); }, true},
    {"openat2 unknown resolve flag", 0,
     [] { return openat2_of(AT_FDCWD, "/f", O_RDONLY, 0, 0x1000); }, true},
    {"openat2 RESOLVE_BENEATH|RESOLVE_IN_ROOT", 0,
     [] { return openat2_of(AT_FDCWD, "/f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT); },
     true},
    {"openat2 RESOLVE_CACHED with O_CREAT", 0,
     [] { return openat2_of(AT_FDCWD, "/tmp/mine", O_RDWR | O_CREAT, 0600, RESOLVE_CACHED); },
     true},
    {"openat2 too small", 0, [] { return openat2_of(AT_FDCWD, "/f", O_RDONLY, 0, 0, 8); }, true},
    {"openat2 larger than a page", 0,
     [] { return openat2_of(AT_FDCWD, "/f", O_RDONLY, 0, 0, 4097); }, true},
    {"openat2 larger, zero tail", 0, [] { return openat2_of(AT_FDCWD, "/f", O_RDONLY, 0, 0, 64); },
     true},
    {"openat2 larger, tail set", 0, [] { return openat2_with_tail("/f"); }, true},
    {"openat2 bad how pointer", 0,
     [] { return ::syscall(SYS_openat2, AT_FDCWD, "/f", 1, sizeof(open_how)); }, true},
    {"openat2 RESOLVE_BENEATH inside", 0,
     [] { return openat2_of(AT_FDCWD, "f2", O_RDONLY, 0, RESOLVE_BENEATH); }, true},
    {"openat2 RESOLVE_BENEATH escaping", 0,
     [] { return openat2_of(AT_FDCWD, "../f", O_RDONLY, 0, RESOLVE_BENEATH); }, true},
    {"openat2 RESOLVE_BENEATH absolute", 0,
     [] { return openat2_of(AT_FDCWD, "/f", O_RDONLY, 0, RESOLVE_BENEATH); }, true},
    {"openat2 RESOLVE_IN_ROOT from a dirfd", 0,
     [] { return openat2_of(g_dirfd, "/../../f2", O_RDONLY, 0, RESOLVE_IN_ROOT); }, true},
    {"openat2 RESOLVE_NO_SYMLINKS through a symlink", 0,
     [] { return openat2_of(AT_FDCWD, "/abs/f", O_RDONLY, 0, RESOLVE_NO_SYMLINKS); }, true},
    {"openat2 RESOLVE_NO_SYMLINKS absolute", 0,
     [] { return openat2_of(AT_FDCWD, "/work/f2", O_RDONLY, 0, RESOLVE_NO_SYMLINKS); }, true},
    {"openat2 RESOLVE_NO_XDEV O_CREAT", 0,
     [] { return openat2_of(AT_FDCWD, "/tmp/mine", O_RDWR | O_CREAT, 0666, RESOLVE_NO_XDEV); },
     true},
    {"open root's private file", 1000, [] { return ::open("/secret", O_RDONLY); }, true},
    {"open root's file for writing", 1000, [] { return ::open("/f", O_WRONLY); }, true},
    {"open O_CREAT in root's directory", 1000,
     [] { return ::open("/work/x", O_WRONLY | O_CREAT, 0644); }, true},
    {"open O_CREAT in /tmp", 1000, [] { return ::open("/tmp/mine", O_WRONLY | O_CREAT, 0666); },
     true},
    {"open under a closed directory", 1000, [] { return ::open("/private/d", O_RDONLY); }, true},
    {"open O_NOATIME root's file", 1000, [] { return ::open("/f", O_RDONLY | O_NOATIME); }, true},
    {"openat2 O_CREAT in /tmp, resolve flags", 1000,
     [] { return openat2_of(AT_FDCWD, "/tmp/mine", O_RDWR | O_CREAT, 0660, RESOLVE_NO_XDEV); },
     true},
    {"openat2 root's private file, resolve flags", 1000,
     [] { return openat2_of(AT_FDCWD, "/secret", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS); }, true},
};

void become(uid_t uid) {
  if (uid != 0 && (::setgroups(0, nullptr) != 0 || ::setresgid(uid, uid, uid) != 0 ||
                   ::setresuid(uid, uid, uid) != 0))
    throw std::runtime_error("become " + std::to_string(uid));
}

// The same tree for both runs: ContainerRoot plus /tmp (1777), /private
// (0700, root's), /tmp/own (uid 1000's), a symlink loop, /secret (0600,
// root's), a FIFO and /dev/null's device in /work, and /dangling, a
// symlink to /tmp/mine.
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
  std::ofstream(root.host("/secret")) << "secret";
  fs::permissions(root.host("/secret"), fs::perms(0600));
  fs::create_symlink("/tmp/mine", root.host("/dangling"));
  if (::mkfifo(root.host("/work/pipe").c_str(), 0666) != 0 ||
      ::mknod(root.host("/work/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    throw std::runtime_error("mkfifo, mknod");
}

// The caller's start: the container's root, /work as its cwd, umask 022,
// and g_dirfd.
void enter(const ContainerRoot& root) {
  root.enter("/work", 022);
  g_dirfd = ::open("/work/d", O_PATH | O_DIRECTORY);
}

// What an fd is, so that two fds of two processes compare.
struct FdFacts {
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t size = 0;
  int status_flags = 0;
  int fd_flags = 0;
  bool operator==(const FdFacts&) const = default;
};

std::ostream& operator<<(std::ostream& os, const FdFacts& f) {
  return os << "{mode " << std::oct << f.mode << std::dec << ", uid " << f.uid << ", gid " << f.gid
            << ", size " << f.size << ", status flags " << std::oct << f.status_flags
            << ", fd flags " << std::dec << f.fd_flags << "}";
}

FdFacts facts_of(long fd) {
  FdFacts f;
  struct stat st {};
  if (fd < 0 || ::fstat(static_cast<int>(fd), &st) != 0)
    return f;
  f.mode = st.st_mode;
  f.uid = st.st_uid;
  f.gid = st.st_gid;
  f.size = st.st_size;
  // O_NOFOLLOW is left out: the agent's reopened file lacks it (open_call.hpp).
  f.status_flags = ::fcntl(static_cast<int>(fd), F_GETFL) & ~O_NOFOLLOW;
  f.fd_flags = ::fcntl(static_cast<int>(fd), F_GETFD);
  return f;
}

// The call in the caller: its result (an fd as 0: numbers differ between
// two processes) and, for an open, what the fd is.
void call_and_report(const Case& c, const Channel& ch) {
  become(c.uid);
  const long ret = c.call();
  ch.put(call_result(c.opens && ret >= 0 ? 0 : ret));
  ch.put(facts_of(c.opens ? ret : -1));
}

struct Outcome {
  CallResult result;
  FdFacts fd;                   // an open's fd
  uid_t owner_of_tmp_mine = 0;  // who owns /tmp/mine afterwards, if it exists
  std::string attributes;       // the attributes of the files the cases touch
  mode_t mode_of_tmp_mine = 0;
};

void note_tmp_mine(const ContainerRoot& root, Outcome& o) {
  struct stat st {};
  const bool there = ::lstat(root.host("/tmp/mine").c_str(), &st) == 0;
  o.owner_of_tmp_mine = there ? st.st_uid : static_cast<uid_t>(-1);
  o.mode_of_tmp_mine = there ? st.st_mode : 0;
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
    enter(root);
    call_and_report(c, ch);
    return 0;
  });
  Outcome o;
  o.result = child.channel().get<CallResult>();
  o.fd = child.channel().get<FdFacts>();
  BOOST_TEST(child.wait() == 0);
  note_tmp_mine(root, o);
  o.attributes = attributes(root);
  return o;
}

Outcome through_the_agent(const Case& c) {
  ContainerRoot root;
  prepare(root);
  NotifiedChild nc = spawn_notified(
      c.opens ? kOpens : kEmulated,
      [&](const Channel& ch) {
        call_and_report(c, ch);
        return 0;
      },
      [&root] { enter(root); });
  const EmulationResult e = serve_one(nc.notify);
  BOOST_TEST_REQUIRE(
      (e.outcome == EmulationOutcome::Done || e.outcome == EmulationOutcome::InstallFd),
      (e.failure ? e.failure->what() : "target gone"));
  Outcome o;
  o.result = nc.child.channel().get<CallResult>();
  o.fd = nc.child.channel().get<FdFacts>();
  BOOST_TEST(nc.child.wait() == 0);
  note_tmp_mine(root, o);
  o.attributes = attributes(root);
  return o;
}

}  // namespace

BOOST_DATA_TEST_CASE(the_agent_answers_as_the_kernel_does, bdata::make(kCases), c) {
  const Outcome kernel = natively(c);
  const Outcome agent = through_the_agent(c);
  BOOST_TEST(agent.result == kernel.result);
  BOOST_TEST(agent.fd == kernel.fd);
  BOOST_TEST(agent.owner_of_tmp_mine == kernel.owner_of_tmp_mine);
  BOOST_TEST(agent.attributes == kernel.attributes);
  BOOST_TEST(agent.mode_of_tmp_mine == kernel.mode_of_tmp_mine);
}

// What the open emulators refuse by design, where the kernel would open (or
// block on) the node: EPERM, before anything is opened. And an O_PATH open,
// whose file ADDFD cannot install. A FIFO opened for
// reading without O_NONBLOCK would wait for a writer; the agent answers at
// once, and the FIFO never sees an open (a writer's O_NONBLOCK open still
// finds no reader).
struct Refusal {
  const char* name;
  std::function<long()> call;
};

std::ostream& operator<<(std::ostream& os, const Refusal& r) {
  return os << r.name;
}

const std::vector<Refusal> kRefusals = {
    {"a FIFO for reading", [] { return ::open("/work/pipe", O_RDONLY); }},
    {"a FIFO, non-blocking", [] { return ::open("/work/pipe", O_RDONLY | O_NONBLOCK); }},
    {"a FIFO through openat2", [] { return openat2_of(AT_FDCWD, "/work/pipe", O_RDWR, 0, 0); }},
    {"a device", [] { return ::open("/work/null", O_RDWR); }},
    {"a device, O_CREAT", [] { return ::open("/work/null", O_RDWR | O_CREAT, 0600); }},
    // ADDFD cannot install an O_PATH file: refused before any lookup.
    {"O_PATH a directory", [] { return ::open("/work/d", O_PATH | O_DIRECTORY); }},
    {"O_PATH|O_NOFOLLOW a symlink", [] { return ::open("/abs", O_PATH | O_NOFOLLOW); }},
    {"O_PATH a FIFO", [] { return openat2_of(AT_FDCWD, "/work/pipe", O_PATH, 0, 0); }},
    {"a device under resolve flags",
     [] { return openat2_of(AT_FDCWD, "/work/null", O_RDWR, 0, RESOLVE_NO_XDEV); }},
};

BOOST_DATA_TEST_CASE(the_open_emulators_refuse_what_is_not_a_file_or_directory,
                     bdata::make(kRefusals), r) {
  ContainerRoot root;
  prepare(root);
  NotifiedChild nc = spawn_notified(
      kOpens,
      [&](const Channel& ch) {
        ch.put(call_result(r.call()));
        return 0;
      },
      [&root] { enter(root); });
  const EmulationResult e = serve_one(nc.notify);
  BOOST_TEST(e.outcome == EmulationOutcome::Done);
  BOOST_TEST(nc.child.channel().get<CallResult>() == (CallResult{-1, EPERM}));
  BOOST_TEST(nc.child.wait() == 0);
  // Nobody holds the FIFO open: a non-blocking writer finds no reader.
  const UniqueFd writer(::open(root.host("/work/pipe").c_str(), O_WRONLY | O_NONBLOCK));
  BOOST_TEST(!writer.valid());
  BOOST_TEST(errno == ENXIO);
}
