// The message runc 1.1 sends to a seccomp agent (ContainerProcessState),
// built the same way for test children and the launcher. See
// fixtures/runc.json for a captured original.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace sa::kernel::testing {

struct ProcessState {
  std::string id;
  std::string status = "creating";
  pid_t pid = 0;  // the process the filter is in (and the container's init)
  std::string bundle;
  std::string metadata;
  std::map<std::string, std::string> annotations;
};

// The JSON text, naming one fd: "seccompFd".
std::string container_process_state(const ProcessState& state);

}  // namespace sa::kernel::testing
