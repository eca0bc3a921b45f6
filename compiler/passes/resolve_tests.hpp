// Stage 2, inline tests: each `tests:` case becomes a notification with its
// facts and a resolved expected action.
#pragma once

#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "passes/load.hpp"
#include "passes/resolved.hpp"

namespace sa::passes {

std::vector<TestCase> resolve_tests(const PolicyDoc& doc, const ResolvedPolicy& policy,
                                    const std::vector<catalog::Arch>& arches, diag::Sink& sink);

}  // namespace sa::passes
