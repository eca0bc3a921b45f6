// What fuzz_rules and fuzz_dsl check of a rule file: compiling is
// deterministic (twice, the same verdict and the same table), and a table
// that compiles survives table.json (written, read back, written the same).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "model/catalog/arch.hpp"
#include "model/codec/table_json.hpp"
#include "passes/pipeline.hpp"

namespace sa::fuzz {

inline std::optional<passes::Compiled> compile(const std::shared_ptr<const passes::SourceFile>& f) {
  static const passes::Pipeline pipeline(catalog::default_arches());
  diag::Sink sink;
  return pipeline.run_sources({f}, sink);
}

inline void check_rule_file(std::string contents) {
  auto file = std::make_shared<const passes::SourceFile>("fuzz.yaml", std::move(contents));
  const auto first = compile(file);
  const auto second = compile(file);
  require(first.has_value() == second.has_value(), "the same verdict twice");
  if (!first)
    return;
  const nlohmann::json written = table::to_json(first->table);
  require(written == table::to_json(second->table), "the same table twice");
  require(written == table::to_json(table::from_json(written)), "table.json round trip");
}

}  // namespace sa::fuzz
