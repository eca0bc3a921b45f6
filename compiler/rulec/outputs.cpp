#include "rulec/outputs.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/codec/table_json.hpp"
#include "passes/link.hpp"
#include "passes/pipeline.hpp"
#include "profile/base_answer.hpp"
#include "profile/base_profile.hpp"
#include "profile/build.hpp"

namespace sa::rulec {

std::optional<Outputs> build_outputs(const std::vector<std::string>& files,
                                     const std::vector<catalog::Arch>& arches,
                                     const std::string& base_path, const ProfileSettings& settings,
                                     diag::Sink& sink) {
  // Read in the passthrough step, after the rules: its diagnostics follow theirs.
  std::optional<profile::BaseProfile> base;
  auto through = [&](const std::vector<table::Policy>& policies,
                     diag::Sink& s) -> std::optional<passes::Passthrough> {
    if (!base_path.empty()) {
      base = profile::load_base(base_path, s);
      if (!base)
        return std::nullopt;
    }
    return profile::passthrough(base ? &*base : nullptr, passes::intercepted(policies), s);
  };
  auto compiled = passes::Pipeline(arches, through).run_files(files, sink);
  if (!compiled)
    return std::nullopt;
  Outputs out;
  out.table = std::move(compiled->table);
  profile::Options options;
  options.listener_path = settings.listener_path;
  options.metadata = settings.metadata;
  options.arches = arches;
  profile::Profiles p = profile::build_profiles(out.table, base ? &*base : nullptr, options, sink);
  out.profile = std::move(p.node);
  out.profiles = std::move(p.policies);
  return out;
}

namespace {

bool write_file(const std::filesystem::path& path, const std::string& text, std::string* error) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      *error = fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno));
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    *error = fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(), ec.message());
    return false;
  }
  return true;
}

}  // namespace

bool write_outputs(const Outputs& o, const std::string& dir, std::string* error) {
  const std::filesystem::path root(dir);
  std::error_code ec;
  std::filesystem::create_directories(root / "profiles", ec);
  if (ec) {
    *error = fmt::format("cannot create {}: {}", (root / "profiles").string(), ec.message());
    return false;
  }
  if (!write_file(root / "table.json", table::to_json(o.table).dump(2) + "\n", error))
    return false;
  if (!o.profile.is_null() && !write_file(root / "profile.json", o.profile.dump(2) + "\n", error)) {
    return false;
  }
  for (const auto& [name, profile] : o.profiles) {
    if (!write_file(root / "profiles" / (name + ".json"), profile.dump(2) + "\n", error))
      return false;
  }
  return true;
}

}  // namespace sa::rulec
