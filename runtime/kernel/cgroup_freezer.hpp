// Kinvolk's freeze-container through the cgroup v2 freezer: find the cgroup a
// container's init runs in, and freeze it (cgroup.freeze) - but only a cgroup
// that holds the container and nothing else. A runtime that does not manage
// cgroups (crun --cgroup-manager=disabled) leaves the container in its
// caller's cgroup; freezing that would freeze the caller too.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "kernel/caller_facts.hpp"
#include "kernel/cgroup_paths.hpp"

namespace sa::kernel {

struct ContainerCgroup {
  std::string path;   // as /proc/PID/cgroup names it: "/sa-demo"
  std::string dir;    // that directory under the agent's cgroup2 mount
  NamespaceId pidns;  // the container's pid namespace, from its init
};

// The cgroup of `init` (the container's init, at registration); a problem
// in words when there is none to freeze. Does not throw.
std::variant<ContainerCgroup, std::string> cgroup_of(pid_t init);

// Writes 1 to cgroup.freeze, after checking that the cgroup is not the root,
// that the container has a pid namespace of its own, and that every process
// in the cgroup and below it is in that namespace. nullopt when frozen, else
// why it was refused or failed.
std::optional<std::string> freeze(const ContainerCgroup& cgroup);

}  // namespace sa::kernel
