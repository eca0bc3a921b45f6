// The vocabulary of OCI seccomp profiles (runtime-spec LinuxSeccomp): actions,
// comparison operators and argument conditions, with their libseccomp values.
#pragma once

#include <seccomp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/names.hpp"

namespace sa::profile {

enum class ScmpAction { Allow, Log, Errno, Trace, Trap, Kill, KillThread, KillProcess, Notify };

// ERRNO and TRACE carry a return value (errnoRet); the others take none.
bool takes_errno(ScmpAction a);

// An action as libseccomp and the kernel see it: SCMP_ACT_ERRNO(EPERM) when
// errnoRet is absent, as runc and crun do; KILL and KILL_THREAD are one value.
uint32_t libseccomp_action(ScmpAction a, std::optional<uint32_t> errno_ret);

enum class CompareOp { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq };

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

// The names OCI profiles use ("SCMP_ACT_ALLOW", "SCMP_CMP_EQ").
namespace sa {
template <>
struct Vocabulary<profile::ScmpAction> {
  static constexpr std::size_t count = 9;
  static constexpr std::array<NameEntry<profile::ScmpAction>, count> names{{
      {profile::ScmpAction::Allow, "SCMP_ACT_ALLOW"},
      {profile::ScmpAction::Log, "SCMP_ACT_LOG"},
      {profile::ScmpAction::Errno, "SCMP_ACT_ERRNO"},
      {profile::ScmpAction::Trace, "SCMP_ACT_TRACE"},
      {profile::ScmpAction::Trap, "SCMP_ACT_TRAP"},
      {profile::ScmpAction::Kill, "SCMP_ACT_KILL"},
      {profile::ScmpAction::KillThread, "SCMP_ACT_KILL_THREAD"},
      {profile::ScmpAction::KillProcess, "SCMP_ACT_KILL_PROCESS"},
      {profile::ScmpAction::Notify, "SCMP_ACT_NOTIFY"},
  }};
};
template <>
struct Vocabulary<profile::CompareOp> {
  static constexpr std::size_t count = 7;
  static constexpr std::array<NameEntry<profile::CompareOp>, count> names{{
      {profile::CompareOp::Ne, "SCMP_CMP_NE"},
      {profile::CompareOp::Lt, "SCMP_CMP_LT"},
      {profile::CompareOp::Le, "SCMP_CMP_LE"},
      {profile::CompareOp::Eq, "SCMP_CMP_EQ"},
      {profile::CompareOp::Ge, "SCMP_CMP_GE"},
      {profile::CompareOp::Gt, "SCMP_CMP_GT"},
      {profile::CompareOp::MaskedEq, "SCMP_CMP_MASKED_EQ"},
  }};
};
}  // namespace sa
