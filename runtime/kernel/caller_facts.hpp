// Who the caller is, as its own container sees it: effective uid/gid mapped
// into the caller's user namespace, effective capabilities, that namespace,
// and whether it is the container's own user namespace (capabilities there
// are container-scoped, not the host's). The daemon copies these into the
// engine's CallerFacts.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "kernel/notify_fd.hpp"
#include "kernel/proc_dir.hpp"
#include "kernel/proc_status.hpp"

namespace sa::kernel {

// A namespace, identified as the kernel does: device and inode of its nsfs
// file (what `readlink /proc/PID/ns/user` shows as "user:[inode]").
struct NamespaceId {
  uint64_t device = 0;
  uint64_t inode = 0;
  std::string kind;  // "user", "mnt", ...

  std::string name() const;  // "user:[4026531837]"
  bool operator==(const NamespaceId& o) const { return device == o.device && inode == o.inode; }
};

// /proc/PID/ns/KIND of the process behind `proc`; nullopt when it is gone.
std::optional<NamespaceId> namespace_of(const ProcDir& proc, const char* kind);
// The agent's own user namespace (the initial one, normally).
const NamespaceId& own_user_namespace();
// The user namespace of a process by pid, e.g. a container's init when the
// container registers; nullopt when it is gone.
std::optional<NamespaceId> user_namespace_of(pid_t pid);

struct CallerFacts {
  uint32_t uid = 0;  // effective, in the caller's user namespace
  uint32_t gid = 0;
  uint64_t cap_effective = 0;  // CapEff: held in `userns`
  NamespaceId userns;
  // `userns` is the container's (its init's) and not the agent's own: a
  // container without a user namespace of its own never qualifies.
  bool userns_is_container = false;
  mode_t umask = 0;
  // Milliseconds since the process started (read_caller_facts only; the
  // emulations that read identities do not need it). nullopt when its stat
  // line could not be read.
  std::optional<uint64_t> age_ms;
};

// How long the process behind `proc` has lived: its start time (field 22
// of /proc/PID/stat, clock ticks since boot) against CLOCK_BOOTTIME.
std::optional<uint64_t> process_age_ms(const ProcDir& proc);

// Facts of the process behind `proc`; nullopt when it is gone. The caller
// of this function is responsible for ID_VALID after opening `proc`.
std::optional<CallerFacts> read_process_facts(const ProcDir& proc,
                                              const std::optional<NamespaceId>& container_userns);

// The facts together with the status fields they came from (kernel ids,
// supplementary groups), for acting with the caller's credentials.
struct ProcessIdentity {
  StatusFields status;
  CallerFacts facts;
  // fsuid and fsgid as the caller's user namespace sees them.
  uint32_t ns_fsuid = 0;
  uint32_t ns_fsgid = 0;
  bool own_user_namespace = false;  // the caller's user namespace is not the agent's
};
std::optional<ProcessIdentity> read_process_identity(
    const ProcDir& proc, const std::optional<NamespaceId>& container_userns);

enum class FactsOutcome { Read, TargetGone };

struct CallerFactsResult {
  FactsOutcome outcome = FactsOutcome::Read;
  CallerFacts facts;  // meaningful only when Read
};

// The caller of a pending notification: opens /proc/PID, checks ID_VALID,
// then reads through that directory (bound to the caller even if it dies).
// Throws SysError when /proc cannot be read for another reason than the
// caller's death, std::runtime_error when its content is malformed.
CallerFactsResult read_caller_facts(const NotifyFd& notify, const Notification& n,
                                    const std::optional<NamespaceId>& container_userns);

}  // namespace sa::kernel
