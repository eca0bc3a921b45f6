#include "model/call/emulation.hpp"

#include <fcntl.h>
#include <fmt/format.h>

#include "model/table/render.hpp"

namespace sa::model {

const ResolvedArg* Emulation::find(std::string_view name) const {
  for (const ResolvedArg& a : args) {
    if (a.name == name)
      return &a;
  }
  return nullptr;
}

const ResolvedArg* Emulation::at(int index) const {
  for (const ResolvedArg& a : args) {
    if (a.index == index)
      return &a;
  }
  return nullptr;
}

namespace {

std::string text_of(const ResolvedArg* a) {
  if (a == nullptr)
    return "?";
  if (a->is_null)
    return "NULL";
  return table::quote(a->text);
}

std::string mode_of(const ResolvedArg* a) {
  return a == nullptr ? "?" : fmt::format("{:#o}", a->integer);
}

int64_t signed_of(const ResolvedArg* a) {
  return a == nullptr ? 0 : static_cast<int64_t>(a->integer);
}

// Where a path relative to a dirfd starts, in words.
std::string relative_to(const ResolvedArg* dirfd) {
  if (dirfd == nullptr)
    return "?";
  const int64_t fd = signed_of(dirfd);
  if (fd == AT_FDCWD)
    return "the caller's cwd";
  return fmt::format("the caller's fd {}", fd);
}

// A device number as the kernel takes it from mknod (new_decode_dev).
std::string device_of(const ResolvedArg* a) {
  if (a == nullptr)
    return "?";
  const uint64_t dev = a->integer;
  return fmt::format("{}:{}", (dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00));
}

// setxattr's flags: 0, XATTR_CREATE (1), XATTR_REPLACE (2), as given.
std::string xattr_flags_of(const ResolvedArg* a) {
  if (a == nullptr)
    return "?";
  switch (static_cast<int64_t>(a->integer)) {
    case 0:
      return "0";
    case 1:
      return "XATTR_CREATE";
    case 2:
      return "XATTR_REPLACE";
    default:
      return fmt::format("{:#x}", a->integer);
  }
}

// `setxattr "/a" "trusted.overlay.opaque" (1 byte at 0x7ffd...) flags 0`.
std::string xattr_of(const Emulation& e, std::string_view where) {
  const ResolvedArg* value = e.find("value");
  const ResolvedArg* size = e.find("size");
  return fmt::format("{} {} name {} ({} bytes at {:#x}) flags {}", name_of(e.op), where,
                     text_of(e.find("name")), size == nullptr ? 0 : size->integer,
                     value == nullptr ? 0 : value->integer, xattr_flags_of(e.find("flags")));
}

// open's flags as the kernel takes them (an int).
uint64_t flags_of(const ResolvedArg* a) {
  return a == nullptr ? 0 : static_cast<uint32_t>(a->integer);
}

// `mkdir "/abc-pid-42" mode 0755`: the operation and its values.
std::string operation(const Emulation& e) {
  switch (e.op) {
    case Emulator::Mkdir:
      return fmt::format("mkdir {} mode {}", text_of(e.find("path")), mode_of(e.find("mode")));
    case Emulator::Mkdirat:
      return fmt::format("mkdirat {} relative to {} mode {}", text_of(e.find("path")),
                         relative_to(e.find("dirfd")), mode_of(e.find("mode")));
    case Emulator::Mount: {
      const ResolvedArg* flags = e.find("flags");
      std::string out = fmt::format("mount {} on {} type {} flags {:#x}", text_of(e.find("source")),
                                    text_of(e.find("target")), text_of(e.find("fstype")),
                                    flags == nullptr ? 0 : flags->integer);
      const ResolvedArg* data = e.find("data");
      if (data != nullptr && !data->is_null)
        out += fmt::format(" data {}", text_of(data));
      return out;
    }
    case Emulator::Chmod:
      return fmt::format("chmod {} mode {}", text_of(e.find("path")), mode_of(e.find("mode")));
    case Emulator::Fchmod:
      return fmt::format("fchmod the caller's fd {} mode {}", signed_of(e.find("fd")),
                         mode_of(e.find("mode")));
    case Emulator::Fchmodat:
      return fmt::format("fchmodat {} relative to {} mode {}", text_of(e.find("path")),
                         relative_to(e.find("dirfd")), mode_of(e.find("mode")));
    case Emulator::Mknod:
      return fmt::format("mknod {} mode {} device {}", text_of(e.find("path")),
                         mode_of(e.find("mode")), device_of(e.find("dev")));
    case Emulator::Mknodat:
      return fmt::format("mknodat {} relative to {} mode {} device {}", text_of(e.find("path")),
                         relative_to(e.find("dirfd")), mode_of(e.find("mode")),
                         device_of(e.find("dev")));
    case Emulator::Setxattr:
    case Emulator::Lsetxattr:
      return xattr_of(e, text_of(e.find("path")));
    case Emulator::Fsetxattr:
      return xattr_of(e, fmt::format("the caller's fd {}", signed_of(e.find("fd"))));
    case Emulator::Sysinfo: {
      const ResolvedArg* info = e.find("info");
      return fmt::format("sysinfo of the container's cgroup into {:#x}",
                         info == nullptr ? 0 : info->integer);
    }
    case Emulator::Open:
      return fmt::format("open {} flags {:#o} mode {}", text_of(e.find("filename")),
                         flags_of(e.find("flags")), mode_of(e.find("mode")));
    case Emulator::Openat:
      return fmt::format("openat {} relative to {} flags {:#o} mode {}",
                         text_of(e.find("filename")), relative_to(e.find("dirfd")),
                         flags_of(e.find("flags")), mode_of(e.find("mode")));
    case Emulator::Openat2:
      return fmt::format("openat2 {} relative to {} with the caller's open_how of {} bytes",
                         text_of(e.find("filename")), relative_to(e.find("dirfd")),
                         e.find("size") == nullptr ? 0 : e.find("size")->integer);
  }
  return std::string(name_of(e.op));
}

// The kernel emulators resolve paths under the container's root and mount
// in the caller's mount namespace; an fd-based chmod needs neither.
std::string_view place_of(Emulator op) {
  switch (op) {
    case Emulator::Mkdir:
    case Emulator::Mkdirat:
    case Emulator::Mknod:
    case Emulator::Mknodat:
    case Emulator::Setxattr:
    case Emulator::Lsetxattr:
    case Emulator::Open:
    case Emulator::Openat:
    case Emulator::Openat2:
      return " in the container's root";
    case Emulator::Mount:
      return " in the caller's mount namespace";
    case Emulator::Chmod:
    case Emulator::Fchmod:
    case Emulator::Fchmodat:
    case Emulator::Fsetxattr:
    case Emulator::Sysinfo:
      return "";
  }
  return "";
}

// Only the agent's credentials are worth a word: the caller's are the default.
std::string_view privileges_of(Credentials c) {
  switch (c) {
    case Credentials::Caller:
      return "";
    case Credentials::Agent:
      return ", with the agent's privileges";
  }
  return "";
}

}  // namespace

std::string Emulation::describe() const {
  if (credentials == Credentials::Agent)
    return operation(*this) + " as agent";
  return operation(*this);
}

std::string Emulation::plan() const {
  return fmt::format("{}{}{}", operation(*this), place_of(op), privileges_of(credentials));
}

std::string_view pathname_arg(Emulator e) {
  switch (e) {
    case Emulator::Mkdir:
    case Emulator::Mkdirat:
    case Emulator::Chmod:
    case Emulator::Fchmodat:
    case Emulator::Mknod:
    case Emulator::Mknodat:
    case Emulator::Setxattr:
    case Emulator::Lsetxattr:
      return "path";
    case Emulator::Open:
    case Emulator::Openat:
    case Emulator::Openat2:
      return "filename";
    case Emulator::Mount:
      return "target";
    case Emulator::Fchmod:
    case Emulator::Fsetxattr:
    case Emulator::Sysinfo:
      return "";
  }
  return "";
}

}  // namespace sa::model
