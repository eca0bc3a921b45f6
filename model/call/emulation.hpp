// An emulated syscall with its arguments fully resolved: every argument of
// its signature, strings as read once from the caller, integers normalised
// to their C type, then the rule's parameters applied. The engine builds it,
// the kernel layer executes these values and never reads the caller's
// memory again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/call/credentials.hpp"
#include "model/call/emulator.hpp"
#include "model/catalog/syscalls.hpp"

namespace sa::model {

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
  Emulator op = Emulator::Mkdir;
  std::vector<ResolvedArg> args;                  // in the signature's order
  Credentials credentials = Credentials::Caller;  // `as agent`: the agent's own

  const ResolvedArg* find(std::string_view name) const;
  const ResolvedArg* at(int index) const;

  // `mkdir "/abc-pid-42" mode 0755`: the operation and its values, then
  // ` as agent` when it runs with the agent's privileges.
  std::string describe() const;
  // The operation, where it happens (`... in the container's root`) and,
  // as agent, `, with the agent's privileges`.
  std::string plan() const;
};

}  // namespace sa::model
