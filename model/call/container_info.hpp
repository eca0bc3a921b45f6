// What the engine knows about a container: its OCI state as the runtime sent
// it with the seccomp fd, the listenerMetadata from its profile, and the
// Kubernetes identity found in its annotations. Static for the container's
// lifetime; built once when the runtime hands the fd over.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sa::model {

struct ContainerInfo {
  std::string id;
  long pid = 0;  // state.pid: the container's init, in the host pid namespace
  std::string bundle;
  std::string status;
  std::map<std::string, std::string> annotations;
  std::string metadata_raw;                 // listenerMetadata as received
  std::map<std::string, std::string> meta;  // parsed, see parse_metadata
  std::string pod_namespace;                // see identify()
  std::string pod_name;
  std::string container_name;
};

// listenerMetadata exactly as Kinvolk's agent reads it (parseKV), so that
// profiles written for it mean the same here: split on '\n'; a line without
// '=' is a KEY with value ""; a line starting with '=' is skipped; otherwise
// the line splits at its FIRST '='. Later lines override earlier ones.
std::map<std::string, std::string> parse_metadata(std::string_view raw);

// Fills pod_namespace, pod_name and container_name from the annotations
// containerd (io.kubernetes.cri.sandbox-namespace, ...sandbox-name,
// ...container-name) or CRI-O (io.kubernetes.pod.namespace, ...pod.name,
// io.kubernetes.container.name) put on every Kubernetes container;
// containerd's keys win when both are present. Fields stay "" otherwise.
void identify(ContainerInfo& c);

// parse_metadata(metadata_raw) into meta, then identify(): what the agent
// and the simulator do with a freshly received container state.
void complete(ContainerInfo& c);

}  // namespace sa::model
