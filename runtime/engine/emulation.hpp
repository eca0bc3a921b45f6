// The fully resolved arguments of an emulated syscall: every argument of its
// signature, strings as read once from the caller, integers normalised to
// their C type, then the rule's parameters applied. The agent executes these
// values and never reads the caller's memory again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/catalog/syscalls.hpp"

namespace sa::engine {

struct ResolvedArg {
  std::string_view name;  // the catalog's argument name (static storage)
  int index = 0;          // register index
  catalog::ArgType type = catalog::ArgType::Str;
  bool is_null = false;     // strings: the caller passed NULL (and no parameter replaced it)
  std::string text;         // strings
  uint64_t integer = 0;     // integers: the normalised pattern (sign-extended for signed types)
  bool overridden = false;  // set by a parameter of the rule

  bool is_string() const { return catalog::is_string(type); }
};

struct Emulation {
  std::string_view op;  // "" when the decision does not emulate; else e.g. "mkdir"
  std::vector<ResolvedArg> args;

  bool active() const { return !op.empty(); }
  const ResolvedArg* find(std::string_view name) const;
  const ResolvedArg* at(int index) const;

  // `mkdir "/abc-pid-42" mode 0755`: the operation and its values.
  std::string describe() const;
  // describe() and where it happens: `... in the container's root`.
  std::string plan() const;
};

}  // namespace sa::engine
