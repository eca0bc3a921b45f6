#include "model/catalog/arch.hpp"

#include <seccomp.h>

#include <algorithm>
#include <cctype>

namespace sa::catalog {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

Arch make_arch(const char* name, const char* oci, uint32_t token, unsigned bits) {
  return Arch{name, oci, token, bits};
}

}  // namespace

const std::vector<Arch>& all_arches() {
  static const std::vector<Arch> arches = {
      make_arch("x86_64", "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64, 64),
      make_arch("x86", "SCMP_ARCH_X86", SCMP_ARCH_X86, 32),
      make_arch("x32", "SCMP_ARCH_X32", SCMP_ARCH_X32, 32),
      make_arch("aarch64", "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64, 64),
      make_arch("arm", "SCMP_ARCH_ARM", SCMP_ARCH_ARM, 32),
      make_arch("ppc64le", "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE, 64),
      make_arch("s390x", "SCMP_ARCH_S390X", SCMP_ARCH_S390X, 64),
      make_arch("riscv64", "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64, 64),
  };
  return arches;
}

std::optional<Arch> find_arch(std::string_view name) {
  std::string key = upper(name);
  if (key == "AMD64")
    key = "X86_64";
  if (key == "I386" || key == "I686")
    key = "X86";
  if (key == "ARM64")
    key = "AARCH64";
  for (const Arch& a : all_arches()) {
    if (upper(a.name) == key || a.oci_name == key)
      return a;
  }
  return std::nullopt;
}

std::optional<Arch> find_arch_by_audit(uint32_t audit_arch) {
  for (const Arch& a : all_arches()) {
    if (a.audit_arch == audit_arch)
      return a;
  }
  return std::nullopt;
}

std::vector<Arch> default_arches() {
  const uint32_t native = seccomp_arch_native();
  if (native == SCMP_ARCH_X86_64) {
    return {*find_arch("x86_64"), *find_arch("x86"), *find_arch("x32")};
  }
  if (native == SCMP_ARCH_AARCH64)
    return {*find_arch("aarch64"), *find_arch("arm")};
  if (auto a = find_arch_by_audit(native))
    return {*a};
  return {};
}

}  // namespace sa::catalog
