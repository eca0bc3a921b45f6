// The --base profile: an OCI seccomp profile (runtime-spec LinuxSeccomp, as
// runc, crun and Kubernetes read it, including Docker's archMap and the
// includes/excludes of moby's default.json), read and validated.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diag/diagnostics.hpp"
#include "profile/scmp.hpp"

namespace sa::profile {

struct BaseEntry {
  std::vector<std::string> names;
  ScmpAction action = ScmpAction::Allow;
  std::optional<uint32_t> errno_ret;
  std::vector<ArgCondition> args;  // all must hold
  // includes/excludes (moby, containerd): the runtime keeps or drops the entry
  // per container (capabilities, architecture, kernel version).
  bool selective = false;
  nlohmann::json source;  // the entry as written; copied into generated profiles
  size_t position = 0;    // index in `syscalls`
};

struct BaseProfile {
  std::string path;
  ScmpAction default_action = ScmpAction::Allow;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // as written: SCMP_ARCH_X86_64
  nlohmann::json arch_map;                 // Docker's archMap; null when absent
  std::vector<std::string> flags;
  std::vector<BaseEntry> entries;
};

// The libseccomp value of an entry's action; a rule whose action equals the
// default action is skipped by runc and crun (libseccomp refuses it).
uint32_t entry_action(const BaseEntry& e);
uint32_t default_action(const BaseProfile& b);

// nullopt after reporting E0400 diagnostics (every problem found, not only
// the first). `origin` names the file in diagnostics.
std::optional<BaseProfile> parse_base(std::string_view text, const std::string& origin,
                                      diag::Sink& sink);
std::optional<BaseProfile> load_base(const std::string& path, diag::Sink& sink);

inline constexpr size_t kMaxBaseBytes = 16 * 1024 * 1024;

}  // namespace sa::profile
