// What the caller's syscall does next: the answer sent to the kernel for one
// notification (struct seccomp_notif_resp without its id). The agent sends
// it, a trace records it; the only response type in the project.
#pragma once

#include <cstdint>

namespace sa::model {

struct Response {
  enum class Kind { Continue, Errno, Return };
  Kind kind = Kind::Continue;
  int error = 0;      // Errno: the positive errno the caller sees
  int64_t value = 0;  // Return: the syscall's return value

  static Response continue_syscall() { return {}; }
  static Response fail(int err) { return {Kind::Errno, err, 0}; }
  static Response return_value(int64_t v) { return {Kind::Return, 0, v}; }
  bool operator==(const Response&) const = default;
};

}  // namespace sa::model
