// The compiler pipeline over a --base profile: the base is read once, when a
// policy's `intercept_base_denials` first needs what it denies, else for the
// passthrough (after the rules, so that its diagnostics follow theirs).
// rulec and `seccomp-sim test --base` compile through here.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "passes/pipeline.hpp"
#include "profile/base_profile.hpp"

namespace sa::profile {

struct CompiledWithBase {
  passes::Compiled compiled;
  std::optional<BaseProfile> base;    // nullopt without --base
  std::set<std::string> base_denied;  // intercepted by `intercept_base_denials`
};

// `base_path` empty: no base (the passthrough continues every call).
// nullopt when an error was reported, in the rules or in the base.
std::optional<CompiledWithBase> compile_with_base(const std::vector<std::string>& files,
                                                  const std::vector<catalog::Arch>& arches,
                                                  const std::string& base_path, diag::Sink& sink);

}  // namespace sa::profile
