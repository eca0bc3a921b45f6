// What a --base profile forbids, for policies with `intercept_base_denials:
// true` (CRI-O's seccomp notifier, automatic): the policy intercepts exactly
// those syscalls, so that it sees - logs, counts, stops on - every call the
// base would have failed or killed, without naming one.
#pragma once

#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "profile/base_profile.hpp"

namespace sa::profile {

struct BaseDenials {
  // Every call of these fails (SCMP_ACT_ERRNO) or is killed (SCMP_ACT_KILL*,
  // SCMP_ACT_TRAP) in every container: an unconditional entry that applies to
  // all containers, or the default action for a syscall no entry names.
  std::vector<std::string> denied;
  // Denied only for some arguments or some containers (argument conditions,
  // includes/excludes): "chroot (for some containers)". Not intercepted: the
  // calls the base allows would reach the agent too.
  std::vector<std::string> partly;
};

// Over every syscall libseccomp knows on at least one of `arches`, sorted.
BaseDenials base_denials(const BaseProfile& base, const std::vector<catalog::Arch>& arches);

// W0401: the syscalls `partly` lists, in one warning.
void report_partly_denied(const BaseProfile& base, const BaseDenials& d, diag::Sink& sink);

}  // namespace sa::profile
