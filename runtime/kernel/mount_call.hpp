// The mount emulator's work in the child, inside the caller's namespaces and
// with the caller's credentials plus CAP_SYS_ADMIN: a new filesystem is
// built detached (fsopen, fsconfig, fsmount), the runtime's protections are
// mounted onto it while nobody can see it (masked paths covered, read-only
// paths bound read-only), and only then is the whole tree attached at the
// target the walk reached (move_mount). There is no moment at which the
// container could open the new filesystem unprotected.
//
// Only new filesystems: a remount, bind, move or propagation change is
// answered EPERM, as the kernel answers a caller without CAP_SYS_ADMIN.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernel/path_walk.hpp"
#include "kernel/run_in_caller.hpp"
#include "kernel/runtime_protections.hpp"

namespace sa::kernel {

struct MountOption {
  const char* key = nullptr;
  const char* value = nullptr;  // nullptr: a flag such as "ro"
};

struct MountCall {
  WalkFrom from;
  const char* target = nullptr;
  int refusal = 0;  // answered after the target's walk (the kernel looks it up first)
  const char* fstype = nullptr;
  const char* source = nullptr;  // may be NULL
  const MountOption* options = nullptr;
  size_t option_count = 0;
  unsigned attributes = 0;  // MOUNT_ATTR_*
  const char* const* masked = nullptr;
  size_t masked_count = 0;
  const char* const* readonly = nullptr;
  size_t readonly_count = 0;
  int notify_fd = -1;
  uint64_t notification_id = 0;
  bool gone = false;       // out: the notification was gone, nothing attached
  int protection_err = 0;  // out: a protection could not be applied, nothing attached
  const char* protection_path = nullptr;  // out: which
};

SyscallResult run_mount_call(MountCall& call) noexcept;

// What the agent prepares for one mount: the caller's values turned into the
// calls above, owning every string the child reads.
struct MountArgs {
  std::optional<std::string> source;  // nullopt: the caller passed NULL
  std::optional<std::string> target;
  std::optional<std::string> fstype;
  unsigned long flags = 0;
  std::optional<std::string> data;
};

class MountPlan {
 public:
  MountPlan(const MountArgs& args, const MountGuard& guard);
  MountPlan(const MountPlan&) = delete;
  MountPlan& operator=(const MountPlan&) = delete;

  // The errno to answer without entering the caller at all (a NULL target
  // or type), or 0.
  int early_error() const noexcept { return early_error_; }
  MountCall call(const WalkFrom& from, int notify_fd, uint64_t id) const;

 private:
  MountArgs args_;
  int early_error_ = 0;
  int refusal_ = 0;
  unsigned attributes_ = 0;
  std::vector<std::string> option_text_;  // "key" or "key=value", split in place
  std::vector<MountOption> options_;
  std::vector<std::string> masked_, readonly_;
  std::vector<const char*> masked_ptrs_, readonly_ptrs_;
};

}  // namespace sa::kernel
