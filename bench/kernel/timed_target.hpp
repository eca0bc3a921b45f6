// The process being supervised: a child under a real notify filter that
// makes the same syscall again and again, timing each call from its own
// side (clock_gettime around the syscall), into memory shared with the
// benchmark. What it measures is what a container process would feel.
#pragma once

#include <sched.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/child.hpp"

namespace sa::bench {

struct TimedTarget {
  kernel::testing::NotifiedChild process;
  int calls = 0;  // notifications to expect, warm-up included
  int warmup = 0;
  std::shared_ptr<double[]> samples;
};

// `call(i)` makes the i-th syscall; the first `warmup` are not reported.
// With `cpu` >= 0 the target runs on that CPU only.
TimedTarget start_target(const std::vector<std::string>& syscalls, int warmup, int measured,
                         std::function<void(int)> call, int cpu = -1);

// Pins the calling thread to `cpu` (-1: every CPU) until destroyed.
class PinnedTo {
 public:
  explicit PinnedTo(int cpu);
  ~PinnedTo();
  PinnedTo(const PinnedTo&) = delete;
  PinnedTo& operator=(const PinnedTo&) = delete;

 private:
  cpu_set_t saved_;
};

// Pins the calling thread; throws when the CPU does not exist.
void pin_to(int cpu);

// Waits for the target; the microseconds of each measured call.
std::vector<double> finish(TimedTarget& target);

double median(std::vector<double> samples);
double percentile(std::vector<double> samples, double p);

}  // namespace sa::bench
