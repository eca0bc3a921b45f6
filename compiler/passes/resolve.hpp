// Stage 2: PolicyDoc -> ResolvedPolicy. Parses each rule text with the DSL
// parser, then resolves names against the catalog: syscalls (with libseccomp,
// for every target architecture), arguments and their types, constants,
// errno values, capabilities, templates, emulators.
#pragma once

#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "passes/load.hpp"
#include "passes/resolved.hpp"

namespace sa::passes {

// What the --base profile denies, for `intercept_base_denials: true`:
// `given` false when rulec has no --base (an error for such a policy);
// `denied` nullptr when the base could not be used (its errors are reported).
struct BaseDenied {
  bool given = false;
  const std::vector<std::string>* denied = nullptr;
};

ResolvedPolicy resolve(const PolicyDoc& doc, const std::vector<catalog::Arch>& arches,
                       diag::Sink& sink, BaseDenied base = {});

// The syscalls that have an emulator in the agent.
const std::vector<std::string>& emulated_syscalls();

}  // namespace sa::passes
