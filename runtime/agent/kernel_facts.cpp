#include "agent/kernel_facts.hpp"

#include <cerrno>

#include "model/catalog/arch.hpp"
#include "model/catalog/syscalls.hpp"

namespace sa::agent {

KernelFacts::KernelFacts(const kernel::NotifyFd& notify, const kernel::Notification& n,
                         const std::optional<kernel::NamespaceId>& container_userns)
    : notify_(notify), n_(n), container_userns_(container_userns), memory_(n) {}

namespace {

// mount(2)'s data argument: the kernel copies up to a page of it, not PATH_MAX.
bool is_mount_data(uint32_t audit_arch, int nr, int arg_index) {
  static const int kData = catalog::find_arg("mount", "data")->index;
  if (arg_index != kData)
    return false;
  auto arch = catalog::find_arch_by_audit(audit_arch);
  return arch && catalog::syscall_number("mount", *arch) == nr;
}

// setxattr's name: the kernel copies XATTR_NAME_MAX (255) bytes and a NUL
// at most, and a longer (or empty) name is ERANGE, not ENAMETOOLONG.
constexpr size_t kXattrNameLimit = 256;

bool is_xattr_name(uint32_t audit_arch, int nr, int arg_index) {
  static const int kName = catalog::find_arg("setxattr", "name")->index;
  if (arg_index != kName)
    return false;
  auto arch = catalog::find_arch_by_audit(audit_arch);
  if (!arch)
    return false;
  for (const char* name : {"setxattr", "lsetxattr", "fsetxattr"}) {
    if (catalog::syscall_number(name, *arch) == nr)
      return true;
  }
  return false;
}

}  // namespace

model::StringRead KernelFacts::read_string(int arg_index) {
  using Status = model::StringRead::Status;
  const uint64_t address = n_.args[static_cast<size_t>(arg_index)];
  if (address == 0)
    return {Status::Null, {}, 0};
  // Mount data longer than a page is truncated by the kernel too.
  const bool mount_data = is_mount_data(n_.audit_arch, n_.nr, arg_index);
  const bool xattr_name = !mount_data && is_xattr_name(n_.audit_arch, n_.nr, arg_index);
  model::StringRead s =
      mount_data
          ? memory_.read_string(address, kernel::mount_data_limit(), kernel::Overflow::Truncate)
          : memory_.read_string(address, xattr_name ? kXattrNameLimit : kernel::kPathLimit,
                                kernel::Overflow::Fail);
  if (xattr_name && s.status == model::StringRead::Status::Failed && s.error == ENAMETOOLONG)
    s.error = ERANGE;
  // The pid may name another process by now: only a pending notification
  // vouches that what we read is the caller's.
  if (!notify_.id_valid(n_.id))
    return {Status::Failed, {}, ESRCH};
  return s;
}

std::optional<model::CallerFacts> KernelFacts::caller() {
  if (n_.pid == 0)
    return std::nullopt;  // not visible from the agent's pid namespace
  const kernel::CallerFactsResult r = kernel::read_caller_facts(notify_, n_, container_userns_);
  if (r.outcome == kernel::FactsOutcome::TargetGone)
    return std::nullopt;
  return model::CallerFacts{r.facts.uid,
                            r.facts.gid,
                            r.facts.cap_effective,
                            r.facts.userns.name(),
                            r.facts.userns_is_container,
                            r.facts.age_ms};
}

}  // namespace sa::agent
