// The engine's answer for one notification: what to send the kernel or do
// instead (the answer), what to do first (delay) and afterwards (log, stop
// the container), and why. Cheap to build: a decision on integer-only rules
// allocates nothing (the strings it refers to live in the engine's table).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/call/emulation.hpp"
#include "model/call/origin.hpp"
#include "model/table/table.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::engine {

// The five answers, each carrying exactly what it needs: a decision cannot
// be an errno without its value or an emulation without its call.
struct Continue {};  // the kernel runs the syscall
struct Fail {        // the syscall fails with `error` (positive errno)
  int error = 0;
};
struct Return {  // the syscall returns `value` without running
  int64_t value = 0;
};
struct Emulate {  // the agent carries the syscall out and returns its result
  model::Emulation call;
};
struct Kill {};  // the caller is killed
using Answer = std::variant<Continue, Fail, Return, Emulate, Kill>;

struct Decision {
  Answer answer;
  std::optional<uint64_t> delay_ms;  // wait this long, then answer
  // Set when the container is to be stopped this long after the last such
  // call (CRI-O's notifier).
  std::optional<uint64_t> stop_after_ms;
  table::StopMode stop_mode = table::StopMode::Kill;  // with stop_after_ms: kill or freeze
  bool log = false;
  bool read_memory = false;  // strings were read from the caller for this decision

  // The row that decided (nullptr for defaults, passthrough and failures
  // before a row matched) and the container's policy (nullptr without one).
  const table::Row* row = nullptr;
  const table::Policy* policy = nullptr;
  std::string_view syscall;  // "" when the syscall is not in the table
  model::Origin origin = model::Origin::Default;
  // Problems the agent must surface: an invalid duration counted as 0, a
  // failed read, a refused CONTINUE, a bad Go template in a metadata value.
  std::vector<std::string> warnings;

  // Derived from `answer`.
  table::Response response() const;
  bool is_continue() const { return std::holds_alternative<Continue>(answer); }
  int error() const;                          // Fail: the errno; else 0
  int64_t value() const;                      // Return: the value; else 0
  const model::Emulation* emulation() const;  // Emulate: the call; else nullptr
  bool stops() const { return stop_after_ms.has_value(); }

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
