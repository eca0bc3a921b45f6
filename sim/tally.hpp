// Decisions counted by syscall and kind of action, for the summary that ends
// a replay. Bounded by the number of distinct (syscall, kind) pairs, not by
// the length of the trace.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>

namespace sa::sim {

class Tally {
 public:
  void add(const std::string& syscall, const std::string& kind) { ++counts_[{syscall, kind}]; }
  void print(std::ostream& out) const;
  nlohmann::ordered_json to_json() const;

 private:
  std::map<std::pair<std::string, std::string>, uint64_t> counts_;
};

}  // namespace sa::sim
