// What the pieces of stage 2 share: where the text being resolved sits, and
// how to report at a span inside it. Internal to the resolve stage.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "diag/diagnostics.hpp"
#include "dsl/ast.hpp"
#include "model/table/table.hpp"
#include "passes/source.hpp"

namespace sa::passes::detail {

struct Context {
  const Scalar& text;
  diag::Sink& sink;

  diag::Diagnostic& error(std::string_view code, std::string message, dsl::Span at) const;
  diag::Diagnostic& warning(std::string_view code, std::string message, dsl::Span at) const;
};

// Returns the predicate, or nullopt after reporting why it cannot be built.
// `reads_memory` is set when the predicate dereferences a pointer argument.
std::optional<table::Predicate> resolve_condition(const Context& ctx, const dsl::Condition& c,
                                                  std::string_view syscall, bool* reads_memory);
std::optional<table::Requirement> resolve_requirement(const Context& ctx,
                                                      const dsl::Requirement& r);
std::optional<int> resolve_capability(const Context& ctx, const dsl::Name& name);

// `syscall` is empty for the policy default, which applies to every syscall.
std::optional<table::Action> resolve_action(const Context& ctx, const dsl::Action& a,
                                            std::string_view syscall);

// An integer literal or symbolic constants joined by '|', checked against
// the width of `type`; returns the normalised 64-bit pattern.
std::optional<uint64_t> resolve_integer(const Context& ctx, const dsl::ValueUnion& v,
                                        catalog::ArgType type, std::string_view constants_group,
                                        std::string_view what);

// Checks a string that may hold placeholders; offset is where the text
// starts inside the rule (after the opening quote).
bool check_template(const Context& ctx, const std::string& text, std::string_view syscall,
                    dsl::Span value_span, bool quoted);

}  // namespace sa::passes::detail
