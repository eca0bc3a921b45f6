#include "agent/emulation.hpp"

#include <cerrno>
#include <stdexcept>

namespace sa::agent {
namespace {

const engine::ResolvedArg& arg(const engine::Emulation& e, std::string_view name) {
  const engine::ResolvedArg* a = e.find(name);
  // The compiler only emits emulations of catalogued syscalls, whose
  // signatures hold these names; anything else is a broken table.
  if (a == nullptr)
    throw std::logic_error("emulation of " + std::string(e.op) + " lacks " + std::string(name));
  return *a;
}

std::optional<std::string> optional_text(const engine::ResolvedArg& a) {
  if (a.is_null)
    return std::nullopt;
  return a.text;
}

mode_t mode(const engine::Emulation& e) {
  return static_cast<mode_t>(arg(e, "mode").integer);
}
int fd(const engine::Emulation& e, std::string_view name) {
  return static_cast<int>(static_cast<int64_t>(arg(e, name).integer));
}

}  // namespace

kernel::Emulation run_emulation(const kernel::NotifyFd& notify, const kernel::Notification& n,
                                const engine::Emulation& e) {
  // A NULL path fails in the kernel before anything happens; so here.
  if (const engine::ResolvedArg* path = e.find("path"); path != nullptr && path->is_null) {
    kernel::Emulation failed;
    failed.outcome = kernel::EmulationOutcome::Done;
    failed.result = kernel::SyscallResult{-1, EFAULT};
    return failed;
  }
  if (e.op == "mkdir")
    return kernel::emulate_mkdir(notify, n, arg(e, "path").text, mode(e));
  if (e.op == "mkdirat") {
    return kernel::emulate_mkdirat(notify, n, fd(e, "dirfd"), arg(e, "path").text, mode(e));
  }
  if (e.op == "chmod")
    return kernel::emulate_chmod(notify, n, arg(e, "path").text, mode(e));
  if (e.op == "fchmod")
    return kernel::emulate_fchmod(notify, n, fd(e, "fd"), mode(e));
  if (e.op == "fchmodat") {
    return kernel::emulate_fchmodat(notify, n, fd(e, "dirfd"), arg(e, "path").text, mode(e));
  }
  if (e.op == "mount") {
    kernel::MountArgs m;
    m.source = optional_text(arg(e, "source"));
    m.target = optional_text(arg(e, "target"));
    m.fstype = optional_text(arg(e, "fstype"));
    m.flags = static_cast<unsigned long>(arg(e, "flags").integer);
    m.data = optional_text(arg(e, "data"));
    return kernel::emulate_mount(notify, n, m);
  }
  throw std::logic_error("no emulator for " + std::string(e.op));
}

}  // namespace sa::agent
