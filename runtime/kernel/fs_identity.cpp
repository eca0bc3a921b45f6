#include "kernel/fs_identity.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sa::kernel {
namespace {

long sys(long nr, long a = 0, long b = 0) {
  return ::syscall(nr, a, b);
}

uint32_t word(uint64_t set, int i) {
  return static_cast<uint32_t>(set >> (32 * i));
}

// setfsuid/setfsgid report no error: they return the previous id whether or
// not they changed it. Asking again tells whether the change took.
bool set_fs_id(long nr, uint32_t id) {
  sys(nr, static_cast<long>(id));
  return static_cast<uint32_t>(sys(nr, static_cast<long>(id))) == id;
}

int set_capabilities(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = word(effective & permitted, i);
    data[i].permitted = word(permitted, i);
    data[i].inheritable = word(inheritable & permitted, i);
  }
  return sys(SYS_capset, reinterpret_cast<long>(&header), reinterpret_cast<long>(data)) == 0 ? 0
                                                                                           : errno;
}

}  // namespace

int read_capabilities(uint64_t& effective, uint64_t& permitted, uint64_t& inheritable) noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (sys(SYS_capget, reinterpret_cast<long>(&header), reinterpret_cast<long>(data)) != 0) {
    return errno;
  }
  effective = data[0].effective | (uint64_t{data[1].effective} << 32);
  permitted = data[0].permitted | (uint64_t{data[1].permitted} << 32);
  inheritable = data[0].inheritable | (uint64_t{data[1].inheritable} << 32);
  return 0;
}

int take_fs_identity(const FsIdentity& who, uint64_t permitted, uint64_t inheritable) noexcept {
  // Groups and ids need CAP_SETGID and CAP_SETUID effective: everything
  // still permitted is made effective first (coming back from a caller's
  // identity, the thread may hold none).
  uint64_t now_effective = 0, now_permitted = 0, now_inheritable = 0;
  if (const int err = read_capabilities(now_effective, now_permitted, now_inheritable); err != 0) {
    return err;
  }
  if (const int err = set_capabilities(now_permitted, now_permitted, now_inheritable); err != 0) {
    return err;
  }
  if (sys(SYS_setgroups, static_cast<long>(who.group_count), reinterpret_cast<long>(who.groups)) !=
      0) {
    return errno;
  }
  if (!set_fs_id(SYS_setfsgid, who.fsgid) || !set_fs_id(SYS_setfsuid, who.fsuid)) {
    return EPERM;
  }
  return set_capabilities(who.capabilities, permitted, inheritable);
}

}  // namespace sa::kernel
