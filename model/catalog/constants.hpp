// Symbolic names the rule language accepts: errno values, capabilities and
// flag constants (MS_BIND, O_CREAT, AT_FDCWD, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sa::catalog {

// errno names come from glibc itself (strerrorname_np), so every name the
// C library knows is accepted and nothing is transcribed by hand.
std::optional<int> errno_value(std::string_view name);
std::string errno_name(int value);  // "EPERM"; "" when unknown
std::vector<std::string> all_errno_names();

// Capabilities, as in <linux/capability.h>: "CAP_SYS_ADMIN" or "SYS_ADMIN".
std::optional<int> capability_value(std::string_view name);
std::string capability_name(int value);  // "CAP_SYS_ADMIN"
std::vector<std::string> all_capability_names();
inline constexpr int kLastCapability = 40;  // CAP_CHECKPOINT_RESTORE

struct Constant {
  std::string name;
  int64_t value;
  std::string group;  // "mount", "open", "at", "clone", "mode", "signal", ...
};

const std::vector<Constant>& all_constants();
const Constant* find_constant(std::string_view name);

// The closest candidate within a small edit distance, for "did you mean" hints.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& choices);

}  // namespace sa::catalog
