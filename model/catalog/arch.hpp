// Target architectures: the names users write, the libseccomp tokens and the
// AUDIT_ARCH values the kernel reports in seccomp_data.arch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sa::catalog {

struct Arch {
  std::string name;       // "x86_64", as libseccomp spells it
  std::string oci_name;   // "SCMP_ARCH_X86_64", as OCI profiles spell it
  uint32_t audit_arch{};  // AUDIT_ARCH_* == libseccomp token
  unsigned word_bits{};   // width of long and of pointers: 64 or 32
};

// Every architecture libseccomp knows, in a fixed order.
const std::vector<Arch>& all_arches();

// Accepts "x86_64", "SCMP_ARCH_X86_64" and the usual aliases ("amd64", "i386").
std::optional<Arch> find_arch(std::string_view name);
std::optional<Arch> find_arch_by_audit(uint32_t audit_arch);

// The machine's native architecture and the ones its kernel also runs
// (x86_64 -> x86_64, x86, x32), which is what Docker and containerd target.
std::vector<Arch> default_arches();

}  // namespace sa::catalog
