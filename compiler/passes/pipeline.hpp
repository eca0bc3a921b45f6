// The compiler from rule files to one decision table, every stage in order:
//
//   read -> load (YAML) -> [base denials] -> resolve (names, types)
//        -> lower (rows per syscall) -> passthrough (optional) -> link (one table)
//
// rulec, `seccomp-sim test` and the benchmarks all compile through here, so
// the order of the stages and the rule for stopping on errors exist once.
//
// Stopping on errors: a file with errors contributes nothing to the stages
// after the one that found them (though its policy name still counts for
// uniqueness). The passthrough step runs over what is left even after errors,
// so that rulec reports the base profile's problems in the same run as the
// rules'. Link runs only when no error was reported at all: a table is
// complete or not made.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "model/table/table.hpp"
#include "passes/resolved.hpp"
#include "passes/source.hpp"

namespace sa::passes {

// What happens to each intercepted syscall outside the agent's rules: the
// base profile's answer (rulec --base), for table::Table::passthrough.
using Passthrough = std::map<std::string, table::Action>;

// The step between lower and link: the passthrough of the lowered policies.
// nullopt when it cannot be computed; the step reports why, and the pipeline
// stops before link.
using PassthroughStep =
    std::function<std::optional<Passthrough>(const std::vector<table::Policy>&, diag::Sink&)>;

// What the base profile denies (rulec --base), for policies that intercept
// it (`intercept_base_denials: true`). Called at most once, when the first
// such policy is resolved; nullopt when the base cannot be used (the step
// reports why).
using BaseDenialsStep = std::function<std::optional<std::vector<std::string>>(diag::Sink&)>;

struct Compiled {
  table::Table table;
  std::vector<TestCase> tests;  // every file's inline tests, in input order
};

class Pipeline {
 public:
  // Without a passthrough step the table has an empty passthrough; without a
  // base denials step `intercept_base_denials` is an error.
  explicit Pipeline(std::vector<catalog::Arch> arches, PassthroughStep passthrough = {},
                    BaseDenialsStep base_denials = {});

  // Every diagnostic goes to `sink`; nullopt when an error was reported.
  std::optional<Compiled> run_files(const std::vector<std::string>& files, diag::Sink& sink) const;
  std::optional<Compiled> run_sources(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                                      diag::Sink& sink) const;

 private:
  std::vector<catalog::Arch> arches_;
  PassthroughStep passthrough_;
  BaseDenialsStep base_denials_;
};

}  // namespace sa::passes
