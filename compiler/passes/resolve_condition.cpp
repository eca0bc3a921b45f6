#include <fmt/format.h>

#include "model/catalog/constants.hpp"
#include "model/catalog/syscalls.hpp"
#include "passes/resolve_context.hpp"

namespace sa::passes::detail {
namespace {

namespace code = diag::code;
using table::Field;
using table::Op;

std::string arg_list(std::string_view syscall) {
  const catalog::SyscallSignature* sig = catalog::find_signature(syscall);
  if (sig == nullptr) {
    return fmt::format("argument names of {} are not catalogued; use arg0..arg5", syscall);
  }
  if (sig->args.empty())
    return fmt::format("{} takes no arguments", syscall);
  std::vector<std::string> names;
  for (const auto& a : sig->args)
    names.push_back(a.name);
  return fmt::format("{} takes: {}", syscall, fmt::join(names, ", "));
}

std::optional<table::FieldRef> field(const Context& ctx, const dsl::Operand& o,
                                     std::string_view syscall, std::string* constants_group) {
  table::FieldRef f;
  f.field = o.field;
  switch (o.field) {
    case Field::Arg: {
      auto a = catalog::find_arg(syscall, o.name);
      if (!a) {
        std::vector<std::string> names;
        if (const auto* sig = catalog::find_signature(syscall)) {
          for (const auto& s : sig->args)
            names.push_back(s.name);
        }
        auto& d =
            ctx.error(code::kUnknownArg,
                      fmt::format("syscall '{}' has no argument '{}'", syscall, o.name), o.span);
        auto near = catalog::closest(o.name, names);
        d.hint = near ? fmt::format("did you mean '{}'? {}", *near, arg_list(syscall))
                      : arg_list(syscall);
        return std::nullopt;
      }
      f.arg = a->index;
      f.type = a->spec.type;
      f.label = o.name;
      *constants_group = a->spec.constants;
      return f;
    }
    case Field::PodNamespace:
      f.label = "pod.namespace";
      break;
    case Field::PodName:
      f.label = "pod.name";
      break;
    case Field::ContainerName:
      f.label = "container.name";
      break;
    case Field::ContainerId:
      f.label = "container.id";
      break;
    case Field::Annotation:
      f.key = o.name;
      f.label = fmt::format("annotation[\"{}\"]", o.name);
      break;
    case Field::Meta:
      f.key = o.name;
      f.label = fmt::format("meta.{}", o.name);
      break;
    case Field::Metadata:
      f.label = "meta";
      break;
    case Field::Uid:
      f.type = catalog::ArgType::UInt;
      f.label = "caller.uid";
      break;
    case Field::Gid:
      f.type = catalog::ArgType::UInt;
      f.label = "caller.gid";
      break;
    case Field::Pid:
      f.type = catalog::ArgType::Int;
      f.label = "caller.pid";
      break;
  }
  return f;
}

std::string describe(const table::FieldRef& f) {
  if (f.field == Field::Arg) {
    return fmt::format("{} argument '{}'", table::is_string_field(f) ? "string" : "integer",
                       f.label);
  }
  return fmt::format("'{}'", f.label);
}

bool string_values(const Context& ctx, const dsl::Condition& c, const table::FieldRef& lhs,
                   std::string_view syscall, table::Predicate& p) {
  bool ok = true;
  for (const dsl::ValueUnion& u : c.values) {
    if (u.parts.size() != 1) {
      ctx.error(code::kBadOperand, "'|' joins integer constants; it cannot join strings", u.span);
      ok = false;
      continue;
    }
    const dsl::Value& v = u.parts.front();
    if (v.kind == dsl::Value::Kind::Integer && lhs.field == Field::Arg) {
      ctx.error(code::kIntTestOnString,
                fmt::format("integer {} compared with {}", v.text, describe(lhs)), v.span)
          .hint = fmt::format("to compare with the text \"{}\", quote it", v.text);
      ok = false;
      continue;
    }
    const bool quoted = v.kind == dsl::Value::Kind::String;
    if (!check_template(ctx, v.text, syscall, v.span, quoted)) {
      ok = false;
      continue;
    }
    p.strings.push_back(v.text);
  }
  return ok;
}

bool integer_values(const Context& ctx, const dsl::Condition& c, const table::FieldRef& lhs,
                    const std::string& group, table::Predicate& p) {
  bool ok = true;
  for (const dsl::ValueUnion& u : c.values) {
    auto v = resolve_integer(ctx, u, lhs.type, group, describe(lhs));
    if (v)
      p.ints.push_back(*v);
    else
      ok = false;
  }
  return ok;
}

std::string_view op_text(Op op) {
  switch (op) {
    case Op::Lt:
      return "<";
    case Op::Le:
      return "<=";
    case Op::Gt:
      return ">";
    case Op::Ge:
      return ">=";
    case Op::Glob:
      return "glob";
    case Op::Prefix:
      return "prefix";
    case Op::MaskAny:
    case Op::MaskEq:
    case Op::MaskNe:
      return "&";
    case Op::Eq:
    case Op::Ne:
    case Op::In:
    case Op::NotIn:
    case Op::Present:
      return "=";
  }
  return "=";
}

std::optional<table::Predicate> compare(const Context& ctx, const dsl::Condition& c,
                                        std::string_view syscall, bool* reads_memory) {
  std::string group;
  auto lhs = field(ctx, c.lhs, syscall, &group);
  if (!lhs)
    return std::nullopt;
  table::Predicate p;
  p.kind = table::Predicate::Kind::Compare;
  p.lhs = *lhs;
  p.op = c.op;
  const bool is_string = table::is_string_field(*lhs);
  if (lhs->field == Field::Arg && is_string)
    *reads_memory = true;

  switch (c.op) {
    case Op::Present:
      if (lhs->field != Field::Meta && lhs->field != Field::Annotation) {
        ctx.error(code::kBadOperand, fmt::format("{} alone is not a condition", describe(*lhs)),
                  c.lhs.span)
            .hint = lhs->field == Field::Arg ? fmt::format("compare it, e.g. {} = ...", lhs->label)
                    : lhs->field == Field::Metadata ? "compare it, e.g. meta != \"\" (not empty)"
                                                    : "compare it with a value";
        return std::nullopt;
      }
      return p;
    case Op::Glob:
    case Op::Prefix:
      if (!is_string) {
        ctx.error(lhs->field == Field::Arg ? code::kStringTestOnInt : code::kBadOperand,
                  fmt::format("string test '{}' on {}", op_text(c.op), describe(*lhs)), c.span);
        return std::nullopt;
      }
      if (!string_values(ctx, c, *lhs, syscall, p))
        return std::nullopt;
      return p;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
    case Op::MaskAny:
    case Op::MaskEq:
    case Op::MaskNe:
      if (is_string) {
        ctx.error(lhs->field == Field::Arg ? code::kIntTestOnString : code::kBadOperand,
                  fmt::format("integer test '{}' on {}", op_text(c.op), describe(*lhs)), c.span);
        return std::nullopt;
      }
      if (c.mask) {
        auto m = resolve_integer(ctx, *c.mask, lhs->type, group, describe(*lhs));
        if (!m)
          return std::nullopt;
        p.mask = *m & catalog::type_mask(lhs->type, 64);
        if (p.mask == 0) {
          ctx.error(code::kBadValue, "the mask is 0: the test can never hold", c.mask->span);
          return std::nullopt;
        }
      }
      if (!integer_values(ctx, c, *lhs, group, p))
        return std::nullopt;
      if (c.op == Op::MaskEq || c.op == Op::MaskNe) {
        p.ints[0] &= catalog::type_mask(lhs->type, 64);
        if ((p.ints[0] & ~p.mask) != 0) {
          ctx.error(code::kBadValue, "the value has bits outside the mask: the test is constant",
                    c.values.front().span);
          return std::nullopt;
        }
      }
      return p;
    case Op::Eq:
    case Op::Ne:
    case Op::In:
    case Op::NotIn:
      break;
  }
  if (c.list_ref) {
    std::string unused;
    auto ref = field(ctx, *c.list_ref, syscall, &unused);
    if (!ref)
      return std::nullopt;
    if (!is_string || ref->field == Field::Arg || !table::is_string_field(*ref)) {
      ctx.error(code::kBadOperand,
                fmt::format("'in {}' needs a string operand and a metadata, annotation or pod "
                            "field holding a comma-separated list",
                            ref->label),
                c.span);
      return std::nullopt;
    }
    p.list_ref = *ref;
    return p;
  }
  const bool ok =
      is_string ? string_values(ctx, c, *lhs, syscall, p) : integer_values(ctx, c, *lhs, group, p);
  if (!ok)
    return std::nullopt;
  return p;
}

}  // namespace

std::optional<table::Predicate> resolve_condition(const Context& ctx, const dsl::Condition& c,
                                                  std::string_view syscall, bool* reads_memory) {
  using K = dsl::Condition::Kind;
  table::Predicate p;
  switch (c.kind) {
    case K::Compare:
      return compare(ctx, c, syscall, reads_memory);
    case K::HasCap: {
      auto cap = resolve_capability(ctx, c.capability);
      if (!cap)
        return std::nullopt;
      p.kind = table::Predicate::Kind::HasCap;
      p.capability = *cap;
      p.in_userns = c.in_userns;
      return p;
    }
    case K::InUserns:
      p.kind = table::Predicate::Kind::InUserns;
      return p;
    case K::IsInit:
      p.kind = table::Predicate::Kind::IsInit;
      return p;
    case K::Not:
      p.kind = table::Predicate::Kind::Not;
      break;
    case K::And:
      p.kind = table::Predicate::Kind::All;
      break;
    case K::Or:
      p.kind = table::Predicate::Kind::Any;
      break;
  }
  bool ok = true;
  for (const auto& child : c.children) {
    auto r = resolve_condition(ctx, *child, syscall, reads_memory);
    if (r)
      p.children.push_back(std::move(*r));
    else
      ok = false;
  }
  if (!ok)
    return std::nullopt;
  return p;
}

}  // namespace sa::passes::detail
