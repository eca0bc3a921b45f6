// A target that makes a new directory on every call (so that none fails
// with EEXIST and every call costs a real mkdir), under a scratch directory
// of its own. For supervisors that emulate mkdir.
#pragma once

#include <string>
#include <vector>

#include "scratch_dir.hpp"
#include "timed_target.hpp"

namespace sa::bench {

class MkdirTarget {
 public:
  // Starts the target: `warmup` + `measured` calls of mkdir(DIR/dN, 0755).
  MkdirTarget(int warmup, int measured);
  MkdirTarget(const MkdirTarget&) = delete;
  MkdirTarget& operator=(const MkdirTarget&) = delete;

  TimedTarget& target() { return target_; }

  // Waits for the target; throws, naming `who`, when the last directory was
  // not made (the supervisor answered without emulating).
  std::vector<double> finish(const std::string& who);

 private:
  ScratchDir dir_;                  // declared first: removed after the target is reaped
  std::vector<std::string> paths_;  // the child reads its copy, made before the fork
  TimedTarget target_;
};

}  // namespace sa::bench
