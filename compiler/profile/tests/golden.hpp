// Golden files: compared byte for byte; SA_UPDATE_GOLDEN=1 rewrites them.
#pragma once

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cases.hpp"
#include "model/codec/table_json.hpp"
#include "profile/base_answer.hpp"

namespace sa::profile::test {

inline const std::string kGolden = "compiler/profile/tests/golden/";

struct Built {
  Profiles profiles;
  diag::Sink sink;
  table::Table table;
  std::optional<BaseProfile> base;
};

inline std::unique_ptr<Built> build(const Case& c) {
  auto out = std::make_unique<Built>();
  if (!c.base.empty()) {
    out->base = load_base(kFixtures + c.base, out->sink);
    if (!out->base)
      throw std::runtime_error(diag::format_text(out->sink.items()));
  }
  const BaseProfile* base = out->base ? &*out->base : nullptr;
  table::Table t = linked(c.policies, c.arches);
  t.passthrough = passthrough(base, passes::intercepted(t.policies), out->sink);
  Options o = c.options;
  o.arches = c.arches;
  out->profiles = build_profiles(t, base, o, out->sink);
  out->table = std::move(t);
  return out;
}

inline nlohmann::json golden_json(const Built& b) {
  nlohmann::json diags = nlohmann::json::array();
  for (const diag::Diagnostic& d : b.sink.items())
    diags.push_back(diag::format_text(d));
  nlohmann::json passthrough = nlohmann::json::object();
  for (const auto& [name, action] : b.table.passthrough) {
    passthrough[name] = table::action_to_json(action);
  }
  return {{"node", b.profiles.node},
          {"policies", b.profiles.policies},
          {"passthrough", passthrough},
          {"diagnostics", diags}};
}

// "" when equal, else a description of the first difference.
inline std::string compare_golden(const std::string& name, const std::string& actual) {
  const std::string path = kGolden + name + ".json";
  const char* update = std::getenv("SA_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
    return {};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "missing golden file " + path + " (run with SA_UPDATE_GOLDEN=1)";
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string expected = buf.str();
  if (expected == actual)
    return {};
  std::istringstream a(actual), e(expected);
  std::string la, le;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(a, la));
    const bool ge = static_cast<bool>(std::getline(e, le));
    if (!ga && !ge)
      break;
    if (la != le || ga != ge) {
      return path + ":" + std::to_string(line) + ": expected\n  " + le + "\ngot\n  " + la;
    }
  }
  return path + ": differs";
}

}  // namespace sa::profile::test
