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
#include "model/call/notification.hpp"
#include "model/call/response.hpp"

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

// The kernel layer speaks the model's types: a notification as received and
// the answer to send are the same values the engine and traces use.
using model::Notification;
using model::Response;

enum class RecvOutcome {
  Received,
  TargetGone,   // the target was killed between the wake-up and the read
  Interrupted,  // a signal reached the agent while it waited (EINTR)
};

struct Received {
  RecvOutcome outcome = RecvOutcome::Received;
  Notification notification;  // meaningful only when Received
};

enum class SendOutcome {
  Sent,
  TargetGone,  // killed, or its wait was interrupted by a signal
};

// What SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND did.
enum class AddFdOutcome {
  Installed,   // the fd is the caller's and its number was the answer
  TargetGone,  // ENOENT: nothing installed, nothing to answer
  Refused,     // `err`; nothing installed and the notification still pending
};

struct AddFdResult {
  AddFdOutcome outcome = AddFdOutcome::Installed;
  int newfd = -1;  // Installed: the caller's fd number
  int err = 0;     // Refused
};

// Whether `fd` is the listener of a seccomp filter (the kernel names its
// anonymous inode "seccomp notify"). Asked without side effects: an ioctl
// would mean something else to another kind of fd.
bool is_notify_fd(int fd);

// Every call is a single ioctl on stack buffers: threads may share one.
class NotifyFd {
 public:
  explicit NotifyFd(UniqueFd fd);

  int get() const noexcept { return fd_.get(); }

  // SECCOMP_IOCTL_NOTIF_RECV; blocks until a notification is pending.
  Received receive() const;
  // SECCOMP_IOCTL_NOTIF_SEND, again after EINTR (the kernel takes the
  // filter's lock interruptibly, before anything else). Throws SysError on
  // anything but ENOENT.
  SendOutcome respond(uint64_t id, const Response& response) const;
  // SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND: installs `fd`
  // in the caller (`newfd_flags`: O_CLOEXEC or 0) and answers its number,
  // in one step. ENOENT is the target gone; any other errno (EMFILE: the
  // caller's fd limit) leaves the notification pending for another answer.
  AddFdResult add_fd_and_send(uint64_t id, int fd, unsigned newfd_flags) const;
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
