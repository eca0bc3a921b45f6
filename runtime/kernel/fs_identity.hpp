// The identity the kernel checks a file-system operation against: fsuid,
// fsgid, supplementary groups and effective capabilities. Set with raw
// system calls, which change only the calling thread (glibc's wrappers of
// setgroups and setresuid change every thread of the process): usable on an
// agent thread for the length of one call, and in a CLONE_VM child.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace sa::kernel {

struct FsIdentity {
  uid_t fsuid = 0;  // kernel ids, as the agent's user namespace sees them
  gid_t fsgid = 0;
  const gid_t* groups = nullptr;
  size_t group_count = 0;
  uint64_t capabilities = 0;  // effective
};

// The calling thread takes `who`: groups, fsgid, fsuid, then exactly
// `who.capabilities` as its effective set. `permitted` is what stays
// permitted: the thread's current permitted set to be able to come back
// (an agent thread), or `who.capabilities` for good (a child). `now`, when
// the caller knows it, is the thread's identity at this point (its
// permitted set being `permitted` already): what is already as wanted is
// not set again. 0 or errno.
int take_fs_identity(const FsIdentity& who, uint64_t permitted, uint64_t inheritable,
                     const FsIdentity* now = nullptr) noexcept;

// The calling thread's capability sets: `effective` (only what is also
// permitted), `permitted` and `inheritable`; 0 or errno.
int set_capabilities(uint64_t effective, uint64_t permitted, uint64_t inheritable) noexcept;

// The calling thread's capability sets; 0 or errno.
int read_capabilities(uint64_t& effective, uint64_t& permitted, uint64_t& inheritable) noexcept;

}  // namespace sa::kernel
