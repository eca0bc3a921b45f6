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

// The base's denials, asked for once, when a policy first needs them.
class BaseDenialsOnce {
 public:
  explicit BaseDenialsOnce(const BaseDenialsStep& step) : step_(step) {}

  BaseDenied get(const PolicyDoc& doc, diag::Sink& sink) {
    if (!doc.intercept_base_denials || !step_)
      return BaseDenied{static_cast<bool>(step_), nullptr};
    if (!asked_) {
      asked_ = true;
      denied_ = step_(sink);
    }
    return BaseDenied{true, denied_ ? &*denied_ : nullptr};
  }

 private:
  const BaseDenialsStep& step_;
  bool asked_ = false;
  std::optional<std::vector<std::string>> denied_;
};

// Load and resolve every source. A file that does not load is dropped; one
// that resolves with errors is kept (its name still counts for uniqueness)
// but left out of `clean`, the indexes of the files lower may see.
std::vector<ResolvedPolicy> load_and_resolve(
    const std::vector<std::shared_ptr<const SourceFile>>& sources,
    const std::vector<catalog::Arch>& arches, BaseDenialsOnce& base, std::vector<size_t>& clean,
    diag::Sink& sink) {
  std::vector<ResolvedPolicy> resolved;
  for (const auto& source : sources) {
    const size_t errors_before = sink.error_count();
    auto doc = load_text(source, sink);
    if (!doc)
      continue;
    resolved.push_back(resolve(*doc, arches, sink, base.get(*doc, sink)));
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

Pipeline::Pipeline(std::vector<catalog::Arch> arches, PassthroughStep passthrough,
                   BaseDenialsStep base_denials)
    : arches_(std::move(arches)),
      passthrough_(std::move(passthrough)),
      base_denials_(std::move(base_denials)) {}

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
  BaseDenialsOnce base(base_denials_);
  std::vector<ResolvedPolicy> resolved = load_and_resolve(sources, arches_, base, clean, sink);
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
