// Compiles 10,000 generated rules and reports the time of each stage, next
// to the cost of merely parsing the same YAML with yaml-cpp (the floor no
// rule compiler can go under), measured in the same run.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "model/catalog/arch.hpp"
#include "model/codec/table_json.hpp"
#include "passes/pipeline.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// A mix of the rule shapes the example policies use, over many syscalls.
std::string generate(int count) {
  static const char* const kShapes[] = {
      "mkdir path prefix \"/data/{0}/\" -> emulate path=\"{{path}}-{0}\"",
      "mount fs in [cifs, nfs, x{0}] requires CAP_SYS_ADMIN in userns -> emulate",
      "chmod mode = 0{1:o} -> errno EPERM",
      "openat flags & O_CREAT pod.namespace = ns{0} -> log, errno EACCES",
      "unlinkat dirfd = AT_FDCWD meta.K{0} = v -> return 0",
      "execve filename glob \"/opt/{0}/*\" -> delay 10ms then continue",
      "chroot caller.uid = {0} -> log, errno ENOSYS, stop container after 5s",
  };
  std::string yaml = "policy: bench\nrules:\n";
  for (int i = 0; i < count; ++i) {
    const char* shape = kShapes[static_cast<size_t>(i) % std::size(kShapes)];
    yaml += "  - '" + fmt::format(fmt::runtime(shape), i, i % 0777) + "'\n";
  }
  yaml += "  - mkdir|mount|chmod|openat|unlinkat|execve|chroot -> continue unsafe\n";
  return yaml;
}

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

template <typename F>
double best_of(int runs, F&& f) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, seconds(t0, Clock::now()));
  }
  return best;
}

}  // namespace

int main() {
  constexpr int kRules = 10000;
  constexpr int kRuns = 5;
  const std::string yaml = generate(kRules);
  const std::vector<sa::catalog::Arch> arches = sa::catalog::default_arches();
  auto source = std::make_shared<sa::passes::SourceFile>("bench.yaml", yaml);

  const double floor = best_of(kRuns, [&] { (void)YAML::Load(yaml); });
  size_t rows = 0;
  bool clean = true;
  const sa::passes::Pipeline pipeline(arches);
  const double compile = best_of(kRuns, [&] {
    sa::diag::Sink sink;
    auto c = pipeline.run_sources({source}, sink);
    clean = c.has_value();
    if (!c)
      return;
    rows = 0;
    for (const auto& p : c->table.policies) {
      for (const auto& [n, s] : p.syscalls)
        rows += s.rows.size();
    }
    (void)sa::table::to_json(c->table).dump();
  });
  if (!clean) {
    fmt::print(stderr, "bench_compiler: the generated rules did not compile cleanly\n");
    return 1;
  }
  fmt::print("compiler: {} rules ({} rows), {} bytes of YAML, best of {} runs\n", kRules + 1, rows,
             yaml.size(), kRuns);
  fmt::print("  yaml-cpp parse alone (baseline)   {:8.3f} s\n", floor);
  fmt::print("  load+resolve+lower+link+json      {:8.3f} s   {:.1f}x baseline   goal < 1 s: {}\n",
             compile, compile / floor, compile < 1.0 ? "met" : "NOT MET");
  return 0;
}
