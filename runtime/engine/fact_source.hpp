// Where the engine gets the facts that cost something to learn (strings in
// the caller's memory, the caller's credentials): the agent answers from the
// real kernel (the caller's memory, /proc/PID/status), the simulator from a trace.
// The engine asks lazily — only when a row needs the fact — and at most once
// per argument per evaluation, so a string is read once however many rows and
// templates use it: the decision and the emulation see the same copy.
#pragma once

#include <optional>

#include "model/call/facts.hpp"

namespace sa::engine {

class FactSource {
 public:
  virtual ~FactSource() = default;
  // The NUL-terminated string argument `arg_index` points to. Implementations
  // may throw to abandon the evaluation (the simulator does when a trace
  // lacks the argument); the engine holds no state that needs cleaning up.
  virtual model::StringRead read_string(int arg_index) = 0;
  // nullopt when the caller is not visible (pid 0 in the agent's namespace,
  // or gone).
  virtual std::optional<model::CallerFacts> caller() = 0;
};

}  // namespace sa::engine
