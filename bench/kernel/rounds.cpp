#include "rounds.hpp"

#include <fmt/format.h>

#include "timed_target.hpp"

namespace sa::bench {

Samples measure(const std::vector<Variant>& variants, int rounds) {
  Samples samples;
  for (int round = 0; round < rounds; ++round) {
    for (const Variant& v : variants) {
      auto s = v.run();
      samples[v.name].insert(samples[v.name].end(), s.begin(), s.end());
    }
  }
  return samples;
}

void print(const std::vector<Variant>& variants, const Samples& samples,
           const std::string& baseline) {
  for (const Variant& v : variants) {
    const auto& s = samples.at(v.name);
    const double base = median(samples.at(v.baseline.empty() ? baseline : v.baseline));
    fmt::print("  {:<52} median {:7.2f} us   p90 {:7.2f} us   {:5.2f}x\n", v.name, median(s),
               percentile(s, 0.9), median(s) / base);
  }
}

double ratio(const Samples& samples, const std::string& of, const std::string& to) {
  return median(samples.at(of)) / median(samples.at(to));
}

}  // namespace sa::bench
