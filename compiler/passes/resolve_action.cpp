#include <fmt/format.h>

#include <set>

#include "model/catalog/constants.hpp"
#include "model/table/template.hpp"
#include "passes/resolve.hpp"
#include "passes/resolve_context.hpp"

namespace sa::passes {

const std::vector<std::string>& emulated_syscalls() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& e : Vocabulary<model::Emulator>::names)
      out.emplace_back(e.name);
    return out;
  }();
  return names;
}

namespace detail {
namespace {

namespace code = diag::code;

constexpr int kMaxErrno = 4095;
constexpr int kENOSYS = 38;

std::optional<table::Duration> duration(const Context& ctx, const dsl::Duration& d,
                                        std::string_view syscall) {
  table::Duration out;
  if (d.millis) {
    out.millis = *d.millis;
    return out;
  }
  if (!check_template(ctx, d.template_text, syscall, d.span, true))
    return std::nullopt;
  table::TemplateError unused;
  const auto t = table::parse_template(d.template_text, syscall, &unused);
  if (t && t->is_constant()) {
    auto ms = table::parse_go_duration(d.template_text);
    if (!ms) {
      ctx.error(code::kBadValue, fmt::format("\"{}\" is not a duration", d.template_text), d.span)
          .hint = "write it as 2s, 500ms, 1m30s (at most 24h)";
      return std::nullopt;
    }
    out.millis = *ms;
    return out;
  }
  out.template_text = d.template_text;
  return out;
}

std::optional<int> errno_of(const Context& ctx, const dsl::Value& v) {
  if (v.kind == dsl::Value::Kind::Integer) {
    if (v.negative || v.integer < 1 || v.integer > kMaxErrno) {
      ctx.error(code::kBadValue, fmt::format("errno {} is outside 1..{}", v.text, kMaxErrno),
                v.span);
      return std::nullopt;
    }
    return static_cast<int>(v.integer);
  }
  if (auto e = catalog::errno_value(v.text))
    return *e;
  auto& d = ctx.error(code::kUnknownErrno, fmt::format("unknown errno '{}'", v.text), v.span);
  if (auto near = catalog::closest(v.text, catalog::all_errno_names())) {
    d.hint = fmt::format("did you mean '{}'?", *near);
  }
  return std::nullopt;
}

bool emulate_param(const Context& ctx, const dsl::EmulateParam& p, std::string_view syscall,
                   table::Action& a) {
  auto arg = catalog::find_arg(syscall, p.key.text);
  if (!arg) {
    std::vector<std::string> names;
    if (const auto* sig = catalog::find_signature(syscall)) {
      for (const auto& s : sig->args)
        names.push_back(s.name);
    }
    ctx.error(code::kBadEmulateParam,
              fmt::format("{} has no argument '{}' to set", syscall, p.key.text), p.key.span)
        .hint = fmt::format("its arguments are: {}", fmt::join(names, ", "));
    return false;
  }
  for (const auto& existing : a.params) {
    if (existing.arg == arg->index) {
      ctx.error(code::kBadEmulateParam, fmt::format("'{}' is set twice", p.key.text), p.key.span);
      return false;
    }
  }
  table::EmulateParam out;
  out.name = arg->spec.name;
  out.arg = arg->index;
  out.type = arg->spec.type;
  if (arg->spec.type == catalog::ArgType::Ptr) {
    ctx.error(code::kBadEmulateParam,
              fmt::format("'{}' is an opaque pointer and cannot be set", p.key.text), p.key.span);
    return false;
  }
  if (catalog::is_string(arg->spec.type)) {
    if (p.value.kind == dsl::Value::Kind::Integer) {
      ctx.error(code::kBadEmulateParam,
                fmt::format("'{}' is a string; quote the value", p.key.text), p.value.span);
      return false;
    }
    if (!check_template(ctx, p.value.text, syscall, p.value.span,
                        p.value.kind == dsl::Value::Kind::String)) {
      return false;
    }
    out.text = p.value.text;
  } else {
    auto v = resolve_integer(ctx, dsl::ValueUnion{{p.value}, p.value.span}, arg->spec.type,
                             arg->spec.constants, fmt::format("integer argument '{}'", p.key.text));
    if (!v)
      return false;
    out.integer = *v;
  }
  a.params.push_back(std::move(out));
  return true;
}

bool emulate(const Context& ctx, const dsl::Response& r, std::string_view syscall,
             table::Action& a) {
  const auto& names = emulated_syscalls();
  const std::string known = fmt::format("{}", fmt::join(names, ", "));
  if (syscall.empty()) {
    ctx.error(code::kNoEmulator,
              "the policy default cannot emulate: emulation belongs to a rule "
              "for a syscall",
              r.span);
    return false;
  }
  if (r.emulate_op) {
    const std::string& op = r.emulate_op->text;
    if (std::find(names.begin(), names.end(), op) == names.end()) {
      ctx.error(code::kNoEmulator, fmt::format("there is no emulator for '{}'", op),
                r.emulate_op->span)
          .hint = fmt::format("emulators exist for: {}", known);
      return false;
    }
    if (op != syscall) {
      ctx.error(code::kBadEmulateParam,
                fmt::format("'emulate {}' in a rule for {}: an emulator carries out the "
                            "intercepted syscall itself",
                            op, syscall),
                r.emulate_op->span)
          .hint = "write `emulate` followed by the arguments to change";
      return false;
    }
  }
  if (std::find(names.begin(), names.end(), syscall) == names.end()) {
    ctx.error(code::kNoEmulator, fmt::format("there is no emulator for '{}'", syscall), r.span)
        .hint = fmt::format("emulators exist for: {}", known);
    return false;
  }
  a.emulator = *value_of<model::Emulator>(syscall);
  a.credentials = r.credentials;
  bool ok = true;
  for (const auto& p : r.params)
    ok = emulate_param(ctx, p, syscall, a) && ok;
  return ok;
}

bool response(const Context& ctx, const dsl::Response& r, std::string_view syscall,
              table::Action& a) {
  using K = table::Response;
  a.response = r.kind;
  switch (r.kind) {
    case K::Continue:
      a.unsafe = r.unsafe;
      return true;
    case K::Errno: {
      auto e = errno_of(ctx, r.operand);
      if (e)
        a.error = *e;
      return e.has_value();
    }
    case K::Return:
      if (!r.operand.negative && r.operand.integer > static_cast<uint64_t>(INT64_MAX)) {
        ctx.error(code::kBadValue,
                  fmt::format("return value {} does not fit a long", r.operand.text),
                  r.operand.span);
        return false;
      }
      a.value = r.operand.negative ? static_cast<int64_t>(~r.operand.integer + 1)
                                   : static_cast<int64_t>(r.operand.integer);
      return true;
    case K::Kill:
      return true;
    case K::Emulate:
      return emulate(ctx, r, syscall, a);
  }
  return false;
}

}  // namespace

std::optional<table::Action> resolve_action(const Context& ctx, const dsl::Action& in,
                                            std::string_view syscall) {
  table::Action a;
  bool ok = true;
  a.log = in.log;
  if (in.response) {
    ok = response(ctx, *in.response, syscall, a);
  } else if (in.stop_container) {
    // CRI-O's notifier answers ENOSYS and stops the workload later (and a
    // freeze, written without a response, answers the same).
    a.response = table::Response::Errno;
    a.error = kENOSYS;
  } else {
    a.response = table::Response::Continue;  // `log` alone
  }
  if (in.delay) {
    auto d = duration(ctx, *in.delay, syscall);
    if (d)
      a.delay = *d;
    else
      ok = false;
    a.delay_from = in.delay_from;
  }
  if (in.stop_container) {
    a.stop_mode = in.stop_mode;
    if (in.stop_after) {
      auto d = duration(ctx, *in.stop_after, syscall);
      if (d)
        a.stop_after = *d;
      else
        ok = false;
    } else {
      a.stop_after = table::Duration{0, ""};
    }
  }
  if (!ok)
    return std::nullopt;
  return a;
}

}  // namespace detail
}  // namespace sa::passes
