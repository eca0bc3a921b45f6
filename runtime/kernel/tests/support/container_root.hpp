// A directory standing in for a container's root filesystem, and the setup
// a test child runs to live in it as a container process would: a private
// mount namespace, chroot into the directory, a cwd and a umask.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace sa::kernel::testing {

class ContainerRoot {
 public:
  // Creates /tmp/sa-root-XXXXXX/root with work/, work/d/, f, work/f2,
  // mnt-tmp/, proc-mnt/, bind/, and two symlinks that point outside it if
  // resolved on the host: abs -> / and work/up -> ../../../../..
  ContainerRoot();
  ~ContainerRoot();
  ContainerRoot(const ContainerRoot&) = delete;
  ContainerRoot& operator=(const ContainerRoot&) = delete;

  const std::filesystem::path& path() const noexcept { return root_; }
  // The host path of a path inside the root.
  std::filesystem::path host(const std::string& inside) const;

  // For the child, before its filter: unshare the mount namespace (private
  // propagation), chroot into the root, chdir to `cwd`, set `umask`.
  void enter(const std::string& cwd, mode_t umask) const;

 private:
  std::filesystem::path top_;
  std::filesystem::path root_;
};

// The mode bits of a host path (permissions only).
mode_t mode_of(const std::filesystem::path& path);

}  // namespace sa::kernel::testing
