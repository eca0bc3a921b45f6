// Stage 3: ResolvedPolicy -> table::Policy. Orders each syscall's rows in rule
// order, drops rows that can never be reached, and runs the checks that need
// the whole policy: shadowed rules and unsafe CONTINUE (TOCTOU).
#pragma once

#include "diag/diagnostics.hpp"
#include "model/table/table.hpp"
#include "passes/resolved.hpp"

namespace sa::passes {

table::Policy lower(const ResolvedPolicy& policy, diag::Sink& sink);

}  // namespace sa::passes
