#include "engine/predicates.hpp"

#include <algorithm>

#include "model/table/template.hpp"

namespace sa::engine::detail {
namespace {

using table::Field;
using table::Op;

Truth truth(bool b) {
  return b ? Truth::True : Truth::False;
}

bool compare_integer(const table::Predicate& p, uint64_t v, bool is_signed) {
  const auto ordered = [&](auto lhs, auto rhs) {
    switch (p.op) {
      case Op::Lt:
        return lhs < rhs;
      case Op::Le:
        return lhs <= rhs;
      case Op::Gt:
        return lhs > rhs;
      case Op::Ge:
        return lhs >= rhs;
      default:
        return false;
    }
  };
  switch (p.op) {
    case Op::Eq:
      return v == p.ints[0];
    case Op::Ne:
      return v != p.ints[0];
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      return is_signed ? ordered(static_cast<int64_t>(v), static_cast<int64_t>(p.ints[0]))
                       : ordered(v, p.ints[0]);
    case Op::In:
      return std::find(p.ints.begin(), p.ints.end(), v) != p.ints.end();
    case Op::NotIn:
      return std::find(p.ints.begin(), p.ints.end(), v) == p.ints.end();
    case Op::MaskAny:
      return (v & p.mask) != 0;
    case Op::MaskEq:
      return (v & p.mask) == p.ints[0];
    case Op::MaskNe:
      return (v & p.mask) != p.ints[0];
    default:
      return false;  // string operators; rejected when the table loads
  }
}

// The integer a non-string field holds; nullopt when the caller's facts were
// needed and are not visible.
std::optional<uint64_t> integer_field(const table::FieldRef& f, Evaluation& ev) {
  switch (f.field) {
    case Field::Arg:
      return ev.integer(f.arg, f.type);
    case Field::Pid:
      return static_cast<uint64_t>(
          catalog::normalize_signed(ev.notification().pid, catalog::ArgType::Int, 64));
    case Field::Uid:
    case Field::Gid: {
      const model::CallerFacts* c = ev.caller();
      if (c == nullptr)
        return std::nullopt;
      return f.field == Field::Uid ? c->uid : c->gid;
    }
    default:
      return std::nullopt;
  }
}

// The items of a comma-separated list: surrounding spaces trimmed, empty
// items dropped ("cifs, nfs,," -> cifs, nfs).
bool list_contains(std::string_view list, std::string_view value) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos)
      end = list.size();
    std::string_view item = list.substr(start, end - start);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (!item.empty() && item == value)
      return true;
    start = end + 1;
  }
  return false;
}

Truth membership(const CompiledPredicate& cp, std::string_view value, Evaluation& ev) {
  const table::Predicate& p = *cp.source;
  bool found = false;
  if (p.list_ref) {
    found = list_contains(ev.context_field(*p.list_ref), value);
  } else {
    for (const table::Template& t : cp.strings) {
      auto item = ev.expand(t);
      if (!item)
        return Truth::Abort;
      if (*item == value) {
        found = true;
        break;
      }
    }
  }
  return truth(found == (p.op == Op::In));
}

Truth compare_string(const CompiledPredicate& cp, std::string_view value, Evaluation& ev) {
  const table::Predicate& p = *cp.source;
  if (p.op == Op::In || p.op == Op::NotIn)
    return membership(cp, value, ev);
  auto operand = ev.expand(cp.strings[0]);
  if (!operand)
    return Truth::Abort;
  switch (p.op) {
    case Op::Eq:
      return truth(value == *operand);
    case Op::Ne:
      return truth(value != *operand);
    case Op::Glob:
      return truth(table::glob_match(*operand, value));
    case Op::Prefix:
      return truth(value.substr(0, operand->size()) == *operand);
    default:
      return Truth::False;  // integer operators; rejected when the table loads
  }
}

Truth present(const table::FieldRef& f, const model::ContainerInfo& c) {
  if (f.field == Field::Meta)
    return truth(c.meta.count(f.key) != 0);
  return truth(c.annotations.count(f.key) != 0);
}

Truth compare(const CompiledPredicate& cp, Evaluation& ev) {
  const table::Predicate& p = *cp.source;
  if (p.op == Op::Present)
    return present(p.lhs, ev.container());
  if (!table::is_string_field(p.lhs)) {
    const auto v = integer_field(p.lhs, ev);
    if (!v)
      return Truth::Abort;
    const bool is_signed = catalog::is_signed(p.lhs.type);
    return truth(compare_integer(p, *v, is_signed));
  }
  if (p.lhs.field == Field::Arg) {
    const model::StringRead* s = ev.string(p.lhs.arg);
    if (s == nullptr)
      return Truth::Abort;
    // A NULL pointer reads as "": mount's source and fstype may be NULL.
    return compare_string(cp, s->value, ev);
  }
  return compare_string(cp, ev.context_field(p.lhs), ev);
}

Truth caller_test(const table::Predicate& p, Evaluation& ev) {
  const model::CallerFacts* c = ev.caller();
  if (c == nullptr)
    return Truth::Abort;
  if (p.kind == table::Predicate::Kind::InUserns)
    return truth(c->userns_is_container);
  return truth(has_capability(*c, p.capability, p.in_userns));
}

// The notification's pid against the OCI state's: both in the agent's pid
// namespace. A container whose init is unknown (pid 0) has none.
Truth is_init(const Evaluation& ev) {
  const long init = ev.container().pid;
  return truth(init > 0 && static_cast<long>(ev.notification().pid) == init);
}

Truth any_holds(const std::vector<CompiledPredicate>& children, Evaluation& ev) {
  for (const CompiledPredicate& c : children) {
    const Truth t = holds(c, ev);
    if (t != Truth::False)
      return t;
  }
  return Truth::False;
}

}  // namespace

bool has_capability(const model::CallerFacts& f, int capability, bool in_userns) {
  const bool held = ((f.cap_effective >> capability) & 1U) != 0;
  return held && (!in_userns || f.userns_is_container);
}

Truth holds(const CompiledPredicate& cp, Evaluation& ev) {
  using K = table::Predicate::Kind;
  switch (cp.source->kind) {
    case K::Compare:
      return compare(cp, ev);
    case K::HasCap:
    case K::InUserns:
      return caller_test(*cp.source, ev);
    case K::IsInit:
      return is_init(ev);
    case K::Not: {
      const Truth t = holds(cp.children[0], ev);
      return t == Truth::Abort ? t : truth(t == Truth::False);
    }
    case K::All:
      return all_hold(cp.children, ev);
    case K::Any:
      return any_holds(cp.children, ev);
  }
  return Truth::False;
}

Truth all_hold(const std::vector<CompiledPredicate>& when, Evaluation& ev) {
  for (const CompiledPredicate& p : when) {
    const Truth t = holds(p, ev);
    if (t != Truth::True)
      return t;
  }
  return Truth::True;
}

}  // namespace sa::engine::detail
