// seccomp-sim test: the inline `tests:` of rule files, each decided by the
// engine on a table compiled from those files, and compared with its
// `expect` (docs/rules.md, "Inline tests").
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "model/catalog/arch.hpp"
#include "passes/resolved.hpp"

namespace sa::sim {

struct TestOutcome {
  const passes::TestCase* test = nullptr;
  std::string decided;                   // the decision's summary
  std::vector<std::string> differences;  // empty: passed
  std::string error;                     // the case could not be run
  bool passed() const { return error.empty() && differences.empty(); }
};

// The engine inputs a test case describes, decided and compared.
TestOutcome run_test_case(const engine::Engine& engine, const passes::TestCase& t);

struct TestRun {
  size_t passed = 0;
  size_t failed = 0;
  bool compiled = false;  // false: the rule files have errors (printed)
};

// Compiles `files` for `arches` (over the base profile `base_path`, when
// not empty; diagnostics to `err`), links them into one table and runs every
// inline test, printing PASS / FAIL lines to `out`.
TestRun run_rule_file_tests(const std::vector<std::string>& files,
                            const std::vector<catalog::Arch>& arches, const std::string& base_path,
                            std::ostream& out, std::ostream& err);

}  // namespace sa::sim
