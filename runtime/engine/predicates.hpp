// Evaluation of a row's `when`: integer tests on registers, string tests on
// arguments read once and on the container's fields, caller credentials.
// Internal to the engine.
#pragma once

#include <vector>

#include "engine/compiled_table.hpp"
#include "engine/evaluation.hpp"

namespace sa::engine::detail {

enum class Truth { False, True, Abort };  // Abort: a fact failed; see Evaluation::failure()

// All of `when` holds; stops at the first that does not (later ones are not
// evaluated, so their strings are not read).
Truth all_hold(const std::vector<CompiledPredicate>& when, Evaluation& ev);
Truth holds(const CompiledPredicate& p, Evaluation& ev);

// The caller has `capability` in its effective set, and with `in_userns`
// holds it in the container's own user namespace.
bool has_capability(const model::CallerFacts& f, int capability, bool in_userns);

}  // namespace sa::engine::detail
