// What a notification should be decided as — from the decision a trace
// recorded, from an `expect` action text, or from an inline test of a rule
// file — and the differences between that and what the engine decided.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/decision.hpp"
#include "model/table/table.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::sim {

struct ExpectedArg {
  int arg = 0;
  std::string name;
  bool is_string = false;
  bool is_null = false;
  std::string text;
  uint64_t integer = 0;
};

struct Expectation {
  std::string source;  // "recorded decision", "expect \"errno EPERM\""
  table::Response response = table::Response::Continue;
  int error = 0;
  int64_t value = 0;
  std::string emulate;            // "" when not emulating
  std::vector<ExpectedArg> args;  // only these arguments are compared
  // Emulating: always compared (`as agent` or not).
  model::Credentials credentials = model::Credentials::Caller;
  std::optional<uint64_t> delay_ms;
  bool stop = false;
  std::optional<uint64_t> stop_after_ms;
  table::StopMode stop_mode = table::StopMode::Kill;  // with stop
  bool log = false;
  std::string rule;  // compared when not empty
};

Expectation from_recorded(const trace::RecordedDecision& d);
// Values in an expected action are literal: a template there is an error
// (reported through `error`, nullopt returned).
std::optional<Expectation> from_action(const table::Action& a, std::string source,
                                       std::string* error);

// One line per difference ("errno: expected EBADMSG, got EPERM"); empty when
// the decision is what was expected. `word_bits` of the notification's
// architecture, for comparing integers at their C type's width.
std::vector<std::string> differences(const Expectation& e, const engine::Decision& d,
                                     unsigned word_bits);

}  // namespace sa::sim
