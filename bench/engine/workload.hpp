// Generated notifications for one policy: a million calls to the syscalls it
// intercepts, with argument values and strings drawn from small pools so that
// every rule of the policy (and its default) is exercised.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace sa::bench {

struct Call {
  model::Notification n;
  std::array<uint8_t, 6> strings{};  // index into Workload::pool per string argument
  uint8_t caller = 0;                // index into Workload::callers
};

struct Workload {
  std::string name;
  model::ContainerInfo container;
  std::vector<std::string> pool;
  std::vector<model::CallerFacts> callers;
  std::vector<Call> calls;
};

// Calls to every syscall `policy` has rules for, on x86_64.
Workload generate(const engine::Engine& e, const table::Policy& policy,
                  model::ContainerInfo container, size_t count, uint64_t seed);

// Answers from the workload's pools, as the agent answers from /proc.
class PoolFacts : public engine::FactSource {
 public:
  PoolFacts(const Workload& w, const Call& c) : w_(w), c_(c) {}
  model::StringRead read_string(int arg) override {
    return model::StringRead{model::StringRead::Status::Ok, w_.pool[c_.strings[arg]], 0};
  }
  std::optional<model::CallerFacts> caller() override { return w_.callers[c_.caller]; }

 private:
  const Workload& w_;
  const Call& c_;
};

}  // namespace sa::bench
