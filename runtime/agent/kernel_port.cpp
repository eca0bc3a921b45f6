#include "agent/kernel_port.hpp"

#include "kernel/pidfd.hpp"

namespace sa::agent {

kernel::SendOutcome KernelPort::send(const model::Response& r) {
  return notify_.respond(n_.id, r);
}

kernel::AddFdResult KernelPort::install_fd(int fd, unsigned newfd_flags) {
  return notify_.add_fd_and_send(n_.id, fd, newfd_flags);
}

kernel::EmulationResult KernelPort::emulate(const model::Emulation& e) {
  kernel::EmulateOptions options;
  options.protections = protections_;
  if (watch_ == nullptr)
    return kernel::emulate(notify_, n_, e, options);
  kernel::ChildPidfds children;
  options.children = &children;
  const EmulationWatch::Token t = watch_->started(*overrun_, children);
  kernel::EmulationResult r;
  try {
    r = kernel::emulate(notify_, n_, e, options);
  } catch (...) {
    end_watched(t, children);
    throw;
  }
  end_watched(t, children);
  return r;
}

void KernelPort::end_watched(EmulationWatch::Token t, kernel::ChildPidfds& children) {
  const bool ours = watch_->finished(t);
  // Only now: until finished(), the watchdog may kill through them.
  kernel::close_children(children);
  if (!ours)
    throw LoopGivenUp{};
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
