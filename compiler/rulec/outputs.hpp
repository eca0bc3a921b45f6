// What rulec writes: the linked decision table and the seccomp profiles.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "model/table/table.hpp"

namespace sa::rulec {

struct ProfileSettings {
  std::string listener_path;
  std::vector<std::string> metadata;  // extra KEY=VALUE lines
  bool wait_killable_recv = false;    // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV in `flags`
};

struct Outputs {
  table::Table table;
  nlohmann::json profile;                          // the union of every policy
  std::map<std::string, nlohmann::json> profiles;  // one per policy
};

// Compiles the rule files into one table (with the base profile's
// passthrough) and builds the profiles. nullopt when an error was reported:
// in the rules or in the base profile, which is read even then so that its
// problems show in the same run.
std::optional<Outputs> build_outputs(const std::vector<std::string>& files,
                                     const std::vector<catalog::Arch>& arches,
                                     const std::string& base_path, const ProfileSettings& settings,
                                     diag::Sink& sink);

// DIR/table.json, DIR/profile.json, DIR/profiles/POLICY.json, each written to
// a temporary file and renamed into place.
bool write_outputs(const Outputs& o, const std::string& dir, std::string* error);

}  // namespace sa::rulec
