// The OCI seccomp profiles rulec writes: one for the whole node (the union of
// every policy's intercepts, DIR/profile.json) and one per policy
// (DIR/profiles/POLICY.json), each layered over an optional base profile.
//
// Layering. An intercepted syscall gets SCMP_ACT_NOTIFY entries and nothing
// else: it is taken out of every base entry (unconditional, argument-
// conditional or selective), because libseccomp would otherwise let an
// unconditional base rule or an unconditional NOTIFY silently override the
// other (see base_answer.hpp). What the base would have answered lives on in
// the table's passthrough, and W0400 says where that changes behaviour.
//
// Argument filters. A syscall is notified only for calls one of its rules
// may match (encode.hpp), and only where that is exactly equivalent: the calls
// left to the kernel must get what the agent would answer, so the policy's
// default must be a plain continue (no log, delay or stop), the profile's
// defaultAction ALLOW with no base entry of its own for the syscall, and no
// rule may read memory before a default CONTINUE the compiler has not marked
// safe (the engine would refuse that CONTINUE). Otherwise, and when more than
// kMaxConjuncts entries would be needed, the syscall is notified
// unconditionally. A syscall no rule can ever match under those conditions is
// not notified at all. The node profile ORs the policies' filters; one policy
// needing every call makes it unconditional.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "model/table/table.hpp"
#include "profile/arg_filter.hpp"
#include "profile/base_profile.hpp"
#include "profile/encode.hpp"

namespace sa::profile {

inline constexpr std::string_view kDefaultListenerPath = "/run/seccomp-agent.socket";

struct Options {
  std::string listener_path = std::string(kDefaultListenerPath);
  std::vector<std::string> metadata;  // extra listenerMetadata lines, KEY=VALUE
  std::vector<catalog::Arch> arches;  // empty: the table's, else the machine's defaults
  // Intercepted because the base denies them (`intercept_base_denials`): no
  // W0400 for them, that is the point.
  std::set<std::string> base_denied;
  // Add SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV to the profiles' flags: a
  // caller waiting for the agent is then interrupted only by a fatal signal,
  // so it never restarts a syscall the agent has already carried out. crun
  // (1.8 here) accepts it; runc 1.1 refuses every flag, so it is opt-in.
  bool wait_killable_recv = false;
};

inline constexpr std::string_view kWaitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";

struct Profiles {
  nlohmann::json node;                             // every policy
  std::map<std::string, nlohmann::json> policies;  // by policy name
};

Profiles build_profiles(const table::Table& t, const BaseProfile* base, const Options& o,
                        diag::Sink& sink);

// The profile's architectures (OCI names): the targets, then the base's
// (archMap entries whose architecture is a target, with their
// subArchitectures).
std::vector<std::string> profile_arches(const table::Table& t, const BaseProfile* base,
                                        const Options& o);
// Whether every one of them has 64-bit registers (unknown ones count as not).
bool registers_64(const std::vector<std::string>& arches);

// Which calls of `syscall` a policy's profile notifies.
ArgFilter policy_filter(const table::Policy& p, const std::string& syscall, const BaseProfile* base,
                        const EncodeOptions& o);

}  // namespace sa::profile
