// Tables built directly as table::Table structs, notifications, and a
// FactSource that counts what the engine asks: the engine's tests do not
// depend on the rule compiler.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "model/catalog/arch.hpp"
#include "model/catalog/syscalls.hpp"
#include "model/table/table.hpp"

namespace sa::table {
inline std::ostream& operator<<(std::ostream& os, Response r) {
  return os << name_of(r);
}
}  // namespace sa::table

namespace sa::model {
inline std::ostream& operator<<(std::ostream& os, Origin o) {
  return os << name_of(o);
}
inline std::ostream& operator<<(std::ostream& os, Emulator e) {
  return os << name_of(e);
}
}  // namespace sa::model

namespace sa::engine::testing {

// Answers from maps; a read the test did not provide is a test failure
// (thrown), so every test states exactly which facts the engine may use.
class CountingFacts : public FactSource {
 public:
  std::map<int, model::StringRead> strings;
  std::optional<model::CallerFacts> facts;
  std::map<int, int> reads;  // argument -> read_string calls
  int caller_calls = 0;

  CountingFacts& with(int arg, std::string value) {
    strings[arg] = model::StringRead{model::StringRead::Status::Ok, std::move(value), 0};
    return *this;
  }
  CountingFacts& null(int arg) {
    strings[arg] = model::StringRead{model::StringRead::Status::Null, "", 0};
    return *this;
  }
  CountingFacts& failing(int arg, int error) {
    strings[arg] = model::StringRead{model::StringRead::Status::Failed, "", error};
    return *this;
  }
  CountingFacts& caller_is(model::CallerFacts c) {
    facts = std::move(c);
    return *this;
  }

