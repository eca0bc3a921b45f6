// The vocabulary of OCI seccomp profiles (runtime-spec LinuxSeccomp): actions,
// comparison operators and argument conditions, with their libseccomp values.
#pragma once

#include <seccomp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sa::profile {

enum class ScmpAction { Allow, Log, Errno, Trace, Trap, Kill, KillThread, KillProcess, Notify };

std::optional<ScmpAction> parse_action(std::string_view oci_name);  // "SCMP_ACT_ALLOW"
std::string_view action_name(ScmpAction a);                         // "SCMP_ACT_ALLOW"
// ERRNO and TRACE carry a return value (errnoRet); the others take none.
bool takes_errno(ScmpAction a);

// An action as libseccomp and the kernel see it: SCMP_ACT_ERRNO(EPERM) when
// errnoRet is absent, as runc and crun do; KILL and KILL_THREAD are one value.
uint32_t libseccomp_action(ScmpAction a, std::optional<uint32_t> errno_ret);

enum class CompareOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq };

std::optional<CompareOp> parse_op(std::string_view oci_name);  // "SCMP_CMP_EQ"
std::string_view op_name(CompareOp op);                        // "SCMP_CMP_EQ"
scmp_compare libseccomp_op(CompareOp op);

// One entry of `args`. For MASKED_EQ, `value` is the mask and `value_two`
// the value the masked argument must equal (libseccomp's datum_a, datum_b).
struct ArgCondition {
  unsigned index = 0;
  CompareOp op = CompareOp::Eq;
  uint64_t value = 0;
  uint64_t value_two = 0;
  auto operator<=>(const ArgCondition&) const = default;
};

// Whether the condition holds for a 64-bit argument value.
bool holds(const ArgCondition& c, uint64_t arg);
// "arg1 & 0xffff == 0x1c0", "arg0 != 40": for diagnostics.
std::string describe(const ArgCondition& c);

}  // namespace sa::profile
