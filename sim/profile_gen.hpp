// seccomp-sim profile: the smallest allow-list OCI seccomp profile under
// which the traced syscalls run, in the form of the Kubernetes tutorial's
// fine-grained.json: defaultAction SCMP_ACT_ERRNO, the architectures the
// trace used, one SCMP_ACT_ALLOW entry with the sorted syscall names.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "model/codec/trace_reader.hpp"

namespace sa::sim {

class ProfileBuilder {
 public:
  // Adds every notification of the trace. Throws trace::TraceError.
  void add(trace::TraceReader& reader);
  void add(const trace::NotificationRecord& n);
  nlohmann::ordered_json profile() const;
  size_t syscall_count() const { return syscalls_.size(); }
  // Syscalls traced by number only ("x86_64 463"): an OCI profile names
  // syscalls, so the profile cannot allow them.
  const std::set<std::string>& unnamed() const { return unnamed_; }

 private:
  std::set<uint32_t> arches_;  // audit values
  std::set<std::string> syscalls_;
  std::set<std::string> unnamed_;
};

}  // namespace sa::sim
