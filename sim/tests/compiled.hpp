// Engines compiled in-process from the example rule files, as rulec would.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "engine/engine.hpp"
#include "model/catalog/arch.hpp"
#include "passes/compile.hpp"
#include "passes/link.hpp"

namespace sa::sim::testing {

inline std::unique_ptr<engine::Engine> compile(const std::vector<std::string>& files) {
  const auto arches = catalog::default_arches();
  diag::Sink sink;
  passes::Compilation c = passes::compile_files(files, arches, sink);
  if (sink.has_errors())
    throw std::runtime_error(diag::format_text(sink.items()));
  return std::make_unique<engine::Engine>(passes::link(std::move(c.policies), arches, {}));
}

}  // namespace sa::sim::testing
