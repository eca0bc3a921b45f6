// Turns rule text into the syntax tree of ast.hpp. Positions in errors are
// byte offsets inside the text; the YAML loader maps them to file positions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.hpp"

namespace sa::dsl {

inline constexpr size_t kMaxRuleBytes = 64 * 1024;
inline constexpr unsigned kMaxGroupDepth = 32;

struct SyntaxError {
  std::string code;  // diag::code::kDslSyntax, kDslTooDeep or kDslTooLong
  std::string message;
  Span span;
  std::string hint;
};

template <typename T>
struct Parsed {
  T value;
  std::vector<SyntaxError> errors;  // when not empty, `value` is incomplete
  bool ok() const { return errors.empty(); }
};

Parsed<Rule> parse_rule(std::string_view text);
// An action list alone: a policy's `default:` or a test's `expect:`.
Parsed<Action> parse_actions(std::string_view text);

}  // namespace sa::dsl
