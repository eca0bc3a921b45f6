// Whose credentials an emulated syscall runs with. By default the caller's:
// its fsuid/fsgid, supplementary groups, umask and capabilities, plus only
// the capability the emulation exists to grant (CAP_SYS_ADMIN for a mount).
// `emulate ... as agent` in a rule runs it with the agent's full privileges.
#pragma once

#include "model/names.hpp"

namespace sa::model {

enum class Credentials { Caller, Agent };

}  // namespace sa::model

namespace sa {
template <>
struct Vocabulary<model::Credentials> {
  static constexpr std::size_t count = 2;
  static constexpr std::array<NameEntry<model::Credentials>, count> names{{
      {model::Credentials::Caller, "caller"},
      {model::Credentials::Agent, "agent"},
  }};
};
}  // namespace sa