  model::StringRead read_string(int arg) override {
    ++reads[arg];
    auto it = strings.find(arg);
    if (it == strings.end())
      throw std::logic_error("unexpected read of argument " + std::to_string(arg));
    return it->second;
  }
  std::optional<model::CallerFacts> caller() override {
    ++caller_calls;
    return facts;
  }
  int total_reads() const {
    int n = 0;
    for (const auto& [arg, count] : reads)
      n += count;
    return n;
  }
};

inline catalog::Arch arch(const std::string& name) {
  return *catalog::find_arch(name);
}

inline model::Notification notification(const std::string& syscall, std::vector<uint64_t> args = {},
                                        uint32_t pid = 42,
                                        const std::string& arch_name = "x86_64") {
  const catalog::Arch a = arch(arch_name);
  model::Notification n;
  n.id = 7;
  n.pid = pid;
  n.audit_arch = a.audit_arch;
  n.nr = *catalog::syscall_number(syscall, a);
  for (size_t i = 0; i < args.size() && i < 6; ++i)
    n.args[i] = args[i];
  return n;
}

// What the compiler stores for an integer literal of `type`.
inline uint64_t literal(int64_t v, catalog::ArgType type) {
  const auto raw = static_cast<uint64_t>(v);
  if (catalog::is_signed(type))
    return static_cast<uint64_t>(catalog::normalize_signed(raw, type, 64));
  return catalog::normalize_unsigned(raw, type, 64);
}

inline table::FieldRef arg_field(const std::string& syscall, const std::string& name) {
  const auto a = catalog::find_arg(syscall, name);
  if (!a)
    throw std::logic_error(syscall + " has no argument " + name);
  table::FieldRef f;
  f.field = table::Field::Arg;
  f.arg = a->index;
  f.type = a->spec.type;
  f.label = name;
  return f;
}

inline table::FieldRef context_field(table::Field field, const std::string& key = "") {
  table::FieldRef f;
  f.field = field;
  f.key = key;
  f.type = field == table::Field::Pid ? catalog::ArgType::Int : catalog::ArgType::UInt;
  f.label = key.empty() ? "field" : key;
  return f;
}

inline table::Predicate compare(table::FieldRef lhs, table::Op op, std::vector<uint64_t> ints) {
  table::Predicate p;
  p.lhs = std::move(lhs);
  p.op = op;
  p.ints = std::move(ints);
  return p;
}

inline table::Predicate compare(table::FieldRef lhs, table::Op op,
                                std::vector<std::string> strings) {
  table::Predicate p;
  p.lhs = std::move(lhs);
  p.op = op;
  p.strings = std::move(strings);
  return p;
}

inline table::Predicate masked(table::FieldRef lhs, table::Op op, uint64_t mask,
                               std::vector<uint64_t> ints = {}) {
  table::Predicate p = compare(std::move(lhs), op, std::move(ints));
  p.mask = mask;
  return p;
}

inline table::Predicate has_cap(int cap, bool in_userns = false) {
  table::Predicate p;
  p.kind = table::Predicate::Kind::HasCap;
  p.capability = cap;
  p.in_userns = in_userns;
  return p;
}

inline table::Predicate group(table::Predicate::Kind kind, std::vector<table::Predicate> children) {
  table::Predicate p;
  p.kind = kind;
  p.children = std::move(children);
  return p;
}

inline table::Action errno_action(int error) {
  table::Action a;
  a.response = table::Response::Errno;
  a.error = error;
  return a;
}

inline table::Action continue_action() {
  return table::Action{};
}

inline table::Action emulate_action(const std::string& op,
                                    std::vector<std::pair<std::string, std::string>> strings = {},
                                    std::vector<std::pair<std::string, uint64_t>> ints = {}) {
  table::Action a;
  a.response = table::Response::Emulate;
  const auto emulator = value_of<model::Emulator>(op);
  if (!emulator)
    throw std::invalid_argument("no emulator named " + op);
  a.emulator = *emulator;
  for (const auto& [name, text] : strings) {
    const auto arg = catalog::find_arg(op, name);
    a.params.push_back(table::EmulateParam{arg->spec.name, arg->index, arg->spec.type, text, 0});
  }
  for (const auto& [name, value] : ints) {
    const auto arg = catalog::find_arg(op, name);
    a.params.push_back(table::EmulateParam{arg->spec.name, arg->index, arg->spec.type, "", value});
  }
  return a;
}

inline table::Row row(const std::string& id, std::vector<table::Predicate> when,
                      table::Action action, bool continue_ok = false) {
  table::Row r;
  r.id = id;
  r.when = std::move(when);
  r.action = std::move(action);
  r.continue_ok = continue_ok;
  r.source = table::SourceRef{"rules/test.yaml", 3, 5, "rule text"};
  return r;
}

inline table::Policy policy(const std::string& name,
                            std::map<std::string, std::vector<table::Row>> rows,
                            table::Action default_action = {}, bool default_continue_ok = true) {
  table::Policy p;
  p.name = name;
  p.file = "rules/" + name + ".yaml";
  p.default_action = std::move(default_action);
  p.default_source = table::SourceRef{p.file, 4, 10, "continue"};
  for (auto& [syscall, list] : rows) {
    table::SyscallRules r;
    r.name = syscall;
    r.rows = std::move(list);
    r.default_continue_ok = default_continue_ok;
    p.syscalls[syscall] = std::move(r);
  }
  return p;
}

// The index over x86_64, x86 and x32 for every syscall the policies name,
// plus `extra` (intercepted without rules, e.g. for passthrough).
inline table::Table make_table(std::vector<table::Policy> policies,
                               std::vector<std::string> extra = {}) {
  table::Table t;
  for (const char* name : {"x86_64", "x86", "x32"}) {
    t.arches.push_back(name);
    const catalog::Arch a = arch(name);
    auto add = [&](const std::string& syscall) {
      if (auto nr = catalog::syscall_number(syscall, a))
        t.index[name][*nr] = syscall;
    };
    for (const auto& p : policies) {
      for (const auto& [syscall, rules] : p.syscalls)
        add(syscall);
    }
    for (const auto& s : extra)
      add(s);
  }
  t.policies = std::move(policies);
  return t;
}

inline model::ContainerInfo container(const std::string& metadata = "") {
  model::ContainerInfo c;
  c.id = "c0ffee";
  c.pid = 4242;
  c.metadata_raw = metadata;
  c.meta = model::parse_metadata(metadata);
  return c;
}

}  // namespace sa::engine::testing
