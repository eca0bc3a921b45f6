#include "model/catalog/syscalls.hpp"

#include <seccomp.h>

#include <algorithm>
#include <charconv>

namespace sa::catalog {
namespace {

using T = ArgType;

ArgSpec arg(std::string name, ArgType type, std::vector<std::string> aliases = {},
            std::string constants = {}) {
  return ArgSpec{std::move(name), type, std::move(aliases), std::move(constants)};
}

// Argument names follow the man pages; types follow the kernel's
// SYSCALL_DEFINE, because that is the width the kernel actually uses.
std::vector<SyscallSignature> build_signatures() {
  const ArgSpec path = arg("path", T::Str, {"pathname", "filename"});
  const ArgSpec dirfd = arg("dirfd", T::Int, {"dfd"}, "at");
  const ArgSpec mode = arg("mode", T::UShort, {}, "mode");
  const ArgSpec fd = arg("fd", T::Int);
  const ArgSpec owner = arg("owner", T::UInt, {"user"});
  const ArgSpec group = arg("group", T::UInt);
  const ArgSpec at_flags = arg("flags", T::Int, {}, "at");
  const ArgSpec open_flags = arg("flags", T::Int, {}, "open");
  const ArgSpec filename = arg("filename", T::Str, {"path", "pathname"});
  const ArgSpec signal = arg("sig", T::Int, {"signal"}, "signal");
  const ArgSpec xattr_name = arg("name", T::Str);
  const ArgSpec xattr_value = arg("value", T::Ptr);
  const ArgSpec xattr_size = arg("size", T::ULong);
  const ArgSpec xattr_flags = arg("flags", T::Int, {}, "xattr");

  return {
      {"mkdir", {path, mode}},
      {"mkdirat", {dirfd, path, mode}},
      {"mount",
       {arg("source", T::Str, {"dev_name", "dev"}), arg("target", T::Str, {"dir_name", "dir"}),
        arg("fstype", T::Str, {"fs", "type", "filesystemtype"}),
        arg("flags", T::ULong, {"mountflags"}, "mount"), arg("data", T::Str, {"options"})}},
      {"umount", {arg("target", T::Str, {"name", "path"})}},
      {"umount2", {arg("target", T::Str, {"name", "path"}), arg("flags", T::Int, {}, "umount")}},
      {"chmod", {path, mode}},
      {"fchmod", {fd, mode}},
      {"fchmodat", {dirfd, path, mode}},
      {"fchmodat2", {dirfd, path, mode, at_flags}},
      {"chown", {path, owner, group}},
      {"lchown", {path, owner, group}},
      {"fchown", {fd, owner, group}},
      {"fchownat", {dirfd, path, owner, group, at_flags}},
      {"execve", {filename, arg("argv", T::Ptr), arg("envp", T::Ptr)}},
      {"execveat", {dirfd, filename, arg("argv", T::Ptr), arg("envp", T::Ptr), at_flags}},
      {"open", {filename, open_flags, mode}},
      {"openat", {dirfd, filename, open_flags, mode}},
      {"openat2", {dirfd, filename, arg("how", T::Ptr), arg("size", T::ULong)}},
      {"creat", {path, mode}},
      {"access", {path, arg("mode", T::Int, {}, "access")}},
      {"faccessat", {dirfd, path, arg("mode", T::Int, {}, "access")}},
      {"faccessat2", {dirfd, path, arg("mode", T::Int, {}, "access"), at_flags}},
      {"chroot", {path}},
      {"chdir", {path}},
      {"pivot_root", {arg("new_root", T::Str), arg("put_old", T::Str)}},
      {"swapon", {arg("path", T::Str, {"specialfile"}), arg("flags", T::Int, {"swapflags"})}},
      {"swapoff", {arg("path", T::Str, {"specialfile"})}},
      {"unlink", {path}},
      {"unlinkat", {dirfd, path, at_flags}},
      {"rmdir", {path}},
      {"rename", {arg("oldpath", T::Str), arg("newpath", T::Str)}},
      {"renameat",
       {arg("olddirfd", T::Int, {}, "at"), arg("oldpath", T::Str),
        arg("newdirfd", T::Int, {}, "at"), arg("newpath", T::Str)}},
      {"renameat2",
       {arg("olddirfd", T::Int, {}, "at"), arg("oldpath", T::Str),
        arg("newdirfd", T::Int, {}, "at"), arg("newpath", T::Str), arg("flags", T::UInt)}},
      {"link", {arg("oldpath", T::Str), arg("newpath", T::Str)}},
      {"linkat",
       {arg("olddirfd", T::Int, {}, "at"), arg("oldpath", T::Str),
        arg("newdirfd", T::Int, {}, "at"), arg("newpath", T::Str), at_flags}},
      {"symlink", {arg("target", T::Str, {"oldname"}), arg("linkpath", T::Str, {"newname"})}},
      {"symlinkat",
       {arg("target", T::Str, {"oldname"}), arg("newdirfd", T::Int, {}, "at"),
        arg("linkpath", T::Str, {"newname"})}},
      {"mknod", {path, mode, arg("dev", T::UInt)}},
      {"mknodat", {dirfd, path, mode, arg("dev", T::UInt)}},
      {"setxattr", {path, xattr_name, xattr_value, xattr_size, xattr_flags}},
      {"lsetxattr", {path, xattr_name, xattr_value, xattr_size, xattr_flags}},
      {"fsetxattr", {fd, xattr_name, xattr_value, xattr_size, xattr_flags}},
      {"sysinfo", {arg("info", T::Ptr)}},
      {"truncate", {path, arg("length", T::Long)}},
      {"acct", {path}},
      {"kill", {arg("pid", T::Int), signal}},
      {"tkill", {arg("tid", T::Int), signal}},
      {"tgkill", {arg("tgid", T::Int), arg("tid", T::Int), signal}},
      {"ptrace",
       {arg("request", T::Long, {}, "ptrace"), arg("pid", T::Long), arg("addr", T::ULong),
        arg("data", T::ULong)}},
      {"setns", {fd, arg("nstype", T::Int, {}, "clone")}},
      {"unshare", {arg("flags", T::ULong, {}, "clone")}},
      {"clone",
       {arg("flags", T::ULong, {}, "clone"), arg("newsp", T::ULong), arg("parent_tid", T::Ptr),
        arg("child_tid", T::Ptr), arg("tls", T::ULong)}},
      {"personality", {arg("persona", T::UInt)}},
      {"socket", {arg("domain", T::Int, {"family"}), arg("type", T::Int), arg("protocol", T::Int)}},
      {"ioctl", {arg("fd", T::UInt), arg("request", T::UInt, {"cmd"}), arg("arg", T::ULong)}},
      {"reboot",
       {arg("magic", T::Int), arg("magic2", T::Int), arg("cmd", T::UInt), arg("arg", T::Ptr)}},
      {"sethostname", {arg("name", T::Ptr), arg("len", T::Int)}},
      {"setdomainname", {arg("name", T::Ptr), arg("len", T::Int)}},
      {"init_module",
       {arg("module_image", T::Ptr), arg("len", T::ULong), arg("param_values", T::Str)}},
      {"finit_module", {fd, arg("param_values", T::Str), arg("flags", T::Int)}},
      {"delete_module", {arg("name", T::Str), arg("flags", T::UInt, {}, "open")}},
      {"bpf", {arg("cmd", T::Int), arg("attr", T::Ptr), arg("size", T::UInt)}},
      {"add_key",
       {arg("type", T::Str), arg("description", T::Str), arg("payload", T::Ptr),
        arg("plen", T::ULong), arg("keyring", T::Int)}},
      {"request_key",
       {arg("type", T::Str), arg("description", T::Str), arg("callout_info", T::Str),
        arg("dest_keyring", T::Int)}},
      {"setuid", {arg("id", T::UInt)}},
      {"setgid", {arg("id", T::UInt)}},
      {"prctl",
       {arg("option", T::Int), arg("arg2", T::ULong), arg("arg3", T::ULong), arg("arg4", T::ULong),
        arg("arg5", T::ULong)}},
      {"getpid", {}},
      {"getppid", {}},
      {"gettid", {}},
      {"getuid", {}},
      {"sync", {}},
  };
}

std::optional<int> parse_raw_arg(std::string_view name) {
  // arg0..arg5 address any syscall's registers as word-sized integers.
  if (name.size() != 4 || name.substr(0, 3) != "arg")
    return std::nullopt;
  int index = -1;
  auto res = std::from_chars(name.data() + 3, name.data() + 4, index);
  if (res.ec != std::errc() || index < 0 || index > 5)
    return std::nullopt;
  return index;
}

}  // namespace

std::string_view arg_type_name(ArgType t) {
  switch (t) {
    case ArgType::Int:
      return "int";
    case ArgType::UInt:
      return "unsigned int";
    case ArgType::UShort:
      return "umode_t";
    case ArgType::Long:
      return "long";
    case ArgType::ULong:
      return "unsigned long";
    case ArgType::Str:
      return "string";
    case ArgType::Ptr:
      return "pointer";
  }
  return "?";
}

bool is_string(ArgType t) {
  return t == ArgType::Str;
}
bool is_integer(ArgType t) {
  return !is_string(t);
}
bool is_signed(ArgType t) {
  return t == ArgType::Int || t == ArgType::Long;
}

const std::vector<SyscallSignature>& all_signatures() {
  static const std::vector<SyscallSignature> sigs = build_signatures();
  return sigs;
}

const SyscallSignature* find_signature(std::string_view syscall) {
  for (const SyscallSignature& s : all_signatures()) {
    if (s.name == syscall)
      return &s;
  }
  return nullptr;
}

std::optional<ArgRef> find_arg(std::string_view syscall, std::string_view name) {
  if (auto raw = parse_raw_arg(name)) {
    return ArgRef{*raw, ArgSpec{std::string(name), ArgType::ULong, {}, {}}};
  }
  const SyscallSignature* sig = find_signature(syscall);
  if (sig == nullptr)
    return std::nullopt;
  for (size_t i = 0; i < sig->args.size(); ++i) {
    const ArgSpec& a = sig->args[i];
    if (a.name == name || std::find(a.aliases.begin(), a.aliases.end(), name) != a.aliases.end()) {
      return ArgRef{static_cast<int>(i), a};
    }
  }
  return std::nullopt;
}

std::optional<int> syscall_number(std::string_view name, const Arch& arch) {
  // libseccomp reads a C string: "ptrace\0junk" would be ptrace, and the
  // caller would keep a name that is none (found by fuzz_audit: import-audit
  // wrote it into a trace that seccomp-sim then refused).
  if (name.find('\0') != std::string_view::npos)
    return std::nullopt;
  const std::string n(name);
  const int nr = seccomp_syscall_resolve_name_arch(arch.audit_arch, n.c_str());
  // libseccomp answers negative pseudo-numbers for syscalls absent on an arch.
  if (nr == __NR_SCMP_ERROR || nr < 0)
    return std::nullopt;
  return nr;
}

std::string syscall_name(const Arch& arch, int nr) {
  char* name = seccomp_syscall_resolve_num_arch(arch.audit_arch, nr);
  if (name == nullptr)
    return {};
  std::string out(name);
  free(name);  // NOLINT(cppcoreguidelines-no-malloc): libseccomp allocates with malloc
  // libseccomp names an x32 number with or without the x32 bit (38 and
  // 0x40000026 are both setitimer), but only the one with the bit is the
  // kernel's. A name must lead back to the number it came from, or a trace
  // saying `x32, nr 38` is written as `setitimer, 38` and cannot be read
  // back (found by fuzz_audit: `arch=4000003e syscall=38`).
  if (syscall_number(out, arch) != std::optional<int>(nr))
    return {};
  return out;
}

bool syscall_exists_anywhere(std::string_view name) {
  return std::any_of(all_arches().begin(), all_arches().end(),
                     [&](const Arch& a) { return syscall_number(name, a).has_value(); });
}

const std::vector<std::string>& all_syscall_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Arch& a : all_arches()) {
      // Syscall numbers are dense below 1024 on every architecture libseccomp
      // supports; x32 numbers carry the x32 bit.
      const int base = a.name == "x32" ? 0x40000000 : 0;
      for (int nr = 0; nr < 1024; ++nr) {
        std::string n = syscall_name(a, base + nr);
        if (!n.empty())
          out.push_back(std::move(n));
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }();
  return names;
}

std::map<int, std::string> syscalls_on(const Arch& arch) {
  std::map<int, std::string> out;
  for (const std::string& name : all_syscall_names()) {
    if (auto nr = syscall_number(name, arch))
      out.emplace(*nr, name);
  }
  return out;
}

uint64_t type_mask(ArgType type, unsigned word_bits) {
  switch (type) {
    case ArgType::UShort:
      return 0xffffULL;
    case ArgType::Int:
    case ArgType::UInt:
      return 0xffffffffULL;
    default:
      return word_bits == 32 ? 0xffffffffULL : ~0ULL;
  }
}

uint64_t normalize_unsigned(uint64_t raw, ArgType type, unsigned word_bits) {
  return raw & type_mask(type, word_bits);
}

int64_t normalize_signed(uint64_t raw, ArgType type, unsigned word_bits) {
  const uint64_t mask = type_mask(type, word_bits);
  const uint64_t v = raw & mask;
  if (mask == ~0ULL)
    return static_cast<int64_t>(v);
  const uint64_t sign = (mask >> 1) + 1;
  return (v & sign) != 0 ? static_cast<int64_t>(v | ~mask) : static_cast<int64_t>(v);
}

}  // namespace sa::catalog
