// The syntax tree of one rule, exactly as written: names are not resolved and
// values are not typed yet (that is the semantic pass's job). Every node keeps
// its span inside the rule text so that diagnostics can point at it. Fields
// and comparison operators are the decision table's own enums: the grammar
// has exactly those, and a second copy would need a mapping kept in step.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/table/table.hpp"

namespace sa::dsl {

struct Span {
  uint32_t offset = 0;
  uint32_t length = 0;
};

struct Name {
  std::string text;
  Span span;
};

// A literal as written. Words are bare tokens (cifs, /bin/true, MS_BIND):
// whether one is a string or a constant depends on what it is compared with.
struct Value {
  enum class Kind { Integer, Word, String };
  Kind kind = Kind::Word;
  std::string text;  // decoded text (escapes resolved for strings)
  uint64_t integer = 0;
  bool negative = false;
  Span span;
};

// Several words or integers joined with '|', e.g. MS_BIND|MS_REC.
struct ValueUnion {
  std::vector<Value> parts;
  Span span;
};

// The left-hand side of a comparison: which field, and for an argument,
// annotation or meta field the name as written (resolve looks it up).
struct Operand {
  table::Field field = table::Field::Arg;
  std::string name;  // argument name, or the annotation / meta key
  Span span;
};

struct Condition;
using ConditionPtr = std::unique_ptr<Condition>;

struct Condition {
  enum class Kind { Compare, HasCap, InUserns, IsInit, Not, And, Or };
  Kind kind = Kind::Compare;
  Span span;

  // Compare
  Operand lhs;
  table::Op op = table::Op::Eq;
  std::vector<ValueUnion> values;   // one, or the list of `in [...]`
  std::optional<Operand> list_ref;  // `in meta.KEY`: a comma-separated list from a field
  std::optional<ValueUnion> mask;   // `arg & MASK [== V]`

  // HasCap
  Name capability;
  bool in_userns = false;

  // Not / And / Or
  std::vector<ConditionPtr> children;
};

// `requires CAP [in userns]`: a guard. When the rest of the rule matches and
// the requirement does not hold, the answer is EPERM.
struct Requirement {
  Name capability;
  bool in_userns = false;
  Span span;
};

struct Duration {
  std::optional<uint64_t> millis;  // a literal: 2s, 500ms
  std::string template_text;       // or "{meta.EXEC_DURATION}", parsed at run time
  Span span;
};

struct EmulateParam {
  Name key;
  Value value;
};

struct Response {
  table::Response kind = table::Response::Continue;
  Span span;
  bool unsafe = false;               // `continue unsafe`
  Value operand;                     // errno NAME|N, return N
  std::optional<Name> emulate_op;    // emulate [mkdir]
  std::vector<EmulateParam> params;  // path="..."
  // `as agent`: the agent's credentials, and where that is written.
  model::Credentials credentials = model::Credentials::Caller;
  Span as_span;
};

struct Action {
  Span span;
  bool log = false;
  std::optional<Duration> delay;     // delay [until age] D then RESPONSE
  table::DelayFrom delay_from = table::DelayFrom::Decision;
  std::optional<Response> response;  // absent only for `log` / `stop` alone
  bool stop_container = false;       // `stop container` or `freeze container`
  table::StopMode stop_mode = table::StopMode::Kill;
  std::optional<Duration> stop_after;
  Span stop_span;
};

struct Rule {
  std::vector<Name> syscalls;  // empty with `any` set for `*`
  bool any_syscall = false;
  Span syscalls_span;
  ConditionPtr condition;  // null when the rule is unconditional
  std::vector<Requirement> requirements;
  Action action;
};

}  // namespace sa::dsl
