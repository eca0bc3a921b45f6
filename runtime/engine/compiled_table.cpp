#include "engine/compiled_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/engine_error.hpp"
#include "model/catalog/arch.hpp"

namespace sa::engine::detail {
namespace {

using table::Field;
using table::Op;

// Syscall numbers of one architecture must fit a flat array; libseccomp's
// spans are a few hundred (x32 starts at 0x40000000, but spans no more).
constexpr int64_t kMaxNumberSpan = 65536;
constexpr int kMaxCapability = 63;
constexpr int kMaxErrno = 4095;

// Where in the table a problem is, for the error message.
struct Place {
  std::string text;
  [[noreturn]] void fail(const std::string& what) const {
    throw EngineError(fmt::format("{}: {}", text, what));
  }
};

Place row_place(const table::Policy& p, const std::string& syscall, const table::Row& r) {
  std::string where = r.source.file.empty() ? std::string()
                                            : fmt::format(" ({}:{}:{})", r.source.file,
                                                          r.source.line, r.source.column);
  return Place{fmt::format("policy '{}', {} row {}{}", p.name, syscall, r.id, where)};
}

table::Template parse(const Place& at, const std::string& text, std::string_view syscall) {
  table::TemplateError err;
  auto t = table::parse_template(text, syscall, &err);
  if (!t)
    at.fail(fmt::format("template \"{}\": {}", text, err.message));
  return std::move(*t);
}

void check_capability(const Place& at, int cap) {
  if (cap < 0 || cap > kMaxCapability)
    at.fail(fmt::format("capability {} is out of range", cap));
}

void check_field(const Place& at, const table::FieldRef& f) {
  if (f.field == Field::Arg && (f.arg < 0 || f.arg > 5)) {
    at.fail(fmt::format("argument index {} of '{}' is outside 0..5", f.arg, f.label));
  }
}

// The operand shapes evaluation relies on, so that a hand-edited table can
// never make it index past a vector.
void check_compare(const Place& at, const table::Predicate& p) {
  check_field(at, p.lhs);
  const bool is_string = table::is_string_field(p.lhs);
  const std::string what = fmt::format("'{}' {}", p.lhs.label, name_of(p.op));
  switch (p.op) {
    case Op::Present:
      if (p.lhs.field != Field::Meta && p.lhs.field != Field::Annotation) {
        at.fail(what + " applies only to meta and annotation keys");
      }
      return;
    case Op::Glob:
    case Op::Prefix:
      if (!is_string || p.strings.empty())
        at.fail(what + " needs a string operand and a value");
      return;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
    case Op::MaskAny:
    case Op::MaskEq:
    case Op::MaskNe:
      if (is_string)
        at.fail(what + " needs an integer operand");
      if (p.op != Op::MaskAny && p.ints.empty())
        at.fail(what + " needs a value");
      return;
    case Op::In:
    case Op::NotIn:
      if (p.list_ref) {
        if (!is_string || p.list_ref->field == Field::Arg || !table::is_string_field(*p.list_ref)) {
          at.fail(what + " against a field needs a string operand and a non-argument string field");
        }
      }
      return;
    case Op::Eq:
    case Op::Ne:
      if (is_string ? p.strings.empty() : p.ints.empty())
        at.fail(what + " needs a value");
      return;
  }
  at.fail(what + ": unknown operator");
}

CompiledPredicate compile_predicate(const Place& at, const table::Predicate& p,
                                    std::string_view syscall) {
  CompiledPredicate out;
  out.source = &p;
  using K = table::Predicate::Kind;
  switch (p.kind) {
    case K::Compare:
      check_compare(at, p);
      if (table::is_string_field(p.lhs)) {
        for (const std::string& s : p.strings)
          out.strings.push_back(parse(at, s, syscall));
      }
      return out;
    case K::HasCap:
      check_capability(at, p.capability);
      return out;
    case K::InUserns:
    case K::IsInit:
      return out;
    case K::Not:
      if (p.children.size() != 1)
        at.fail("'not' needs exactly one operand");
      break;
    case K::All:
    case K::Any:
      break;
  }
  for (const table::Predicate& c : p.children) {
    out.children.push_back(compile_predicate(at, c, syscall));
  }
  return out;
}

std::optional<table::Template> duration_template(const Place& at, const table::Duration& d,
                                                 std::string_view syscall) {
  if (d.millis)
    return std::nullopt;
  return parse(at, d.template_text, syscall);
}

void compile_emulation(const Place& at, const table::Action& a, std::string_view syscall,
                       CompiledAction& out) {
  // An emulator carries out the intercepted syscall itself, on its registers.
  const std::string_view op = name_of(a.emulator);
  if (op != syscall) {
    at.fail(fmt::format("emulate {} in a rule for {}", op,
                        syscall.empty() ? "every syscall (a default)" : syscall));
  }
  out.signature = catalog::find_signature(op);
  if (out.signature == nullptr)
    at.fail(fmt::format("no signature for the emulator '{}'", op));
  const size_t arity = out.signature->args.size();
  for (const table::EmulateParam& p : a.params) {
    if (p.arg < 0 || static_cast<size_t>(p.arg) >= arity) {
      at.fail(fmt::format("emulate parameter '{}' names argument {}, {} has {}", p.name, p.arg, op,
                          arity));
    }
    if (catalog::is_string(p.type) != catalog::is_string(out.signature->args[p.arg].type)) {
      at.fail(fmt::format("emulate parameter '{}' has the wrong type", p.name));
    }
    out.params.push_back(catalog::is_string(p.type)
                             ? std::optional<table::Template>(parse(at, p.text, syscall))
                             : std::nullopt);
  }
}

CompiledAction compile_action(const Place& at, const table::Action& a, std::string_view syscall) {
  CompiledAction out;
  out.source = &a;
  if (a.response == table::Response::Errno && (a.error < 1 || a.error > kMaxErrno)) {
    at.fail(fmt::format("errno {} is outside 1..{}", a.error, kMaxErrno));
  }
  if (a.response == table::Response::Emulate)
    compile_emulation(at, a, syscall, out);
  if (a.delay)
    out.delay = duration_template(at, *a.delay, syscall);
  if (a.stop_after)
    out.stop_after = duration_template(at, *a.stop_after, syscall);
  return out;
}

CompiledSyscall compile_syscall(const table::Policy& p, const table::SyscallRules& rules) {
  CompiledSyscall out;
  out.source = &rules;
  for (const table::Row& r : rules.rows) {
    const Place at = row_place(p, rules.name, r);
    CompiledRow row;
    row.source = &r;
    for (const table::Predicate& w : r.when)
      row.when.push_back(compile_predicate(at, w, rules.name));
    for (const table::Requirement& q : r.requirements)
      check_capability(at, q.capability);
    row.action = compile_action(at, r.action, rules.name);
    out.rows.push_back(std::move(row));
  }
  return out;
}

int32_t slot_for(const std::string& name, bool in_table, CompiledTable& out,
                 std::map<std::string, int32_t>& slot_of) {
  auto [it, added] = slot_of.emplace(name, static_cast<int32_t>(out.slots.size()));
  if (added)
    out.slots.push_back(SyscallSlot{name, in_table, std::nullopt});
  return it->second;
}

// The table's architectures: those it targets and those its index names.
std::vector<std::string> arch_names(const table::Table& t) {
  std::vector<std::string> out = t.arches;
  for (const auto& [name, numbers] : t.index) {
    if (std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(name);
  }
  return out;
}

ArchSlots arch_slots(const std::string& arch_name, const std::map<int, int32_t>& slot_by_nr) {
  const auto arch = catalog::find_arch(arch_name);
  if (!arch)
    throw EngineError(fmt::format("index: unknown architecture '{}'", arch_name));
  ArchSlots a;
  a.audit_arch = arch->audit_arch;
  a.word_bits = arch->word_bits;
  if (slot_by_nr.empty())
    return a;
  a.first_nr = slot_by_nr.begin()->first;
  const int64_t span = static_cast<int64_t>(slot_by_nr.rbegin()->first) - a.first_nr + 1;
  if (span > kMaxNumberSpan) {
    throw EngineError(fmt::format("index.{}: syscall numbers {}..{} span more than {}", arch_name,
                                  a.first_nr, slot_by_nr.rbegin()->first, kMaxNumberSpan));
  }
  a.slot_by_nr.assign(static_cast<size_t>(span), -1);
  for (const auto& [nr, slot] : slot_by_nr)
    a.slot_by_nr[static_cast<size_t>(nr - a.first_nr)] = slot;
  return a;
}

// The table's syscalls get the first slots, every other syscall libseccomp
// knows on the table's architectures the rest.
void compile_index(const table::Table& t, CompiledTable& out,
                   std::map<std::string, int32_t>& slot_of) {
  for (const auto& [arch_name, numbers] : t.index) {
    for (const auto& [nr, name] : numbers)
      slot_for(name, true, out, slot_of);
  }
  for (const std::string& arch_name : arch_names(t)) {
    std::map<int, int32_t> slot_by_nr;
    if (auto it = t.index.find(arch_name); it != t.index.end()) {
      for (const auto& [nr, name] : it->second)
        slot_by_nr[nr] = slot_of.at(name);
    }
    if (const auto arch = catalog::find_arch(arch_name)) {
      for (const auto& [nr, name] : catalog::syscalls_on(*arch)) {
        if (slot_by_nr.count(nr) == 0)
          slot_by_nr[nr] = slot_for(name, false, out, slot_of);
      }
    }
    out.arches.push_back(arch_slots(arch_name, slot_by_nr));
  }
}

}  // namespace

CompiledTable compile(const table::Table& t) {
  CompiledTable out;
  std::map<std::string, int32_t> slot_of;
  compile_index(t, out, slot_of);
  for (const auto& [name, action] : t.passthrough) {
    auto it = slot_of.find(name);
    if (it == slot_of.end() || !out.slots[static_cast<size_t>(it->second)].in_table)
      continue;  // not intercepted on any architecture: never asked
    out.slots[static_cast<size_t>(it->second)].passthrough =
        compile_action(Place{fmt::format("passthrough.{}", name)}, action, name);
  }
  for (const table::Policy& p : t.policies) {
    CompiledPolicy cp;
    cp.source = &p;
    cp.syscall_by_slot.assign(out.slots.size(), -1);
    for (const auto& [name, rules] : p.syscalls) {
      auto it = slot_of.find(name);
      if (it == slot_of.end() || !out.slots[static_cast<size_t>(it->second)].in_table)
        continue;  // absent from every target: no notification names it
      cp.syscall_by_slot[static_cast<size_t>(it->second)] =
          static_cast<int32_t>(cp.syscalls.size());
      cp.syscalls.push_back(compile_syscall(p, rules));
    }
    cp.default_action =
        compile_action(Place{fmt::format("policy '{}', default", p.name)}, p.default_action, "");
    out.policies.push_back(std::move(cp));
  }
  return out;
}

}  // namespace sa::engine::detail
