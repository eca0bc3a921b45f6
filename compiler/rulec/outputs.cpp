#include "rulec/outputs.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/codec/table_json.hpp"
#include "profile/base_profile.hpp"
#include "profile/build.hpp"
#include "profile/with_base.hpp"

namespace sa::rulec {

std::optional<Outputs> build_outputs(const std::vector<std::string>& files,
                                     const std::vector<catalog::Arch>& arches,
                                     const std::string& base_path, const ProfileSettings& settings,
                                     diag::Sink& sink) {
  auto compiled = profile::compile_with_base(files, arches, base_path, sink);
  if (!compiled)
    return std::nullopt;
  std::optional<profile::BaseProfile> base = std::move(compiled->base);
  Outputs out;
  out.table = std::move(compiled->compiled.table);
  profile::Options options;
  options.listener_path = settings.listener_path;
  options.metadata = settings.metadata;
  options.wait_killable_recv = settings.wait_killable_recv;
  options.arches = arches;
  options.base_denied = compiled->base_denied;
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
