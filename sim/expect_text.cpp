#include "expect_text.hpp"

#include <fmt/format.h>

#include "diag/diagnostics.hpp"
#include "dsl/parser.hpp"
#include "passes/resolve_context.hpp"
#include "passes/source.hpp"

namespace sa::sim {
namespace {

std::string describe(const diag::Diagnostic& d) {
  std::string out = fmt::format("column {}: {}", d.location.column, d.message);
  if (!d.hint.empty())
    out += fmt::format(" ({})", d.hint);
  return out;
}

}  // namespace

std::optional<table::Action> parse_expect(const std::string& text, const std::string& syscall,
                                          std::string* error) {
  const passes::SourceFile file("expect", text);
  const passes::Scalar scalar{text, passes::ScalarPos{&file, 0, 0, 0}};
  diag::Sink sink;
  const passes::detail::Context ctx{scalar, sink};
  const auto parsed = dsl::parse_actions(text);
  for (const auto& e : parsed.errors) {
    ctx.error(e.code, e.message, e.span).hint = e.hint;
  }
  std::optional<table::Action> action;
  if (parsed.ok())
    action = passes::detail::resolve_action(ctx, parsed.value, syscall);
  for (const diag::Diagnostic& d : sink.items()) {
    if (d.severity == diag::Severity::Error) {
      *error = describe(d);
      return std::nullopt;
    }
  }
  return action;
}

}  // namespace sa::sim
