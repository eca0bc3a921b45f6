// The streaming replay measured from outside: seccomp-sim run as a child
// process on a generated JSON Lines trace, its wall time and peak RSS
// (getrusage through wait4), next to `seccomp-sim profile` on the same file (reading and
// parsing alone) as the baseline.
#pragma once

#include <cstddef>
#include <string>

namespace sa::bench {

struct ChildRun {
  double seconds = 0;
  long max_rss_kib = 0;
  int status = 0;
};

// Writes `lines` notifications (the Kinvolk demo's mix) to DIR/trace.jsonl and
// the demo-basic table to DIR/table.json, then runs both commands.
void bench_replay(const std::string& sim, const std::string& rules_dir, const std::string& dir,
                  size_t lines);

}  // namespace sa::bench
