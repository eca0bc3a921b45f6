// Stage 4: every policy of every file -> one table::Table. Builds the index
// (architecture -> syscall number -> name) from libseccomp and records what
// the base profile does with each intercepted syscall (the passthrough).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "model/table/table.hpp"
#include "passes/resolved.hpp"

namespace sa::passes {

// Every syscall some policy intercepts.
std::set<std::string> intercepted(const std::vector<table::Policy>& policies);

table::Table link(std::vector<table::Policy> policies, const std::vector<catalog::Arch>& arches,
                  std::map<std::string, table::Action> passthrough);

// Two policies with one name cannot both be selected by `policy=NAME`.
void check_unique_names(const std::vector<ResolvedPolicy>& policies, diag::Sink& sink);

}  // namespace sa::passes
