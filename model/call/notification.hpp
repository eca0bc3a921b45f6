// One intercepted syscall as the engine sees it: the fields of the kernel's
// struct seccomp_notif that a decision depends on.
#pragma once

#include <cstdint>

namespace sa::model {

struct Notification {
  uint64_t id = 0;          // the kernel's notification id (cookie)
  uint32_t pid = 0;         // the calling thread, in the agent's pid namespace
  uint32_t audit_arch = 0;  // AUDIT_ARCH_* of the calling convention
  int nr = 0;               // syscall number on that architecture
  uint64_t args[6] = {};    // raw registers
};

}  // namespace sa::model
