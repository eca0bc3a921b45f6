#include <fmt/format.h>

#include <limits>

#include "model/catalog/constants.hpp"
#include "model/table/template.hpp"
#include "passes/resolve_context.hpp"

namespace sa::passes::detail {

namespace code = diag::code;

diag::Diagnostic& Context::error(std::string_view c, std::string message, dsl::Span at) const {
  return report(sink, diag::Severity::Error, c, std::move(message),
                locate_in(text, at.offset, at.length), text.at.file);
}

diag::Diagnostic& Context::warning(std::string_view c, std::string message, dsl::Span at) const {
  return report(sink, diag::Severity::Warning, c, std::move(message),
                locate_in(text, at.offset, at.length), text.at.file);
}

std::optional<int> resolve_capability(const Context& ctx, const dsl::Name& name) {
  if (auto cap = catalog::capability_value(name.text))
    return *cap;
  auto& d = ctx.error(code::kUnknownCapability, fmt::format("unknown capability '{}'", name.text),
                      name.span);
  std::string upper = name.text;
  for (char& ch : upper)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (upper.rfind("CAP_", 0) != 0)
    upper = "CAP_" + upper;
  if (auto near = catalog::closest(upper, catalog::all_capability_names())) {
    d.hint = fmt::format("did you mean '{}'?", *near);
  }
  return std::nullopt;
}

std::optional<table::Requirement> resolve_requirement(const Context& ctx,
                                                      const dsl::Requirement& r) {
  auto cap = resolve_capability(ctx, r.capability);
  if (!cap)
    return std::nullopt;
  return table::Requirement{*cap, r.in_userns};
}

namespace {

// The literal range accepted for each width: 32-bit kinds take both the
// signed and the unsigned spelling of a bit pattern (-1 and 0xffffffff).
bool fits(catalog::ArgType type, bool negative, uint64_t magnitude) {
  using T = catalog::ArgType;
  constexpr uint64_t k32 = 0xffffffffULL;
  switch (type) {
    case T::UShort:
      return !negative && magnitude <= 0xffff;
    case T::Int:
    case T::UInt:
      return negative ? magnitude <= 0x80000000ULL : magnitude <= k32;
    case T::Ptr:
      return !negative;
    default:
      return !negative || magnitude <= (uint64_t{1} << 63);
  }
}

std::optional<uint64_t> one_integer(const Context& ctx, const dsl::Value& v, catalog::ArgType type,
                                    std::string_view group, std::string_view what) {
  if (v.kind == dsl::Value::Kind::String) {
    ctx.error(code::kStringTestOnInt, fmt::format("string \"{}\" compared with {}", v.text, what),
              v.span)
        .hint = "integer arguments take numbers or constants such as MS_BIND";
    return std::nullopt;
  }
  bool negative = v.negative;
  uint64_t magnitude = v.integer;
  if (v.kind == dsl::Value::Kind::Word) {
    const catalog::Constant* k = catalog::find_constant(v.text);
    if (k == nullptr) {
      auto& d =
          ctx.error(code::kUnknownConstant, fmt::format("unknown constant '{}'", v.text), v.span);
      std::vector<std::string> names;
      for (const auto& c : catalog::all_constants())
        names.push_back(c.name);
      if (auto near = catalog::closest(v.text, names)) {
        d.hint = fmt::format("did you mean '{}'?", *near);
      } else {
        d.hint = fmt::format("{} is an integer; a bare word there must be a known constant", what);
      }
      return std::nullopt;
    }
    if (!group.empty() && k->group != group) {
      ctx.warning(code::kConstantGroup,
                  fmt::format("{} is one of the {} constants; {} takes {} constants", k->name,
                              k->group, what, group),
                  v.span);
    }
    negative = k->value < 0;
    magnitude =
        negative ? static_cast<uint64_t>(-(k->value + 1)) + 1 : static_cast<uint64_t>(k->value);
  }
  if (!fits(type, negative, magnitude)) {
    ctx.error(code::kBadValue,
              fmt::format("{}{} does not fit {} ({})", negative ? "-" : "", magnitude, what,
                          catalog::arg_type_name(type)),
              v.span);
    return std::nullopt;
  }
  const uint64_t pattern = negative ? ~magnitude + 1 : magnitude;
  if (catalog::is_signed(type)) {
    return static_cast<uint64_t>(catalog::normalize_signed(pattern, type, 64));
  }
  return catalog::normalize_unsigned(pattern, type, 64);
}

}  // namespace

std::optional<uint64_t> resolve_integer(const Context& ctx, const dsl::ValueUnion& u,
                                        catalog::ArgType type, std::string_view group,
                                        std::string_view what) {
  uint64_t out = 0;
  bool ok = true;
  for (const dsl::Value& v : u.parts) {
    auto x = one_integer(ctx, v, type, group, what);
    if (!x) {
      ok = false;
      continue;
    }
    out |= *x;
  }
  if (!ok)
    return std::nullopt;
  return out;
}

bool check_template(const Context& ctx, const std::string& text, std::string_view syscall,
                    dsl::Span value_span, bool quoted) {
  table::TemplateError err;
  if (table::parse_template(text, syscall, &err))
    return true;
  const uint32_t start = value_span.offset + (quoted ? 1 : 0);
  ctx.error(
      code::kBadTemplate, err.message,
      dsl::Span{start + static_cast<uint32_t>(err.offset), static_cast<uint32_t>(err.length)});
  return false;
}

}  // namespace sa::passes::detail
