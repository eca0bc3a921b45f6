#include "agent/forbidden_syscalls.hpp"

#include <fmt/format.h>

namespace sa::agent {

void ForbiddenSyscalls::hit(const std::string& syscall) {
  for (auto& [name, count] : counts_) {
    if (name == syscall) {
      ++count;
      return;
    }
  }
  counts_.emplace_back(syscall, 1);
}

std::string ForbiddenSyscalls::summary() const {
  std::vector<std::string> parts;
  for (const auto& [name, count] : counts_)
    parts.push_back(fmt::format("{} ({}x)", name, count));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string ForbiddenSyscalls::report() const {
  return "Used forbidden syscalls: " + summary();
}

}  // namespace sa::agent
