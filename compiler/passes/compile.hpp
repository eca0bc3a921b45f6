// The compiler pipeline, stage by stage: load (YAML) -> resolve (names and
// types) -> lower (rows per syscall, whole-policy checks). Linking into one
// table happens after the base profile is known (see rulec).
#pragma once

#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "model/table/table.hpp"
#include "passes/resolved.hpp"
#include "passes/source.hpp"

namespace sa::passes {

struct Compilation {
  std::vector<table::Policy> policies;  // in command-line order
  std::vector<TestCase> tests;          // every file's inline tests
};

// Diagnostics go to `sink`; a file with errors contributes nothing.
Compilation compile_files(const std::vector<std::string>& files,
                          const std::vector<catalog::Arch>& arches, diag::Sink& sink);
Compilation compile_sources(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                            const std::vector<catalog::Arch>& arches, diag::Sink& sink);

}  // namespace sa::passes
