// What the rule language knows about each syscall: the names and C types of
// its arguments (from the kernel's SYSCALL_DEFINE), and its number on each
// architecture (from libseccomp, never from a table of our own).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/catalog/arch.hpp"
#include "model/names.hpp"

namespace sa::catalog {

// How the kernel reads a register. Integer kinds are truncated to their width
// before any comparison, exactly as the syscall's own C parameter would be:
// a caller cannot slip past `mode == 0777` by setting high bits the kernel
// ignores.
enum class ArgType {
  Int,     // int, pid_t: 32-bit signed
  UInt,    // unsigned int, uid_t: 32-bit unsigned
  UShort,  // umode_t: 16-bit unsigned
  Long,    // long: word-sized signed
  ULong,   // unsigned long, size_t: word-sized unsigned
  Str,     // const char __user *: a NUL-terminated string in the caller's memory
  Ptr,     // any other pointer: compared as a number, never dereferenced
};

std::string_view arg_type_name(ArgType t);
bool is_integer(ArgType t);
bool is_string(ArgType t);

struct ArgSpec {
  std::string name;  // "path"
  ArgType type{};
  std::vector<std::string> aliases;  // "filename", "fs"
  std::string constants;             // group of symbolic constants that fit, e.g. "mount"
};

struct SyscallSignature {
  std::string name;
  std::vector<ArgSpec> args;
};

// nullptr when the syscall is real (libseccomp knows it) but its argument
// names are not catalogued; rules may then use arg0..arg5 only.
const SyscallSignature* find_signature(std::string_view syscall);
const std::vector<SyscallSignature>& all_signatures();

struct ArgRef {
  int index{};
  ArgSpec spec;
};

// Resolves a named argument ("fs", "path", "arg3") of a syscall.
std::optional<ArgRef> find_arg(std::string_view syscall, std::string_view arg);

// The syscall's number on `arch`, or nullopt when it does not exist there.
std::optional<int> syscall_number(std::string_view name, const Arch& arch);
// The name libseccomp gives to `nr` on `arch`, or "" when unknown.
std::string syscall_name(const Arch& arch, int nr);
// True when libseccomp knows the name on at least one architecture.
bool syscall_exists_anywhere(std::string_view name);
// Every syscall name libseccomp knows on any architecture, sorted (for hints).
const std::vector<std::string>& all_syscall_names();
// Every syscall libseccomp knows on `arch`, by number: what the engine names
// a notification with when the table does not name its syscall.
std::map<int, std::string> syscalls_on(const Arch& arch);

// Applies the width and signedness of `type` to a raw 64-bit register value,
// for a task of the given word size. Strings and pointers are word-sized.
int64_t normalize_signed(uint64_t raw, ArgType type, unsigned word_bits);
uint64_t normalize_unsigned(uint64_t raw, ArgType type, unsigned word_bits);
bool is_signed(ArgType type);
// Bits of the register the kernel looks at for this type (0xffff for umode_t).
uint64_t type_mask(ArgType type, unsigned word_bits);

}  // namespace sa::catalog

// The argument types as table.json writes them (arg_type_name() above is
// the C spelling, for people).
namespace sa {
template <>
struct Vocabulary<catalog::ArgType> {
  static constexpr std::size_t count = 7;
  static constexpr std::array<NameEntry<catalog::ArgType>, count> names{{
      {catalog::ArgType::Int, "int"},
      {catalog::ArgType::UInt, "uint"},
      {catalog::ArgType::UShort, "umode_t"},
      {catalog::ArgType::Long, "long"},
      {catalog::ArgType::ULong, "ulong"},
      {catalog::ArgType::Str, "string"},
      {catalog::ArgType::Ptr, "pointer"},
  }};
};
}  // namespace sa
