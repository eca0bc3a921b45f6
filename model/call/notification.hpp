// One intercepted syscall: the kernel's struct seccomp_notif as the agent
// receives it, the engine decides on it and a trace records it. The only
// notification type in the project.
#pragma once

#include <array>
#include <cstdint>

namespace sa::model {

struct Notification {
  uint64_t id = 0;          // the kernel's notification id (cookie)
  uint32_t pid = 0;         // the calling thread, in the agent's pid namespace; 0 when not visible
  uint32_t flags = 0;       // seccomp_notif.flags (none defined yet)
  uint32_t audit_arch = 0;  // AUDIT_ARCH_* of the calling convention
  int nr = 0;               // syscall number on that architecture
  uint64_t instruction_pointer = 0;
  std::array<uint64_t, 6> args{};  // raw registers

  bool operator==(const Notification&) const = default;
};

}  // namespace sa::model
