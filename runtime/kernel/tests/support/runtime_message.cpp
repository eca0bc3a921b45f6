#include "runtime_message.hpp"

#include <nlohmann/json.hpp>

namespace sa::kernel::testing {

std::string container_process_state(const ProcessState& s) {
  // Field order and names as runc's specs.ContainerProcessState marshals them.
  nlohmann::ordered_json state;
  state["ociVersion"] = "1.0.2-dev";
  state["id"] = s.id;
  state["status"] = s.status;
  state["pid"] = s.pid;
  state["bundle"] = s.bundle;
  if (!s.annotations.empty()) {
    state["annotations"] = s.annotations;
  }
  nlohmann::ordered_json message;
  message["ociVersion"] = "1.0.2-dev";
  message["fds"] = {"seccompFd"};
  message["pid"] = s.pid;
  message["metadata"] = s.metadata;
  message["state"] = state;
  return message.dump();
}

}  // namespace sa::kernel::testing
