// Variants of a measurement run round-robin over several rounds, so that
// drift and noise (another process waking, the CPU clocking down) hit them
// alike; the samples of all rounds are pooled before medians are taken.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sa::bench {

struct Variant {
  std::string name;
  std::function<std::vector<double>()> run;  // one round's samples
  // The variant this one's ratio is taken against; empty: the group's.
  std::string baseline = {};
};

using Samples = std::map<std::string, std::vector<double>>;

Samples measure(const std::vector<Variant>& variants, int rounds);

// One line per variant: median, p90 and the median's ratio to its baseline
// (`baseline` unless the variant names its own).
void print(const std::vector<Variant>& variants, const Samples& samples,
           const std::string& baseline);

// median(samples[of]) / median(samples[to]).
double ratio(const Samples& samples, const std::string& of, const std::string& to);

}  // namespace sa::bench
