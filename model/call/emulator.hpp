// The syscalls the agent can carry out on a caller's behalf. Each emulator
// is the syscall of the same name: its arguments are the catalog's signature
// of that syscall (catalog::find_signature(name_of(e))), resolved by the
// engine into a model::Emulation.
//
// Adding one: a value here and its name below (the rule language's word
// and table.json's), its wording in emulation.cpp and its function in
// runtime/kernel/emulate.cpp. Every dispatch is a switch without a default,
// so the compiler names each place a new value is missing.
#pragma once

#include <string_view>

#include "model/names.hpp"

namespace sa::model {

enum class Emulator {
  Mkdir,
  Mkdirat,
  Mount,
  Chmod,
  Fchmod,
  Fchmodat,
  Mknod,
  Mknodat,
  Setxattr,
  Lsetxattr,
  Fsetxattr,
  Sysinfo,
  Open,
  Openat,
  Openat2,
};

// The argument the kernel resolves as a pathname before it does anything
// else ("path", mount's "target", open's "filename"); "" when the syscall takes none (fchmod).
std::string_view pathname_arg(Emulator e);

}  // namespace sa::model

namespace sa {
template <>
struct Vocabulary<model::Emulator> {
  static constexpr std::size_t count = 15;
  static constexpr std::array<NameEntry<model::Emulator>, count> names{{
      {model::Emulator::Mkdir, "mkdir"},
      {model::Emulator::Mkdirat, "mkdirat"},
      {model::Emulator::Mount, "mount"},
      {model::Emulator::Chmod, "chmod"},
      {model::Emulator::Fchmod, "fchmod"},
      {model::Emulator::Fchmodat, "fchmodat"},
      {model::Emulator::Mknod, "mknod"},
      {model::Emulator::Mknodat, "mknodat"},
      {model::Emulator::Setxattr, "setxattr"},
      {model::Emulator::Lsetxattr, "lsetxattr"},
      {model::Emulator::Fsetxattr, "fsetxattr"},
      {model::Emulator::Sysinfo, "sysinfo"},
      {model::Emulator::Open, "open"},
      {model::Emulator::Openat, "openat"},
      {model::Emulator::Openat2, "openat2"},
  }};
};
}  // namespace sa
