// The whole read sequence for one notification, as tests and benchmarks use
// it without the engine: open the caller's memory, ID_VALID, read every
// requested string once, ID_VALID again. (The agent reads through its
// FactSource, string by string, as the engine asks.)
#pragma once

#include <span>
#include <vector>

#include "kernel/caller_memory.hpp"

namespace sa::kernel::testing {

struct StringRequest {
  uint64_t address = 0;  // the register value
  size_t limit = kPathLimit;
  Overflow overflow = Overflow::Fail;
};

enum class ReadOutcome { Read, TargetGone };

struct CallerStrings {
  ReadOutcome outcome = ReadOutcome::Read;
  std::vector<model::StringRead> values;  // one per request, in order; empty when gone
};

CallerStrings read_caller_strings(const NotifyFd& notify, const Notification& n,
                                  std::span<const StringRequest> requests);

}  // namespace sa::kernel::testing
