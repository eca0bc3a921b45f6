#include "agent/kernel_port.hpp"

#include "kernel/pidfd.hpp"

namespace sa::agent {

kernel::SendOutcome KernelPort::send(const model::Response& r) {
  return notify_.respond(n_.id, r);
}

kernel::EmulationResult KernelPort::emulate(const model::Emulation& e) {
  kernel::EmulateOptions options;
  options.protections = protections_;
  return kernel::emulate(notify_, n_, e, options);
}

bool KernelPort::kill_caller() {
  auto pidfd = kernel::Pidfd::open(static_cast<pid_t>(n_.pid));
  // The pidfd names whoever has the pid now; a pending notification proves
  // that is still the caller.
  if (!pidfd || !notify_.id_valid(n_.id))
    return false;
  return pidfd->kill() == kernel::SignalOutcome::Sent;
}

}  // namespace sa::agent
