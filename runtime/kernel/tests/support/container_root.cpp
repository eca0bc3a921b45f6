#include "container_root.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "kernel/sys_error.hpp"

namespace sa::kernel::testing {

namespace fs = std::filesystem;

ContainerRoot::ContainerRoot() {
  char name[] = "/tmp/sa-root-XXXXXX";
  if (::mkdtemp(name) == nullptr) {
    throw_errno("mkdtemp");
  }
  top_ = name;
  // Traversable by the ids of user-namespaced test callers.
  fs::permissions(top_, fs::perms(0755));
  root_ = top_ / "root";
  for (const char* dir : {"", "work", "work/d", "mnt-tmp", "proc-mnt", "bind"}) {
    fs::create_directory(root_ / dir);
    fs::permissions(root_ / dir, fs::perms(0755));
  }
  std::ofstream(root_ / "f") << "f";
  std::ofstream(root_ / "work/f2") << "f2";
  fs::permissions(root_ / "f", fs::perms(0644));
  fs::permissions(root_ / "work/f2", fs::perms(0644));
  fs::create_symlink("/", root_ / "abs");
  fs::create_symlink("../../../../..", root_ / "work/up");
}

ContainerRoot::~ContainerRoot() {
  std::error_code ignored;
  fs::remove_all(top_, ignored);
}

fs::path ContainerRoot::host(const std::string& inside) const {
  return root_ / fs::path(inside).relative_path();
}

void ContainerRoot::enter(const std::string& cwd, mode_t umask) const {
  if (::unshare(CLONE_NEWNS) != 0) {
    throw_errno("unshare CLONE_NEWNS");
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    throw_errno("make / private");
  }
  if (::chroot(root_.c_str()) != 0 || ::chdir(cwd.c_str()) != 0) {
    throw_errno("chroot " + root_.string());
  }
  ::umask(umask);
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    throw_errno("stat " + path.string());
  }
  return st.st_mode & 07777;
}

}  // namespace sa::kernel::testing
