#include "tally.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace sa::sim {

void Tally::print(std::ostream& out) const {
  size_t width = 7;
  for (const auto& [key, count] : counts_)
    width = std::max(width, key.first.size());
  fmt::print(out, "{:<{}}  {:>9}  {}\n", "SYSCALL", width, "COUNT", "DECISION");
  for (const auto& [key, count] : counts_) {
    fmt::print(out, "{:<{}}  {:>9}  {}\n", key.first, width, count, key.second);
  }
}

nlohmann::ordered_json Tally::to_json() const {
  auto out = nlohmann::ordered_json::array();
  for (const auto& [key, count] : counts_) {
    out.push_back({{"syscall", key.first}, {"decision", key.second}, {"count", count}});
  }
  return out;
}

}  // namespace sa::sim
