#include "seccomp_filter.hpp"

#include <seccomp.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace sa::kernel::testing {
namespace {

struct ContextDeleter {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

[[noreturn]] void failed(const std::string& what, int rc) {
  throw std::runtime_error(what + ": " + std::strerror(-rc));
}

}  // namespace

std::vector<int> resolve_syscalls(const std::vector<std::string>& names) {
  std::vector<int> numbers;
  for (const std::string& name : names) {
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      throw std::runtime_error("unknown syscall " + name);
    }
    numbers.push_back(nr);
  }
  return numbers;
}

UniqueFd install_notify_filter(const std::vector<std::string>& syscalls) {
  Context ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) {
    throw std::runtime_error("seccomp_init failed");
  }
  for (const int nr : resolve_syscalls(syscalls)) {
    if (const int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, nr, 0); rc != 0) {
      failed("seccomp_rule_add " + std::to_string(nr), rc);
    }
  }
  if (const int rc = seccomp_load(ctx.get()); rc != 0) {
    failed("seccomp_load", rc);
  }
  const int fd = seccomp_notify_fd(ctx.get());
  if (fd < 0) {
    failed("seccomp_notify_fd", fd);
  }
  // seccomp_release does not close the listener: it is ours now.
  return UniqueFd(fd);
}

}  // namespace sa::kernel::testing
