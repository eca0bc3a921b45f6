// CallerPort over the real kernel: one notification of one container's
// notify fd.
#pragma once

#include "agent/emulation_watch.hpp"
#include "agent/responder.hpp"
#include "kernel/notify_fd.hpp"

namespace sa::agent {

class KernelPort final : public CallerPort {
 public:
  // With `watch` (and `overrun`), an emulation is published to the
  // watchdog while it runs; emulate() throws LoopGivenUp when the watchdog
  // took it over.
  KernelPort(const kernel::NotifyFd& notify, const model::Notification& n,
             const kernel::RuntimeProtections* protections, EmulationWatch* watch = nullptr,
             Overrun* overrun = nullptr)
      : notify_(notify), n_(n), protections_(protections), watch_(watch), overrun_(overrun) {}

  kernel::SendOutcome send(const model::Response& r) override;
  kernel::EmulationResult emulate(const model::Emulation& e) override;
  kernel::AddFdResult install_fd(int fd, unsigned newfd_flags) override;
  bool kill_caller() override;

 private:
  // After a watched emulation: throws LoopGivenUp when the watchdog took it
  // over.
  void end_watched(EmulationWatch::Token t, kernel::ChildPidfds& children);

  const kernel::NotifyFd& notify_;
  const model::Notification& n_;
  const kernel::RuntimeProtections* protections_;
  EmulationWatch* watch_;
  Overrun* overrun_;
};

}  // namespace sa::agent
