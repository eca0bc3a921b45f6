// Loads an OCI seccomp profile into libseccomp the way runc and crun do, to
// check that the kernel filter can actually be built from it: the default
// action and architectures from the profile, then for every entry and name
// seccomp_rule_add_array with the syscall number resolved on the native
// architecture (libseccomp translates it for the others). As runc and crun do,
// an entry whose action equals the default action is skipped (libseccomp
// refuses it with EACCES), an unknown syscall name is skipped, and an entry
// comparing one argument twice is added as one rule per comparison.
#pragma once

#include <seccomp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace sa::profile {

struct ScmpContextRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using ScmpFilter = std::unique_ptr<std::remove_pointer_t<scmp_filter_ctx>, ScmpContextRelease>;

struct LoadReport {
  std::vector<std::string> errors;  // what a runtime would fail on
  std::vector<std::string> notes;   // what a runtime skips or rewrites
  size_t rules = 0;                 // rules libseccomp accepted
  size_t split_entries = 0;         // entries comparing one argument twice
  bool ok() const { return errors.empty(); }
};

// The libseccomp token of an OCI architecture name (SCMP_ARCH_X86_64,
// SCMP_ARCH_MIPS, ...); 0 when unknown.
uint32_t arch_token(const std::string& oci_name);

// A filter holding the native architecture (as runc's does) plus `arches`,
// or only `arches` when `native` is false. nullptr when it cannot be built;
// the reasons are in `report`.
ScmpFilter build_filter(const nlohmann::json& profile, const std::vector<uint32_t>& arches,
                        bool native, LoadReport& report);

// For the native architecture with every architecture of the profile (as
// runc builds it), and for each architecture alone: builds the filter and
// exports its BPF program to /dev/null.
LoadReport check_loads(const nlohmann::json& profile);

}  // namespace sa::profile
