// CallerPort over the real kernel: one notification of one container's
// notify fd.
#pragma once

#include "agent/responder.hpp"
#include "kernel/notify_fd.hpp"

namespace sa::agent {

class KernelPort final : public CallerPort {
 public:
  KernelPort(const kernel::NotifyFd& notify, const model::Notification& n,
             const kernel::RuntimeProtections* protections)
      : notify_(notify), n_(n), protections_(protections) {}

  kernel::SendOutcome send(const model::Response& r) override;
  kernel::EmulationResult emulate(const model::Emulation& e) override;
  bool kill_caller() override;

 private:
  const kernel::NotifyFd& notify_;
  const model::Notification& n_;
  const kernel::RuntimeProtections* protections_;
};

}  // namespace sa::agent
