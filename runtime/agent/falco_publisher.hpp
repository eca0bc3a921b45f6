// Kinvolk's MIDDLEWARE=falco: for every notification of a container whose
// policy publishes to Falco (`publish: [{to: falco}]`), a gRPC call
// seccompagentfalco.SeccompAgentFalco/PublishEvent to Kinvolk's Falco plugin
// on a unix socket (runtime/falco/seccomp_agent_falco.proto).
//
// Kinvolk's agent makes that call before each handler, on the notification's
// path, waiting up to 1 s for the plugin. Here nothing on a loop waits for
// it: publish() puts the event in a bounded queue (a full queue drops it,
// counted) and returns; a thread of its own makes the calls one after the
// other, each with the deadline. A plugin that is slow, absent or
// restarting therefore delays no answer, at the price of the event reaching
// Falco after the decision rather than before it. A failed call is logged
// (rate-limited) and counted; the event is not sent again.
//
// The gRPC channel is made on that thread with its first event: an agent
// whose table publishes nothing never starts gRPC.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "agent/telemetry.hpp"

namespace sa::agent {

// What one PublishEventRequest carries.
struct FalcoEvent {
  uint64_t id = 0;   // the notification's cookie
  uint64_t pid = 0;  // the caller
  std::string syscall;
  std::string pod_namespace;  // the identity found in the annotations ("" none)
  std::string pod_name;
  std::string container_name;
  uint64_t init_pid = 0;    // the container's init (OCI state pid)
  uint64_t filter_pid = 0;  // the process the filter was installed in
};

class FalcoPublisher {
 public:
  // Kinvolk's socket and deadline.
  static constexpr std::string_view kDefaultSocket =
      "/run/seccomp-agent-falco-plugin/seccomp-agent-falco-plugin.sock";
  static constexpr std::chrono::milliseconds kDeadline{1000};
  // Events waiting for the thread; past it they are dropped. About a
  // second of calls to a plugin that answers in 1 ms.
  static constexpr size_t kQueueCapacity = 1024;

  FalcoPublisher(std::string socket, Telemetry& telemetry, size_t capacity = kQueueCapacity,
                 std::chrono::milliseconds deadline = kDeadline);
  ~FalcoPublisher();
  FalcoPublisher(const FalcoPublisher&) = delete;
  FalcoPublisher& operator=(const FalcoPublisher&) = delete;

  // From any thread; waits for no call.
  void publish(FalcoEvent event);
  // Cancels the call in progress, drops what is queued (counted) and joins
  // the thread; later events are dropped. Idempotent.
  void stop();

 private:
  class Worker;  // the queue, the thread and, once needed, the gRPC client
  std::unique_ptr<Worker> worker_;
};

}  // namespace sa::agent
