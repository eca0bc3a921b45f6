// Builders for synthetic decision tables: the predicates and rows the
// compiler would lower from rule text, with argument types from the catalog.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/catalog/arch.hpp"
#include "model/catalog/syscalls.hpp"
#include "model/table/table.hpp"

namespace sa::profile::test {

using table::Op;
using table::Predicate;

inline table::FieldRef arg(const std::string& syscall, const std::string& name) {
  auto a = catalog::find_arg(syscall, name);
  if (!a)
    throw std::invalid_argument(syscall + " has no argument " + name);
  table::FieldRef f;
  f.field = table::Field::Arg;
  f.arg = a->index;
  f.type = a->spec.type;
  f.label = name;
  return f;
}

inline Predicate cmp(table::FieldRef lhs, Op op, std::vector<uint64_t> ints, uint64_t mask = 0) {
  Predicate p;
  p.kind = Predicate::Kind::Compare;
  p.lhs = std::move(lhs);
  p.op = op;
  p.ints = std::move(ints);
  p.mask = mask;
  return p;
}

inline Predicate str(table::FieldRef lhs, Op op, std::vector<std::string> strings) {
  Predicate p;
  p.kind = Predicate::Kind::Compare;
  p.lhs = std::move(lhs);
  p.op = op;
  p.strings = std::move(strings);
  return p;
}

inline table::FieldRef meta(const std::string& key) {
  table::FieldRef f;
  f.field = table::Field::Meta;
  f.key = key;
  f.type = catalog::ArgType::Str;
  f.label = "meta." + key;
  return f;
}

inline Predicate has_cap(int capability) {
  Predicate p;
  p.kind = Predicate::Kind::HasCap;
  p.capability = capability;
  return p;
}

inline Predicate node(Predicate::Kind kind, std::vector<Predicate> children) {
  Predicate p;
  p.kind = kind;
  p.children = std::move(children);
  return p;
}
inline Predicate not_(Predicate p) {
  return node(Predicate::Kind::Not, {std::move(p)});
}
inline Predicate all(std::vector<Predicate> c) {
  return node(Predicate::Kind::All, std::move(c));
}
inline Predicate any(std::vector<Predicate> c) {
  return node(Predicate::Kind::Any, std::move(c));
}

inline table::Action errno_action(int e) {
  table::Action a;
  a.response = table::Response::Errno;
  a.error = e;
  return a;
}

inline table::Action emulate(const std::string& operation) {
  table::Action a;
  a.response = table::Response::Emulate;
  const auto emulator = value_of<model::Emulator>(operation);
  if (!emulator)
    throw std::invalid_argument("no emulator named " + operation);
  a.emulator = *emulator;
  return a;
}

inline table::Row row(std::vector<Predicate> when, table::Action action = {},
                      bool reads_memory = false) {
  table::Row r;
  r.id = "test";
  r.when = std::move(when);
  r.action = std::move(action);
  r.reads_memory = reads_memory;
  r.continue_ok = true;
  return r;
}

inline table::Policy policy(const std::string& name,
                            std::map<std::string, std::vector<table::Row>> rules,
                            table::Action default_action = {}) {
  table::Policy p;
  p.name = name;
  p.default_action = std::move(default_action);
  for (auto& [syscall, rows] : rules) {
    table::SyscallRules& s = p.syscalls[syscall];
    s.name = syscall;
    s.rows = std::move(rows);
    s.default_continue_ok = true;
  }
  return p;
}

inline table::Table make_table(std::vector<table::Policy> policies,
                               std::vector<std::string> arches = {"x86_64"}) {
  table::Table t;
  t.arches = std::move(arches);
  t.policies = std::move(policies);
  return t;
}

inline std::vector<catalog::Arch> arches(std::initializer_list<const char*> names) {
  std::vector<catalog::Arch> out;
  for (const char* n : names)
    out.push_back(*catalog::find_arch(n));
  return out;
}

}  // namespace sa::profile::test
