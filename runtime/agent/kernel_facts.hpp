// The engine's FactSource over the real kernel, for one notification:
// strings from the caller's memory (ID_VALID checked after every read) and
// the caller's credentials from /proc/PID. The engine asks for each
// fact at most once per evaluation; engine::RecordingFacts remembers them for
// --record.
#pragma once

#include <optional>

#include "engine/fact_source.hpp"
#include "kernel/caller_facts.hpp"
#include "kernel/caller_memory.hpp"
#include "kernel/notify_fd.hpp"
#include "model/call/notification.hpp"

namespace sa::agent {

class KernelFacts final : public engine::FactSource {
 public:
  KernelFacts(const kernel::NotifyFd& notify, const kernel::Notification& n,
              const std::optional<kernel::NamespaceId>& container_userns);

  model::StringRead read_string(int arg_index) override;
  std::optional<model::CallerFacts> caller() override;

 private:
  const kernel::NotifyFd& notify_;
  const kernel::Notification& n_;
  const std::optional<kernel::NamespaceId>& container_userns_;
  kernel::CallerMemory memory_;
};

}  // namespace sa::agent
