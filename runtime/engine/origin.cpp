#include "engine/origin.hpp"

#include <array>
#include <utility>

namespace sa::engine {
namespace {

constexpr std::array<std::pair<Origin, std::string_view>, 9> kNames = {{
    {Origin::Rule, "rule"},
    {Origin::Requirement, "requirement"},
    {Origin::Default, "default"},
    {Origin::Passthrough, "passthrough"},
    {Origin::NoPolicy, "no-policy"},
    {Origin::UnknownSyscall, "unknown-syscall"},
    {Origin::ReadFailed, "read-failed"},
    {Origin::FactsUnavailable, "facts-unavailable"},
    {Origin::UnsafeContinueRefused, "unsafe-continue-refused"},
}};

}  // namespace

std::string_view origin_name(Origin o) {
  for (const auto& [value, name] : kNames) {
    if (value == o)
      return name;
  }
  return "?";
}

std::optional<Origin> origin_from_name(std::string_view name) {
  for (const auto& [value, n] : kNames) {
    if (n == name)
      return value;
  }
  return std::nullopt;
}

}  // namespace sa::engine
