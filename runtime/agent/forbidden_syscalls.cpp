#include "agent/forbidden_syscalls.hpp"

#include <fmt/format.h>

namespace sa::agent {

void ForbiddenSyscalls::hit(const std::string& syscall, unsigned times) {
  for (auto& [name, count] : counts_) {
    if (name == syscall) {
      count += times;
      return;
    }
  }
  counts_.emplace_back(syscall, times);
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
