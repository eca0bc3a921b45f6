// Decisions per second of Engine::evaluate over a million generated
// notifications per policy — a synthetic integer-only policy and every
// example policy in rules/ — next to a baseline measured in the same run (a
// loop doing only the table lookup: architecture and number to syscall name
// through table.index), with the heap allocations per decision; then the
// time and peak RSS of seccomp-sim streaming a 1M-line trace. Method:
// bench/README.md.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include "alloc_count.hpp"
#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "passes/pipeline.hpp"
#include "profile/with_base.hpp"
#include "replay_bench.hpp"
#include "workload.hpp"

namespace {

using namespace sa;
using Clock = std::chrono::steady_clock;

constexpr size_t kCalls = 1'000'000;
constexpr int kRuns = 3;

// Register tests only: no rule reads the caller's memory.
constexpr const char* kIntegerPolicy = R"(policy: integers
rules:
  - chmod mode = 0777 -> errno EPERM
  - fchmod mode & 07000 -> errno EPERM
  - kill sig in [SIGKILL, SIGSTOP] pid < 0 -> errno EPERM
  - kill pid = 1 -> errno EPERM
  - unshare flags & CLONE_NEWUSER -> errno EPERM
  - mount flags & MS_BIND|MS_REC == MS_BIND -> errno EPERM
  - setuid id = 0 -> return 0
  - ptrace request = 16 -> errno EPERM
  - personality persona != 0 -> errno EINVAL
)";

std::unique_ptr<engine::Engine> engine_of(std::optional<passes::Compiled> c,
                                          const diag::Sink& sink) {
  if (!c)
    throw std::runtime_error(diag::format_text(sink.items()));
  return std::make_unique<engine::Engine>(std::move(c->table));
}

std::unique_ptr<engine::Engine> compile(const std::shared_ptr<const passes::SourceFile>& source) {
  diag::Sink sink;
  return engine_of(passes::Pipeline(catalog::default_arches()).run_sources({source}, sink), sink);
}

// Over `base` (a profile, rulec --base) when not empty.
std::unique_ptr<engine::Engine> compile(const std::string& file, const std::string& base) {
  diag::Sink sink;
  auto c = profile::compile_with_base({file}, catalog::default_arches(), base, sink);
  return engine_of(c ? std::make_optional(std::move(c->compiled)) : std::nullopt, sink);
}

