// Why a decision came out the way it did. A closed set: logs, traces and the
// simulator's --check all speak these names.
#pragma once

#include "model/names.hpp"

namespace sa::model {

enum class Origin {
  Rule,                   // a row's `when` held and its action applies
  Requirement,            // a row matched but a `requires` did not hold: EPERM
  Default,                // no row matched: the policy's default
  Passthrough,            // the policy has no rule for the syscall: the base profile's action
  NoPolicy,               // no policy for the container: the base profile's action
  Unnamed,                // no policy of the table names the syscall: the policy's default
  UnknownSyscall,         // no syscall of that number, or unnamed without a policy: ENOSYS
  ReadFailed,             // a string argument could not be read: EFAULT
  FactsUnavailable,       // the caller's credentials were needed but not visible: EPERM
  UnsafeContinueRefused,  // CONTINUE after reading memory without the compiler's consent: EPERM
};

}  // namespace sa::model

namespace sa {
template <>
struct Vocabulary<model::Origin> {
  static constexpr std::size_t count = 10;
  static constexpr std::array<NameEntry<model::Origin>, count> names{{
      {model::Origin::Rule, "rule"},
      {model::Origin::Requirement, "requirement"},
      {model::Origin::Default, "default"},
      {model::Origin::Passthrough, "passthrough"},
      {model::Origin::NoPolicy, "no-policy"},
      {model::Origin::Unnamed, "unnamed-syscall"},
      {model::Origin::UnknownSyscall, "unknown-syscall"},
      {model::Origin::ReadFailed, "read-failed"},
      {model::Origin::FactsUnavailable, "facts-unavailable"},
      {model::Origin::UnsafeContinueRefused, "unsafe-continue-refused"},
  }};
};
}  // namespace sa
