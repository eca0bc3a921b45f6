// Kernel ABI the Debian 12 headers (Linux 6.1) do not have yet. The values
// are part of the stable UAPI; defining them here lets the agent use newer
// kernels' features while building against the older headers.
#pragma once

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>

#include <cstdint>

namespace sa::kernel::abi {

// Linux 6.6: ask the kernel to wake the target on the supervisor's CPU
// (SECCOMP_IOCTL_NOTIF_SET_FLAGS with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP).
#ifdef SECCOMP_IOCTL_NOTIF_SET_FLAGS
inline constexpr unsigned long kNotifSetFlags = SECCOMP_IOCTL_NOTIF_SET_FLAGS;
#else
inline constexpr unsigned long kNotifSetFlags = SECCOMP_IOW(4, __u64);
#endif
inline constexpr uint64_t kSyncWakeUp = 1;

// Linux 6.9: pidfd_open() on a thread rather than a whole process. Seccomp
// notifications name the calling thread, which need not be the leader.
inline constexpr unsigned kPidfdThread = O_EXCL;  // PIDFD_THREAD is defined as O_EXCL

}  // namespace sa::kernel::abi
