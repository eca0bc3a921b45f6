// The engine's answer for one notification: what to send the kernel, what to
// do first (delay, emulate) and afterwards (log, stop the container), and why.
// Cheap to build: a decision on integer-only rules allocates nothing (the
// strings it refers to live in the engine's table).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/emulation.hpp"
#include "model/call/origin.hpp"
#include "model/table/table.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::engine {

struct Decision {
  table::Response response = table::Response::Continue;
  int error = 0;      // Errno: the positive errno the caller sees
  int64_t value = 0;  // Return: the syscall's return value

  // The row that decided (nullptr for defaults, passthrough and failures
  // before a row matched) and the container's policy (nullptr without one).
  const table::Row* row = nullptr;
  const table::Policy* policy = nullptr;
  std::string_view syscall;  // "" when the syscall is not in the table
  model::Origin origin = model::Origin::Default;

  bool is_continue = true;                // response == Continue
  bool read_memory = false;               // strings were read from the caller for this decision
  std::optional<uint64_t> delay_ms;       // wait this long, then respond
  std::optional<uint64_t> stop_after_ms;  // set exactly when `stop` is
  bool log = false;
  bool stop = false;    // stop the container `stop_after_ms` after the last such call
  Emulation emulation;  // active() exactly when response == Emulate
  // Problems the agent must surface: an invalid duration counted as 0, a
  // failed read, a refused CONTINUE, a bad Go template in a metadata value.
  std::vector<std::string> warnings;

  // The action in the rule language: `log, delay 2s then continue`.
  std::string action_text() const;
  // The same without the emulated values (`emulate mkdir`): for counting
  // decisions by kind.
  std::string action_kind() const;
  // What will happen, in words: `mkdir "/abc-pid-42" mode 0755 in the
  // container's root`, `chmod fails with EBADMSG`.
  std::string effect_plan() const;
  // One line for logs: `emulate mkdir "/abc-pid-42" mode 0755 (demo-basic#1
  // rules/demo-basic.yaml:8:5)`.
  std::string summary() const;
  // What was decided, in the trace's terms (--record, --check).
  trace::RecordedDecision record() const;

 private:
  std::string action(bool with_values) const;
};

}  // namespace sa::engine
