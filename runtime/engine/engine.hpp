// The decision engine: a decision table, precompiled once, and the function
// from (policy, container, notification, facts) to a Decision. Pure: no
// syscalls and no file I/O; facts that cost something come through a
// FactSource. The agent daemon and the simulator both use this class, so a
// replayed trace is decided exactly as the daemon decided it.
#pragma once

#include <string>

#include "engine/compiled_table.hpp"
#include "engine/decision.hpp"
#include "engine/engine_error.hpp"
#include "engine/fact_source.hpp"
#include "model/call/container_info.hpp"
#include "model/call/notification.hpp"
#include "model/table/table.hpp"

namespace sa::engine {

class Engine {
 public:
  // Throws EngineError when the table holds something evaluation cannot
  // execute (a bad template, an operand shape the compiler never emits).
  explicit Engine(table::Table table);
  // Decisions point into the table: the engine stays where it was built.
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const table::Table& table() const { return table_; }

  // The container's policy: `policy=NAME` in its listenerMetadata wins;
  // otherwise the first policy (table order) whose non-empty selector
  // matches; a policy with an empty selector is chosen only by name, except
  // in a table of exactly one policy. nullptr when none applies. `why`, when
  // given, receives the reason either way.
  const table::Policy* select_policy(const model::ContainerInfo& c, std::string* why) const;

  // Whether the containers `c` served with `policy` (nullptr: none) publish
  // their notifications to `sink`: an item of the policy's `publish` names
  // it and its selector (empty: every container) matches `c`.
  static bool publishes(const table::Policy* policy, const model::ContainerInfo& c,
                        table::Sink sink);

  // Every syscall of the table has a slot, 0..syscall_slots()-1: a dense
  // index for per-syscall state kept outside the engine (the agent's
  // counters). -1 when the notification names no syscall of the table.
  size_t syscall_slots() const { return compiled_.slots.size(); }
  int32_t syscall_slot(const model::Notification& n) const;

  // `policy` is nullptr or one of table().policies.
  Decision evaluate(const table::Policy* policy, const model::ContainerInfo& c,
                    const model::Notification& n, FactSource& facts) const;

 private:
  const detail::CompiledPolicy& compiled(const table::Policy* policy) const;

  table::Table table_;
  detail::CompiledTable compiled_;
};

}  // namespace sa::engine
