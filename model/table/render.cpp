#include "model/table/render.hpp"

#include <fmt/format.h>

#include "model/catalog/constants.hpp"

namespace sa::table {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out.push_back(c);
    }
  }
  out += '"';
  return out;
}

std::string render_duration(const Duration& d) {
  if (!d.millis)
    return quote(d.template_text);
  const uint64_t ms = *d.millis;
  if (ms != 0 && ms % 3600000 == 0)
    return fmt::format("{}h", ms / 3600000);
  if (ms != 0 && ms % 60000 == 0)
    return fmt::format("{}m", ms / 60000);
  if (ms % 1000 == 0)
    return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

namespace {

std::string integer(const FieldRef& f, uint64_t v, bool as_mask) {
  if (as_mask)
    return fmt::format("{:#x}", v);
  if (f.type == catalog::ArgType::UShort)
    return fmt::format("{:#o}", v);
  if (catalog::is_signed(f.type))
    return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

std::string response(const Action& a) {
  switch (a.response) {
    case Response::Continue:
      return a.unsafe ? "continue unsafe" : "continue";
    case Response::Errno: {
      const std::string name = catalog::errno_name(a.error);
      return name.empty() ? fmt::format("errno {}", a.error)
                          : fmt::format("errno {} ({})", name, a.error);
    }
    case Response::Return:
      return fmt::format("return {}", a.value);
    case Response::Kill:
      return "kill";
    case Response::Emulate: {
      std::string out = fmt::format("emulate {}", name_of(a.emulator));
      for (const EmulateParam& p : a.params) {
        if (catalog::is_string(p.type))
          out += fmt::format(" {}={}", p.name, quote(p.text));
        else
          out += fmt::format(" {}={}", p.name, p.integer);
      }
      if (a.credentials == model::Credentials::Agent)
        out += " as agent";
      return out;
    }
  }
  return "?";
}

std::string values(const Predicate& p) {
  std::vector<std::string> items;
  for (uint64_t v : p.ints)
    items.push_back(integer(p.lhs, v, false));
  for (const std::string& s : p.strings)
    items.push_back(quote(s));
  return fmt::format("{}", fmt::join(items, ", "));
}

}  // namespace

std::string render_action(const Action& a) {
  std::vector<std::string> parts;
  if (a.log)
    parts.emplace_back("log");
  if (a.delay)
    parts.push_back(fmt::format("{} {} then {}", delay_words(a.delay_from),
                                render_duration(*a.delay), response(a)));
  else
    parts.push_back(response(a));
  if (a.stop_after) {
    const std::string_view words = stop_words(a.stop_mode);
    parts.push_back(a.stop_after->millis && *a.stop_after->millis == 0
                        ? std::string(words)
                        : fmt::format("{} after {}", words, render_duration(*a.stop_after)));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string render_requirement(const Requirement& r) {
  return fmt::format("requires {}{}", catalog::capability_name(r.capability),
                     r.in_userns ? " in userns" : "");
}

std::string render_predicate(const Predicate& p) {
  switch (p.kind) {
    case Predicate::Kind::HasCap:
      return fmt::format("has {}{}", catalog::capability_name(p.capability),
                         p.in_userns ? " in userns" : "");
    case Predicate::Kind::InUserns:
      return "in userns";
    case Predicate::Kind::IsInit:
      return "caller is init";
    case Predicate::Kind::Not:
      return fmt::format("not ({})", render_predicate(p.children.at(0)));
    case Predicate::Kind::All:
    case Predicate::Kind::Any: {
      std::vector<std::string> kids;
      for (const Predicate& c : p.children)
        kids.push_back(render_predicate(c));
      return fmt::format("({})",
                         fmt::join(kids, p.kind == Predicate::Kind::All ? " and " : " or "));
    }
    case Predicate::Kind::Compare:
      break;
  }
  const std::string& l = p.lhs.label;
  switch (p.op) {
    case Op::Eq:
      return fmt::format("{} = {}", l, values(p));
    case Op::Ne:
      return fmt::format("{} != {}", l, values(p));
    case Op::Lt:
      return fmt::format("{} < {}", l, values(p));
    case Op::Le:
      return fmt::format("{} <= {}", l, values(p));
    case Op::Gt:
      return fmt::format("{} > {}", l, values(p));
    case Op::Ge:
      return fmt::format("{} >= {}", l, values(p));
    case Op::Glob:
      return fmt::format("{} glob {}", l, values(p));
    case Op::Prefix:
      return fmt::format("{} prefix {}", l, values(p));
    case Op::In:
    case Op::NotIn: {
      const char* op = p.op == Op::In ? "in" : "not in";
      if (p.list_ref)
        return fmt::format("{} {} {}", l, op, p.list_ref->label);
      return fmt::format("{} {} [{}]", l, op, values(p));
    }
    case Op::MaskAny:
      return fmt::format("{} & {}", l, integer(p.lhs, p.mask, true));
    case Op::MaskEq:
      return fmt::format("{} & {} == {}", l, integer(p.lhs, p.mask, true),
                         integer(p.lhs, p.ints.at(0), true));
    case Op::MaskNe:
      return fmt::format("{} & {} != {}", l, integer(p.lhs, p.mask, true),
                         integer(p.lhs, p.ints.at(0), true));
    case Op::Present:
      return l;
  }
  return "?";
}

}  // namespace sa::table