template <typename F>
double best_seconds(F&& f) {
  double best = 1e9;
  for (int i = 0; i < kRuns; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

// What a plain implementation must do at least: find the syscall's name.
uint64_t lookup_only(const table::Table& t, const bench::Workload& w) {
  static const std::map<uint32_t, std::string> names = [] {
    std::map<uint32_t, std::string> m;
    for (const auto& a : catalog::all_arches())
      m[a.audit_arch] = a.name;
    return m;
  }();
  uint64_t sink = 0;
  for (const bench::Call& c : w.calls) {
    const auto& numbers = t.index.at(names.at(c.n.audit_arch));
    auto it = numbers.find(c.n.nr);
    sink += it == numbers.end() ? 0 : it->second.size();
  }
  return sink;
}

uint64_t evaluate_all(const engine::Engine& e, const table::Policy* p, const bench::Workload& w) {
  uint64_t sink = 0;
  for (const bench::Call& c : w.calls) {
    bench::PoolFacts facts(w, c);
    const engine::Decision d = e.evaluate(p, w.container, c.n, facts);
    sink += static_cast<uint64_t>(d.error()) + static_cast<uint64_t>(d.response());
  }
  return sink;
}

// What the first 100000 decisions were, and how many read the caller's memory.
std::string kinds(const engine::Engine& e, const table::Policy* p, const bench::Workload& w) {
  std::map<std::string, size_t> counts;
  size_t read_memory = 0;
  const size_t n = std::min<size_t>(w.calls.size(), 100000);
  for (size_t i = 0; i < n; ++i) {
    bench::PoolFacts facts(w, w.calls[i]);
    const engine::Decision d = e.evaluate(p, w.container, w.calls[i].n, facts);
    ++counts[d.action_kind()];
    read_memory += d.read_memory ? 1 : 0;
  }
  std::vector<std::string> parts;
  for (const auto& [kind, count] : counts)
    parts.push_back(fmt::format("{} {}", count, kind));
  return fmt::format("{}; {:.0f}% read strings", fmt::join(parts, ", "),
                     100.0 * static_cast<double>(read_memory) / static_cast<double>(n));
}

void run(const std::string& label, const engine::Engine& e, model::ContainerInfo container) {
  model::complete(container);
  const table::Policy* p = e.select_policy(container, nullptr);
  if (p == nullptr)
    throw std::runtime_error(label + ": no policy selected");
  const bench::Workload w = bench::generate(e, *p, container, kCalls, 42);
  uint64_t sink = 0;
  const double base = best_seconds([&] { sink += lookup_only(e.table(), w); });
  const long before = engine::testing::allocations();
  const double eval = best_seconds([&] { sink += evaluate_all(e, p, w); });
  const double allocs = static_cast<double>(engine::testing::allocations() - before) /
                        (kRuns * static_cast<double>(kCalls));
  const double n = static_cast<double>(kCalls);
  fmt::print(
      "{:<16} {:>7.2f} M decisions/s {:>6.1f} ns | baseline {:>7.2f} M lookups/s {:>5.1f} ns | "
      "ratio {:>5.2f} | {:.2f} allocs/decision\n",
      label, n / eval / 1e6, eval / n * 1e9, n / base / 1e6, base / n * 1e9, eval / base, allocs);
  fmt::print("{:<16} first 100000: {}\n", "", kinds(e, p, w));
  if (sink == 42)
    fmt::print("");  // keeps the loops from being optimised away
}

model::ContainerInfo container_for(const std::string& policy) {
  model::ContainerInfo c;
  c.id = "bench";
  c.pid = 4072800;
  c.annotations = {{"io.kubernetes.cri.sandbox-namespace", "default"},
                   {"io.kubernetes.cri.sandbox-name", "mynotifypod"},
                   {"io.kubernetes.cri.container-name", "container1"}};
  c.metadata_raw = "policy=" + policy;
  if (policy == "kinvolk-compat") {
    c.metadata_raw +=
        "\nMKDIR_TMPL=-{{.Namespace}}-{{.Pod}}-{{.Container}}\nEXEC_PATTERN=/bin/true\n"
        "EXEC_DURATION=2s\nMOUNT_PROC=true\nMOUNT_OTHER_FS_LIST=cifs,nfs\nMOUNT_NEED_CAP_ADMIN="
        "true";
  }
  return c;
}

std::string rules_dir() {
  if (std::filesystem::is_directory("rules"))
    return "rules";
  return std::string(SA_SOURCE_DIR) + "/rules";
}

// The example policies that intercept what a base profile denies
// (`intercept_base_denials`), over the base the golden files use
// (compiler/tests/CMakeLists.txt); the others without one.
std::string base_of(const std::filesystem::path& policy_file) {
  if (policy_file.stem() == "crio-notifier")
    return rules_dir() + "/base/containers-default.json";
  return {};
}

void replay_section() {
  const std::string sim =
      std::filesystem::canonical("/proc/self/exe").parent_path() / "seccomp-sim";
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("bench-engine-{}", getpid());
  std::filesystem::create_directories(dir);
  fmt::print(
      "seccomp-sim replay of a generated JSON Lines trace (child process, getrusage via wait4)\n");
  for (size_t lines : {size_t{100'000}, size_t{1'000'000}})
    bench::bench_replay(sim, rules_dir(), dir, lines);
  std::filesystem::remove_all(dir);
  fmt::print("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const bool skip_replay = argc > 1 && std::string(argv[1]) == "--no-replay";
  try {
    // First, while this process is small: a child inherits its peak RSS.
    if (!skip_replay)
      replay_section();
    fmt::print("Engine::evaluate, {} generated notifications per policy, best of {} runs\n", kCalls,
               kRuns);
    run("integers", *compile(std::make_shared<passes::SourceFile>("integers.yaml", kIntegerPolicy)),
        container_for("integers"));
    std::vector<std::filesystem::path> files;
    for (const auto& f : std::filesystem::directory_iterator(rules_dir())) {
      if (f.path().extension() == ".yaml")
        files.push_back(f.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const auto e = compile(f.string(), base_of(f));
      run(f.stem().string(), *e, container_for(e->table().policies.at(0).name));
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_engine: {}\n", e.what());
    return 1;
  }
  return 0;
}
