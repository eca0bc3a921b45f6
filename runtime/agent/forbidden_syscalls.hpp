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
  void hit(const std::string& syscall);
  bool empty() const { return counts_.empty(); }
  std::string summary() const;  // "chroot (2x), swapoff (2x)"
  std::string report() const;   // "Used forbidden syscalls: " + summary()

 private:
  std::vector<std::pair<std::string, unsigned>> counts_;
};

}  // namespace sa::agent
