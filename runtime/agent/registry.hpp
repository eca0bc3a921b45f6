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
#include <utility>
#include <vector>

#include "agent/container.hpp"
#include "agent/handover_state.hpp"
#include "agent/holder_client.hpp"
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
  // A container the agent before this one served (--takeover), with its
  // state, bound to the generation in force: its policy chosen again, as on
  // a reload, and logged with the one it had. `taken_back`: from the holder
  // after a crash, not from a running agent. Throws SysError when the fd
  // cannot be watched: a hand-over is all or nothing.
  std::shared_ptr<Container> adopt(const handover::ContainerState& s, kernel::NotifyFd notify,
                                   std::shared_ptr<const kernel::Pidfd> init, Loop& loop,
                                   bool taken_back);
  // With --holder: a container removed is withdrawn from it. Set before the
  // first container comes.
  void set_holder(HolderClient* holder) { holder_ = holder; }
  // Takes the container out, of its loop too; false when it already was. On
  // its loop.
  bool remove(const std::shared_ptr<Container>& c, std::string_view why);
  // A new table: every container's policy is chosen again and its binding
  // replaced on its loop, after whatever that loop is doing.
  void rebind(const Generation& g);
  std::vector<std::shared_ptr<Container>> all() const;

 private:
  void adopt_init(Container& c) const;  // with mutex_ held
  // Numbers `c` and lists it (with `find_init`, adopt_init() first); the
  // table in force and how many containers are listed then.
  std::pair<Generation, size_t> enlist(const std::shared_ptr<Container>& c, bool find_init);
  std::shared_ptr<const kernel::RuntimeProtections> runtime_protections(
      const model::ContainerInfo& info) const;

  Telemetry& telemetry_;
  HolderClient* holder_ = nullptr;
  mutable std::mutex mutex_;
  Generation current_;
  std::map<uint64_t, std::shared_ptr<Container>> containers_;
  uint64_t next_serial_ = 1;
};

}  // namespace sa::agent
