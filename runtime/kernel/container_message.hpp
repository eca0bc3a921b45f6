// The message a container runtime sends to a seccomp agent: the OCI
// ContainerProcessState as JSON, with the fds it names in SCM_RIGHTS (runc
// 1.1 and crun 1.8 send exactly this). Parsing is a pure function of the
// bytes and the received fds, so it can be tested on captured messages.
// Whatever the input, every fd handed in is either returned or closed.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kernel/unique_fd.hpp"
#include "model/names.hpp"

namespace sa::kernel {

// Kubernetes annotations can be large; runtimes send the state in one go.
inline constexpr size_t kMaxMessageBytes = size_t{1} << 20;

// The name runtimes give the seccomp notify fd in `fds`.
inline constexpr std::string_view kSeccompFdName = "seccompFd";

enum class ContainerStatus { Creating, Created, Running, Stopped };

struct ContainerState {
  std::string oci_version;
  std::string id;
  ContainerStatus status = ContainerStatus::Creating;
  pid_t pid = 0;  // 0 when the runtime sent none or 0 (crun 1.8's exec does)
  std::string bundle;
  std::map<std::string, std::string> annotations;  // Kubernetes pod/container identity
};

struct ContainerMessage {
  std::string oci_version;
  std::vector<std::string> fd_names;
  pid_t pid = 0;         // the process the filter was installed in; 0: not known
  std::string metadata;  // the profile's listenerMetadata
  ContainerState state;
  UniqueFd seccomp_fd;  // the fd named "seccompFd"; every other fd is closed
};

struct MessageError {
  std::string message;
};

using MessageResult = std::variant<ContainerMessage, MessageError>;

// Parses one message. Errors: over kMaxMessageBytes, not JSON, missing or
// mistyped fields, an unknown status, fds count differing from `fds`, no
// (or two) "seccompFd".
MessageResult parse_container_message(std::string_view bytes, std::vector<UniqueFd> fds);

}  // namespace sa::kernel

// The OCI state's words.
namespace sa {
template <>
struct Vocabulary<kernel::ContainerStatus> {
  static constexpr std::size_t count = 4;
  static constexpr std::array<NameEntry<kernel::ContainerStatus>, count> names{{
      {kernel::ContainerStatus::Creating, "creating"},
      {kernel::ContainerStatus::Created, "created"},
      {kernel::ContainerStatus::Running, "running"},
      {kernel::ContainerStatus::Stopped, "stopped"},
  }};
};
}  // namespace sa
