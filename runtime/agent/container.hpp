// One container the agent serves: the notify fd its runtime handed over, what
// the engine knows about it, the table and policy it is served with, and the
// CRI-O-style stop state. Owned by the Registry; async handlers hold a
// shared_ptr so that an answer in flight (a delay, an emulation) outlives
// the container's registration.
//
// Threads: after registration, everything below `info` is touched only on
// the container's notification loop (reload and shutdown post there), so the
// hot path takes no lock.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>

#include "agent/forbidden_syscalls.hpp"
#include "agent/inflight_record.hpp"
#include "agent/loop.hpp"
#include "agent/telemetry.hpp"
#include "engine/engine.hpp"
#include "kernel/caller_facts.hpp"
#include "kernel/cgroup_freezer.hpp"
#include "kernel/notify_fd.hpp"
#include "kernel/pidfd.hpp"
#include "kernel/runtime_protections.hpp"
#include "model/call/container_info.hpp"

namespace sa::agent {

// A table in force: its engine and the handles of its per-notification
// counters. Replaced whole on reload.
struct Generation {
  std::shared_ptr<const engine::Engine> engine;
  std::shared_ptr<DecisionCounters> counters;
};

// What a container is served with: a generation and the policy the
// generation's engine chose for it (nullptr: none applies).
struct Binding {
  Generation generation;
  const table::Policy* policy = nullptr;
  // Its notifications are published to Falco: the policy's `publish` says
  // so for this container (Engine::publishes).
  bool falco = false;
};

struct PendingAnswer;  // notification_handler's: one answer on its way

struct Container {
  Container(Loop& l, kernel::NotifyFd fd, int watch_fd)
      : loop(l), notify(std::move(fd)), watch(l.io(), watch_fd), stop_timer(l.io()) {}

  // Set at registration, then read-only.
  Loop& loop;           // the loop that serves it
  uint64_t serial = 0;  // registration order, unique for the agent's life
  model::ContainerInfo info;
  // The process the filter was installed in, as the runtime's message says
  // (the ContainerProcessState's pid; 0: not said): the container's init,
  // or the process of a `runc exec`. Kinvolk's pid_filter.
  long filter_pid = 0;
  kernel::NotifyFd notify;
  // The container's init, to stop it; shared by every fd of one container
  // (an exec brings its own fd, and crun's exec does not name the init).
  std::shared_ptr<const kernel::Pidfd> init;
  std::optional<kernel::NamespaceId> init_userns;
  // The init's cgroup v2 directory, or why there is none: what `freeze
  // container` freezes. Found at registration, as Kinvolk's agent does.
  std::shared_ptr<const std::variant<kernel::ContainerCgroup, std::string>> cgroup;
  // From the bundle's config.json: what an emulated mount must keep hidden
  // or read-only. Shared by every fd of one container.
  std::shared_ptr<const kernel::RuntimeProtections> protections;
  bool sync_wake_up = false;
  // With --holder: its entry there ("" when not deposited) and the record of
  // the last id received, which the holder keeps (inflight_record.hpp).
  std::string holder_key;
  std::unique_ptr<InflightRecord> inflight;

  // The container's loop only.
  // A duplicate of the notify fd registered with the loop's reactor:
  // readiness only.
  boost::asio::posix::stream_descriptor watch;
  Binding binding;
  ForbiddenSyscalls forbidden;
  boost::asio::steady_timer stop_timer;
  table::StopMode stop_mode = table::StopMode::Kill;  // the last forbidden call's
  // When the stop timer is due, while it is armed: what a hand-over passes
  // on (a held timer is cancelled and armed again from this).
  std::optional<std::chrono::steady_clock::time_point> stop_at;
  // Answers waiting for their delay, by notification id.
  std::map<uint64_t, std::shared_ptr<PendingAnswer>> delayed;
  bool stopped = false;
  bool closed = false;
  uint64_t notifications = 0;
  // (audit arch, nr) of the syscalls no rule decided for it that were
  // logged: each is logged once (Telemetry::without_rule).
  std::unordered_set<uint64_t> logged_without_rule;
};

}  // namespace sa::agent
