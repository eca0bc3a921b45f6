// seccomp-sim diff: the notifications of a trace that two tables decide
// differently (response, errno, value, emulated values, delay, stop, log).
#pragma once

#include <cstdint>
#include <ostream>

#include "engine/engine.hpp"
#include "model/codec/trace_reader.hpp"

namespace sa::sim {

struct DiffCounts {
  uint64_t notifications = 0;
  uint64_t changed = 0;
  uint64_t errors = 0;  // notifications the trace does not let us decide
};

// Throws trace::TraceError when the trace is malformed.
DiffCounts diff_tables(trace::TraceReader& reader, const engine::Engine& a, const engine::Engine& b,
                       std::ostream& out);

}  // namespace sa::sim
