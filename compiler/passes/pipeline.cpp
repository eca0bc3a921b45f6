#include "passes/pipeline.hpp"

#include "passes/link.hpp"
#include "passes/load.hpp"
#include "passes/lower.hpp"
#include "passes/resolve.hpp"

namespace sa::passes {
namespace {

// What lower made of the files that reached it.
struct Lowered {
  std::vector<table::Policy> policies;  // in input order
  std::vector<TestCase> tests;
};

// Load and resolve every source. A file that does not load is dropped; one
// that resolves with errors is kept (its name still counts for uniqueness)
// but left out of `clean`, the indexes of the files lower may see.
std::vector<ResolvedPolicy> load_and_resolve(
    const std::vector<std::shared_ptr<const SourceFile>>& sources,
    const std::vector<catalog::Arch>& arches, std::vector<size_t>& clean, diag::Sink& sink) {
  std::vector<ResolvedPolicy> resolved;
  for (const auto& source : sources) {
    const size_t errors_before = sink.error_count();
    auto doc = load_text(source, sink);
    if (!doc)
      continue;
    resolved.push_back(resolve(*doc, arches, sink));
    if (sink.error_count() == errors_before)
      clean.push_back(resolved.size() - 1);
  }
  return resolved;
}

// Lower the clean files; a policy lower finds errors in is dropped, tests and all.
Lowered lower_clean(std::vector<ResolvedPolicy>& resolved, const std::vector<size_t>& clean,
                    diag::Sink& sink) {
  Lowered out;
  for (size_t i : clean) {
    const size_t errors_before = sink.error_count();
    table::Policy p = lower(resolved[i], sink);
    if (sink.error_count() != errors_before)
      continue;
    out.policies.push_back(std::move(p));
    for (auto& t : resolved[i].tests)
      out.tests.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Pipeline::Pipeline(std::vector<catalog::Arch> arches, PassthroughStep passthrough)
    : arches_(std::move(arches)), passthrough_(std::move(passthrough)) {}

std::optional<Compiled> Pipeline::run_files(const std::vector<std::string>& files,
                                            diag::Sink& sink) const {
  std::vector<std::shared_ptr<const SourceFile>> sources;
  for (const std::string& f : files) {
    if (auto s = read_source(f, sink))
      sources.push_back(std::move(s));
  }
  return run_sources(sources, sink);
}

std::optional<Compiled> Pipeline::run_sources(
    const std::vector<std::shared_ptr<const SourceFile>>& sources, diag::Sink& sink) const {
  std::vector<size_t> clean;
  std::vector<ResolvedPolicy> resolved = load_and_resolve(sources, arches_, clean, sink);
  check_unique_names(resolved, sink);
  Lowered lowered = lower_clean(resolved, clean, sink);
  std::optional<Passthrough> through = Passthrough{};
  if (passthrough_)
    through = passthrough_(lowered.policies, sink);
  if (!through || sink.has_errors())
    return std::nullopt;
  return Compiled{link(std::move(lowered.policies), arches_, std::move(*through)),
                  std::move(lowered.tests)};
}

}  // namespace sa::passes
