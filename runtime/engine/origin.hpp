// Why a decision came out the way it did. A closed set: logs, traces and the
// simulator's --check all speak these names.
#pragma once

#include <optional>
#include <string_view>

namespace sa::engine {

enum class Origin {
  Rule,                   // a row's `when` held and its action applies
  Requirement,            // a row matched but a `requires` did not hold: EPERM
  Default,                // no row matched: the policy's default
  Passthrough,            // the policy has no rule for the syscall: the base profile's action
  NoPolicy,               // no policy for the container: the base profile's action
  UnknownSyscall,         // (arch, nr) is not in the table's index: ENOSYS
  ReadFailed,             // a string argument could not be read: EFAULT
  FactsUnavailable,       // the caller's credentials were needed but not visible: EPERM
  UnsafeContinueRefused,  // CONTINUE after reading memory without the compiler's consent: EPERM
};

std::string_view origin_name(Origin o);  // "rule", "unsafe-continue-refused", ...
std::optional<Origin> origin_from_name(std::string_view name);

}  // namespace sa::engine
