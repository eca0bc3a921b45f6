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

constexpr uint64_t kSetIds = (uint64_t{1} << CAP_SETUID) | (uint64_t{1} << CAP_SETGID);

bool same_groups(const FsIdentity& a, const FsIdentity& b) {
  if (a.group_count != b.group_count)
    return false;
  for (size_t i = 0; i < a.group_count; ++i) {
    if (a.groups[i] != b.groups[i])
      return false;
  }
  return true;
}

}  // namespace

int set_capabilities(uint64_t effective, uint64_t permitted, uint64_t inheritable) noexcept {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = word(effective & permitted, i);
    data[i].permitted = word(permitted, i);
    data[i].inheritable = word(inheritable & permitted, i);
  }
  return sys(SYS_capset, reinterpret_cast<long>(&header), reinterpret_cast<long>(data)) == 0
             ? 0
             : errno;
}

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

int take_fs_identity(const FsIdentity& who, uint64_t permitted, uint64_t inheritable,
                     const FsIdentity* now) noexcept {
  uint64_t effective = 0, now_permitted = permitted, now_inheritable = inheritable;
  if (now != nullptr) {
    effective = now->capabilities;
  } else if (const int err = read_capabilities(effective, now_permitted, now_inheritable);
             err != 0) {
    return err;
  }
  const bool groups = now == nullptr || !same_groups(*now, who);
  const bool fsgid = now == nullptr || now->fsgid != who.fsgid;
  const bool fsuid = now == nullptr || now->fsuid != who.fsuid;
  // Groups and ids need CAP_SETGID and CAP_SETUID effective: everything
  // still permitted is made effective first (coming back from a caller's
  // identity, the thread may hold neither).
  if ((groups || fsgid || fsuid) && (effective & kSetIds) != kSetIds) {
    if (const int err = set_capabilities(now_permitted, now_permitted, now_inheritable); err != 0) {
      return err;
    }
    effective = now_permitted;
  }
  if (groups && sys(SYS_setgroups, static_cast<long>(who.group_count),
                    reinterpret_cast<long>(who.groups)) != 0) {
    return errno;
  }
  if ((fsgid && !set_fs_id(SYS_setfsgid, who.fsgid)) ||
      (fsuid && !set_fs_id(SYS_setfsuid, who.fsuid))) {
    return EPERM;
  }
  // A change of fsuid to or from 0 changes the effective set too.
  const bool exact = now != nullptr && !fsuid && effective == (who.capabilities & permitted) &&
                     now_permitted == permitted;
  return exact ? 0 : set_capabilities(who.capabilities, permitted, inheritable);
}

}  // namespace sa::kernel
