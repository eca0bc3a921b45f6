// What one agent hands its successor besides the fds (--takeover): every
// container it serves with the state that lives in the agent and nowhere in
// the kernel, and the JSON it travels as. The fds themselves travel beside
// it (handover_protocol.hpp); the state names them by their index in the
// order they are sent.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/decision.hpp"
#include "kernel/caller_facts.hpp"
#include "kernel/cgroup_freezer.hpp"
#include "kernel/runtime_protections.hpp"
#include "model/call/container_info.hpp"
#include "model/call/notification.hpp"
#include "model/table/table.hpp"

namespace sa::agent::handover {

// An answer decided, waiting for its delay. An emulation is never handed
// over (its old agent carries it out before handing over): Continue, Fail,
// Return or Kill.
struct DelayedAnswer {
  model::Notification notification;
  engine::Answer answer;
  std::chrono::milliseconds remaining{0};
  std::string syscall;  // for the log
};

struct ContainerState {
  // As the runtime sent it (id, pid, bundle, status, annotations,
  // listenerMetadata); the parsed parts are computed again.
  model::ContainerInfo info;
  long filter_pid = 0;            // the runtime message's pid (Container::filter_pid)
  size_t notify_fd = 0;           // index among the container fds
  std::optional<size_t> init_fd;  // its init's pidfd, shared by every fd of the container
  std::optional<kernel::NamespaceId> init_userns;
  kernel::RuntimeProtections protections;
  bool sync_wake_up = false;
  uint64_t notifications = 0;
  std::vector<std::pair<std::string, unsigned>> forbidden;  // in order of first use
  std::optional<std::chrono::milliseconds> stop_in;         // the stop timer, while armed
  table::StopMode stop_mode = table::StopMode::Kill;        // how it stops then
  // Found at registration, while the init was surely the container's; not
  // looked up again (its pid may be another process's by now).
  std::optional<std::variant<kernel::ContainerCgroup, std::string>> cgroup;
  bool stopped = false;
  std::string policy;  // the one the old agent served it with; "" none
  std::vector<DelayedAnswer> delayed;
};

struct State {
  std::string table_hash;   // the old agent's table
  std::string record_path;  // its --record, "" none
  uint64_t record_seq = 0;  // the last sequence number it recorded
  size_t fds = 0;           // container fds (notify fds and pidfds) that follow
  std::vector<ContainerState> containers;
};

nlohmann::json to_json(const State& s);
// Throws std::runtime_error naming what is wrong: a missing or mistyped key,
// an fd index out of range, an emulation among the delayed answers.
State state_from_json(const nlohmann::json& j);

}  // namespace sa::agent::handover
