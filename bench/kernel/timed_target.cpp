#include "timed_target.hpp"

#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace sa::bench {
namespace {

double now_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Shared with the child, so that it can write what it measured.
std::shared_ptr<double[]> shared_samples(int count) {
  const size_t bytes = sizeof(double) * static_cast<size_t>(count);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw std::runtime_error("mmap");
  }
  return {static_cast<double*>(p), [bytes](double* d) { ::munmap(d, bytes); }};
}

}  // namespace

void pin_to(int cpu) {
  if (cpu < 0) {
    return;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<size_t>(cpu), &set);
  if (::sched_setaffinity(0, sizeof set, &set) != 0) {
    throw std::runtime_error("cannot pin to CPU " + std::to_string(cpu));
  }
}

PinnedTo::PinnedTo(int cpu) {
  ::sched_getaffinity(0, sizeof saved_, &saved_);
  pin_to(cpu);
}

PinnedTo::~PinnedTo() {
  ::sched_setaffinity(0, sizeof saved_, &saved_);
}

TimedTarget start_target(const std::vector<std::string>& syscalls, int warmup, int measured,
                         std::function<void(int)> call, int cpu) {
  const int total = warmup + measured;
  auto samples = shared_samples(total);
  auto process =
      kernel::testing::spawn_notified(syscalls, [&](const kernel::testing::Channel& channel) {
        pin_to(cpu);
        channel.get<int>();  // go
        for (int i = 0; i < total; ++i) {
          const double t0 = now_us();
          call(i);
          samples[i] = now_us() - t0;
        }
        return 0;
      });
  process.child.channel().put(1);
  return TimedTarget{std::move(process), total, warmup, std::move(samples)};
}

std::vector<double> finish(TimedTarget& target) {
  if (target.process.child.wait() != 0) {
    throw std::runtime_error("the benchmark target failed");
  }
  return {target.samples.get() + target.warmup, target.samples.get() + target.calls};
}

double percentile(std::vector<double> samples, double p) {
  const auto k = static_cast<size_t>(p * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(k), samples.end());
  return samples[k];
}

double median(std::vector<double> samples) {
  return percentile(std::move(samples), 0.5);
}

}  // namespace sa::bench
