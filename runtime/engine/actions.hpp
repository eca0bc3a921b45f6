// From a compiled action to the decision's response, timing and emulation:
// durations expanded and parsed, emulated arguments resolved. Internal to the
// engine.
#pragma once

#include "engine/compiled_table.hpp"
#include "engine/decision.hpp"
#include "engine/evaluation.hpp"

namespace sa::engine::detail {

// Fills response, error, value, log, delay, stop and the emulation of `d`.
// Stops early when a fact fails (ev.failure() says which).
void apply_action(const CompiledAction& a, Evaluation& ev, Decision& d);

}  // namespace sa::engine::detail
