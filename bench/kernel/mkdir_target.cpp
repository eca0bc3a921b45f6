#include "mkdir_target.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>

namespace sa::bench {
namespace {

std::vector<std::string> numbered_paths(const std::filesystem::path& dir, int count) {
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) {
    paths.push_back(fmt::format("{}/d{}", dir.string(), i));
  }
  return paths;
}

}  // namespace

MkdirTarget::MkdirTarget(int warmup, int measured)
    : dir_("sa-bench"),
      paths_(numbered_paths(dir_.path(), warmup + measured)),
      target_(start_target({"mkdir"}, warmup, measured,
                           [this](int i) { ::mkdir(paths_[i].c_str(), 0755); })) {}

std::vector<double> MkdirTarget::finish(const std::string& who) {
  auto samples = bench::finish(target_);
  if (!std::filesystem::is_directory(paths_.back())) {
    throw std::runtime_error(who + ": mkdir was not emulated");
  }
  return samples;
}

}  // namespace sa::bench
