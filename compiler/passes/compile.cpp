#include "passes/compile.hpp"

#include "passes/link.hpp"
#include "passes/load.hpp"
#include "passes/lower.hpp"
#include "passes/resolve.hpp"

namespace sa::passes {

Compilation compile_files(const std::vector<std::string>& files,
                          const std::vector<catalog::Arch>& arches, diag::Sink& sink) {
  std::vector<std::shared_ptr<const SourceFile>> sources;
  for (const std::string& f : files) {
    if (auto s = read_source(f, sink))
      sources.push_back(std::move(s));
  }
  return compile_sources(sources, arches, sink);
}

Compilation compile_sources(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                            const std::vector<catalog::Arch>& arches, diag::Sink& sink) {
  std::vector<ResolvedPolicy> resolved;
  std::vector<size_t> clean;  // indexes of files that resolved without errors
  for (const auto& source : sources) {
    const size_t errors_before = sink.error_count();
    auto doc = load_text(source, sink);
    if (!doc)
      continue;
    resolved.push_back(resolve(*doc, arches, sink));
    if (sink.error_count() == errors_before)
      clean.push_back(resolved.size() - 1);
  }
  check_unique_names(resolved, sink);
  Compilation out;
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

}  // namespace sa::passes
