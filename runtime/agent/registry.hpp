// The containers being served: registration of the fds runtimes hand over
// (with the init's pidfd, or adoption of the init already known for a crun
// exec), policy selection, rebinding on reload, removal. Its lock guards the
// set of containers and the generation in force, never a notification:
// each container carries its own binding, replaced on its own loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "agent/container.hpp"
#include "agent/telemetry.hpp"
#include "kernel/container_message.hpp"

namespace sa::agent {

class Registry {
 public:
  Registry(Telemetry& telemetry, Generation initial);

  Generation generation() const;

  // A container from a runtime's message, bound to the generation in force
  // and ready to be watched on `loop`; nullptr when it cannot be served
  // (logged).
  std::shared_ptr<Container> add(kernel::ContainerMessage m, Loop& loop, bool sync_wake_up);
  // Takes the container out, of its loop too; false when it already was. On
  // its loop.
  bool remove(const std::shared_ptr<Container>& c, std::string_view why);
  // A new table: every container's policy is chosen again and its binding
  // replaced on its loop, after whatever that loop is doing.
  void rebind(const Generation& g);
  std::vector<std::shared_ptr<Container>> all() const;

 private:
  void adopt_init(Container& c) const;  // with mutex_ held
  std::shared_ptr<const kernel::RuntimeProtections> runtime_protections(
      const model::ContainerInfo& info) const;

  Telemetry& telemetry_;
  mutable std::mutex mutex_;
  Generation current_;
  std::map<uint64_t, std::shared_ptr<Container>> containers_;
  uint64_t next_serial_ = 1;
};

}  // namespace sa::agent
