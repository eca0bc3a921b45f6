// CRI-O's notifier report: which forbidden syscalls a container used, how
// often, in the order of first use: "Used forbidden syscalls: chroot (2x),
// swapoff (2x)".
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sa::agent {

class ForbiddenSyscalls {
 public:
  void hit(const std::string& syscall, unsigned times = 1);
  bool empty() const { return counts_.empty(); }
  std::string summary() const;  // "chroot (2x), swapoff (2x)"
  std::string report() const;   // "Used forbidden syscalls: " + summary()
  // Each syscall and how often, in the order of first use.
  const std::vector<std::pair<std::string, unsigned>>& counts() const { return counts_; }

 private:
  std::vector<std::pair<std::string, unsigned>> counts_;
};

}  // namespace sa::agent
