// The supervisor's end of a seccomp filter: the notify fd a container
// runtime hands over. Receive a notification, answer it, ask whether it is
// still pending. The target dying is a normal outcome here, never an error:
// the kernel reports it as ENOENT from RECV, SEND and ID_VALID.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>

#include "kernel/sys_error.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::kernel {

// Sizes of the kernel's notification structures, which may be larger than
// the ones in our headers; buffers handed to the kernel are sized from them.
struct NotifSizes {
  uint16_t notif = 0;
  uint16_t resp = 0;
  uint16_t data = 0;
};
// seccomp(SECCOMP_GET_NOTIF_SIZES), asked once per process.
const NotifSizes& notif_sizes();

struct Notification {
  uint64_t id = 0;
  pid_t pid = 0;  // the calling thread, as the agent's pid namespace sees it
  uint32_t flags = 0;
  int nr = 0;
  uint32_t arch = 0;
  uint64_t instruction_pointer = 0;
  std::array<uint64_t, 6> args{};
};

enum class RecvOutcome {
  Received,
  TargetGone,   // the target was killed between the wake-up and the read
  Interrupted,  // a signal reached the agent while it waited (EINTR)
};

struct Received {
  RecvOutcome outcome = RecvOutcome::Received;
  Notification notification;  // meaningful only when Received
};

// What the caller's syscall does next.
struct Response {
  enum class Kind { Continue, Errno, Return };
  Kind kind = Kind::Continue;
  int error = 0;      // Errno: the positive errno the caller sees
  int64_t value = 0;  // Return: the syscall's return value

  static Response continue_syscall() { return {}; }
  static Response fail(int err) { return {Kind::Errno, err, 0}; }
  static Response return_value(int64_t v) { return {Kind::Return, 0, v}; }
};

enum class SendOutcome {
  Sent,
  TargetGone,  // killed, or its wait was interrupted by a signal
};

// Every call is a single ioctl on stack buffers: threads may share one.
class NotifyFd {
 public:
  explicit NotifyFd(UniqueFd fd);

  int get() const noexcept { return fd_.get(); }

  // SECCOMP_IOCTL_NOTIF_RECV; blocks until a notification is pending.
  Received receive() const;
  // SECCOMP_IOCTL_NOTIF_SEND. Throws SysError on anything but ENOENT.
  SendOutcome respond(uint64_t id, const Response& response) const;
  // SECCOMP_IOCTL_NOTIF_ID_VALID: true while `id` waits for an answer, and
  // therefore while the pid in its notification still names the caller.
  bool id_valid(uint64_t id) const;

  // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6+): the kernel wakes the
  // target on the CPU the answer came from. nullopt when enabled, else why
  // the kernel refused (EINVAL before 6.6).
  std::optional<SysError> enable_sync_wake_up() const;

 private:
  UniqueFd fd_;
};

}  // namespace sa::kernel
