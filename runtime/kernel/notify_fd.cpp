#include "kernel/notify_fd.hpp"

#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "kernel/seccomp_abi.hpp"

namespace sa::kernel {
namespace {

// Room for the kernel's structures even if they grow; checked against the
// sizes the kernel reports, so a larger kernel struct fails loudly instead of
// overrunning the buffer.
constexpr size_t kBufferSize = 512;

NotifSizes query_sizes() {
  seccomp_notif_sizes sizes{};
  if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    throw_errno("seccomp(SECCOMP_GET_NOTIF_SIZES)");
  }
  if (sizes.seccomp_notif > kBufferSize || sizes.seccomp_notif_resp > kBufferSize) {
    throw SysError(EOVERFLOW, "seccomp notification structures larger than " +
                                  std::to_string(kBufferSize) + " bytes");
  }
  return {sizes.seccomp_notif, sizes.seccomp_notif_resp, sizes.seccomp_data};
}

Notification to_notification(const seccomp_notif& n) {
  Notification out;
  out.id = n.id;
  out.pid = n.pid;
  out.flags = n.flags;
  out.nr = n.data.nr;
  out.audit_arch = n.data.arch;
  out.instruction_pointer = n.data.instruction_pointer;
  std::copy(std::begin(n.data.args), std::end(n.data.args), out.args.begin());
  return out;
}

seccomp_notif_resp to_kernel(uint64_t id, const Response& r) {
  seccomp_notif_resp resp{};
  resp.id = id;
  switch (r.kind) {
    case Response::Kind::Continue:
      resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      break;
    case Response::Kind::Errno:
      // The kernel returns `error` as is: it must be the negated errno.
      resp.error = -r.error;
      break;
    case Response::Kind::Return:
      resp.val = r.value;
      break;
  }
  return resp;
}

}  // namespace

bool is_notify_fd(int fd) {
  static constexpr std::string_view kName = "anon_inode:seccomp notify";
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  char target[64];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target);
  return n == static_cast<ssize_t>(kName.size()) &&
         std::string_view(target, static_cast<size_t>(n)) == kName;
}

const NotifSizes& notif_sizes() {
  static const NotifSizes sizes = query_sizes();
  return sizes;
}

NotifyFd::NotifyFd(UniqueFd fd) : fd_(std::move(fd)) {
  (void)notif_sizes();  // fail at construction, not at the first notification
}

Received NotifyFd::receive() const {
  // The kernel refuses a buffer that is not zeroed (EINVAL).
  alignas(seccomp_notif) unsigned char buffer[kBufferSize] = {};
  if (::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_RECV, buffer) != 0) {
    if (errno == ENOENT) {
      return {RecvOutcome::TargetGone, {}};
    }
    if (errno == EINTR) {
      return {RecvOutcome::Interrupted, {}};
    }
    throw_errno("ioctl SECCOMP_IOCTL_NOTIF_RECV");
  }
  seccomp_notif n{};
  std::memcpy(&n, buffer, sizeof n);
  return {RecvOutcome::Received, to_notification(n)};
}

SendOutcome NotifyFd::respond(uint64_t id, const Response& response) const {
  alignas(seccomp_notif_resp) unsigned char buffer[kBufferSize] = {};
  const seccomp_notif_resp resp = to_kernel(id, response);
  std::memcpy(buffer, &resp, sizeof resp);
  // EINTR: a signal came while the kernel waited for the filter's lock,
  // before it looked at the answer; unless sent again the caller would wait
  // for good.
  int rc = 0;
  do {
    rc = ::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_SEND, buffer);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno == ENOENT) {
      return SendOutcome::TargetGone;
    }
    throw_errno("ioctl SECCOMP_IOCTL_NOTIF_SEND id " + std::to_string(id));
  }
  return SendOutcome::Sent;
}

AddFdResult NotifyFd::add_fd_and_send(uint64_t id, int fd, unsigned newfd_flags) const {
  seccomp_notif_addfd addfd{};
  addfd.id = id;
  addfd.flags = SECCOMP_ADDFD_FLAG_SEND;
  addfd.srcfd = static_cast<uint32_t>(fd);
  addfd.newfd = 0;
  addfd.newfd_flags = newfd_flags;
  const int newfd = ::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
  if (newfd >= 0)
    return {AddFdOutcome::Installed, newfd, 0};
  if (errno == ENOENT)
    return {AddFdOutcome::TargetGone, -1, 0};
  return {AddFdOutcome::Refused, -1, errno};
}

bool NotifyFd::id_valid(uint64_t id) const {
  int rc = 0;
  do {  // again after EINTR, as in respond(): interrupted before the kernel looked
    rc = ::ioctl(fd_.get(), SECCOMP_IOCTL_NOTIF_ID_VALID, &id);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) {
    return true;
  }
  if (errno == ENOENT) {
    return false;
  }
  throw_errno("ioctl SECCOMP_IOCTL_NOTIF_ID_VALID id " + std::to_string(id));
}

std::optional<SysError> NotifyFd::enable_sync_wake_up() const {
  if (::ioctl(fd_.get(), abi::kNotifSetFlags, abi::kSyncWakeUp) == 0) {
    return std::nullopt;
  }
  const int err = errno;
  std::string context = "ioctl SECCOMP_IOCTL_NOTIF_SET_FLAGS(SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)";
  if (err == EINVAL) {
    context += " (needs Linux 6.6 or later)";
  }
  return SysError(err, context);
}

}  // namespace sa::kernel
