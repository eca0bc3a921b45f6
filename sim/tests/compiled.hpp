// Engines compiled in-process from the example rule files, as rulec would.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "engine/engine.hpp"
#include "model/catalog/arch.hpp"
#include "passes/pipeline.hpp"

namespace sa::sim::testing {

inline std::unique_ptr<engine::Engine> compile(const std::vector<std::string>& files) {
  const auto arches = catalog::default_arches();
  diag::Sink sink;
  std::optional<passes::Compiled> c = passes::Pipeline(arches).run_files(files, sink);
  if (!c)
    throw std::runtime_error(diag::format_text(sink.items()));
  return std::make_unique<engine::Engine>(std::move(c->table));
}

}  // namespace sa::sim::testing
