// The table in the form evaluation wants, built once when the engine loads:
// a flat (architecture, syscall number) -> slot index, per policy the rule
// list of every slot, and every template parsed. Points into the table the
// engine owns; internal to the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/catalog/syscalls.hpp"
#include "model/table/table.hpp"
#include "model/table/template.hpp"

namespace sa::engine::detail {

struct CompiledPredicate {
  const table::Predicate* source = nullptr;
  std::vector<table::Template> strings;  // parallel to source->strings
  std::vector<CompiledPredicate> children;
};

struct CompiledAction {
  const table::Action* source = nullptr;
  // Parallel to source->params; set for string parameters.
  std::vector<std::optional<table::Template>> params;
  std::optional<table::Template> delay;                  // when the delay is a template
  std::optional<table::Template> stop_after;             // likewise
  const catalog::SyscallSignature* signature = nullptr;  // Emulate: the operation's
};

struct CompiledRow {
  const table::Row* source = nullptr;
  std::vector<CompiledPredicate> when;
  CompiledAction action;
};

struct CompiledSyscall {
  const table::SyscallRules* source = nullptr;
  std::vector<CompiledRow> rows;
};

struct CompiledPolicy {
  const table::Policy* source = nullptr;
  std::vector<int32_t> syscall_by_slot;  // index into `syscalls`, -1 without rules
  std::vector<CompiledSyscall> syscalls;
  CompiledAction default_action;
};

// A syscall of the table's architectures. Those the table names (some policy
// intercepts them) come first; the others follow, so that a notification for
// a syscall the table does not name (a profile written elsewhere) still has
// a name, a counter and the policy default.
struct SyscallSlot {
  std::string name;
  bool in_table = false;  // in the table's index
  std::optional<CompiledAction> passthrough;
};

struct ArchSlots {
  uint32_t audit_arch = 0;
  unsigned word_bits = 64;
  int first_nr = 0;
  std::vector<int32_t>
      slot_by_nr;  // nr - first_nr -> slot, -1 for a number libseccomp does not know

  int32_t slot(int nr) const {
    const int64_t i = static_cast<int64_t>(nr) - first_nr;
    if (i < 0 || i >= static_cast<int64_t>(slot_by_nr.size()))
      return -1;
    return slot_by_nr[static_cast<size_t>(i)];
  }
};

struct CompiledTable {
  std::vector<ArchSlots> arches;
  std::vector<SyscallSlot> slots;
  std::vector<CompiledPolicy> policies;  // parallel to the table's policies

  const ArchSlots* arch(uint32_t audit_arch) const {
    for (const ArchSlots& a : arches) {
      if (a.audit_arch == audit_arch)
        return &a;
    }
    return nullptr;
  }
};

// Throws EngineError naming the policy, row and value that cannot be used.
CompiledTable compile(const table::Table& t);

}  // namespace sa::engine::detail
