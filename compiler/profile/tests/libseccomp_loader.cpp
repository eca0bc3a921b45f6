#include "libseccomp_loader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include "model/catalog/arch.hpp"
#include "profile/scmp.hpp"

namespace sa::profile {
namespace {

using nlohmann::json;

class DevNull {
 public:
  DevNull() : fd_(::open("/dev/null", O_WRONLY | O_CLOEXEC)) {}
  ~DevNull() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  DevNull(const DevNull&) = delete;
  DevNull& operator=(const DevNull&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string arch_label(uint32_t token) {
  auto a = catalog::find_arch_by_audit(token);
  return a ? a->name : fmt::format("arch {:#x}", token);
}

std::optional<uint32_t> action_of(const json& j, const char* action_key, const char* errno_key,
                                  const std::string& where, LoadReport& report) {
  const auto a = j.contains(action_key) && j.at(action_key).is_string()
                     ? value_of<ScmpAction>(j.at(action_key).get<std::string>())
                     : std::nullopt;
  if (!a) {
    report.errors.push_back(fmt::format("{}: no valid {}", where, action_key));
    return std::nullopt;
  }
  std::optional<uint32_t> ret;
  if (j.contains(errno_key) && j.at(errno_key).is_number_unsigned()) {
    ret = j.at(errno_key).get<uint32_t>();
  }
  return libseccomp_action(*a, ret);
}

std::vector<std::string> names_of(const json& entry) {
  std::vector<std::string> out;
  if (entry.contains("names") && entry.at("names").is_array()) {
    for (const json& n : entry.at("names")) {
      if (n.is_string())
        out.push_back(n.get<std::string>());
    }
  }
  if (entry.contains("name") && entry.at("name").is_string()) {
    out.push_back(entry.at("name").get<std::string>());
  }
  return out;
}

std::optional<std::vector<scmp_arg_cmp>> comparisons(const json& entry, const std::string& where,
                                                     LoadReport& report) {
  std::vector<scmp_arg_cmp> out;
  if (!entry.contains("args") || entry.at("args").is_null())
    return out;
  for (const json& a : entry.at("args")) {
    const auto op = a.contains("op") && a.at("op").is_string()
                        ? value_of<CompareOp>(a.at("op").get<std::string>())
                        : std::nullopt;
    const auto number = [&](const char* key) {
      return a.contains(key) && a.at(key).is_number_unsigned();
    };
    if (!op || !number("index") || !number("value") ||
        (a.contains("valueTwo") && !number("valueTwo"))) {
      report.errors.push_back(fmt::format("{}: malformed argument condition {}", where, a.dump()));
      return std::nullopt;
    }
    out.push_back(scmp_arg_cmp{a.at("index").get<unsigned>(), libseccomp_op(*op),
                               a.at("value").get<uint64_t>(), a.value("valueTwo", uint64_t{0})});
  }
  return out;
}

bool compares_an_argument_twice(const std::vector<scmp_arg_cmp>& cmps) {
  std::array<int, 6> seen{};
  for (const scmp_arg_cmp& c : cmps) {
    if (c.arg < seen.size() && ++seen.at(c.arg) > 1)
      return true;
  }
  return false;
}

void add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const std::vector<scmp_arg_cmp>& cmps,
              const std::string& where, LoadReport& report) {
  const int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(cmps.size()),
                                        cmps.empty() ? nullptr : cmps.data());
  if (rc < 0) {
    report.errors.push_back(
        fmt::format("{}: seccomp_rule_add_array: {}", where, std::strerror(-rc)));
  } else {
    ++report.rules;
  }
}

void add_entry(scmp_filter_ctx ctx, const json& entry, size_t i, uint32_t default_action,
               LoadReport& report) {
  const std::string where = fmt::format("syscalls[{}]", i);
  const auto action = action_of(entry, "action", "errnoRet", where, report);
  if (!action)
    return;
  if (*action == default_action) {
    report.notes.push_back(fmt::format("{}: same action as defaultAction, skipped", where));
    return;
  }
  const auto cmps = comparisons(entry, where, report);
  if (!cmps)
    return;
  const bool split = compares_an_argument_twice(*cmps);
  if (split) {
    ++report.split_entries;
    report.notes.push_back(fmt::format(
        "{}: compares one argument twice; added as one rule per comparison (ORed)", where));
  }
  for (const std::string& name : names_of(entry)) {
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    const std::string at = fmt::format("{} ({})", where, name);
    if (nr == __NR_SCMP_ERROR) {
      report.notes.push_back(fmt::format("{}: unknown to libseccomp, skipped", at));
      continue;
    }
    if (!split) {
      add_rule(ctx, *action, nr, *cmps, at, report);
      continue;
    }
    for (const scmp_arg_cmp& c : *cmps)
      add_rule(ctx, *action, nr, {c}, at, report);
  }
}

void set_flags(scmp_filter_ctx ctx, const json& profile, LoadReport& report) {
  if (!profile.contains("flags") || !profile.at("flags").is_array())
    return;
  for (const json& f : profile.at("flags")) {
    const std::string flag = f.is_string() ? f.get<std::string>() : f.dump();
    int rc = 0;
    if (flag == "SECCOMP_FILTER_FLAG_LOG") {
      rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
    } else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
      rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
    } else {
      // TSYNC: runc always synchronises threads; WAIT_KILLABLE_RECV: no
      // libseccomp 2.5 attribute, runtimes pass it to the kernel themselves.
      report.notes.push_back(fmt::format("flag {} not set through libseccomp", flag));
    }
    if (rc < 0)
      report.errors.push_back(fmt::format("flag {}: {}", flag, std::strerror(-rc)));
  }
}

std::vector<uint32_t> profile_arch_tokens(const json& profile, LoadReport& report) {
  std::vector<uint32_t> out;
  if (!profile.contains("architectures") || !profile.at("architectures").is_array())
    return out;
  for (const json& a : profile.at("architectures")) {
    const uint32_t token = a.is_string() ? arch_token(a.get<std::string>()) : 0;
    if (token == 0) {
      report.errors.push_back(fmt::format("unknown architecture {}", a.dump()));
    } else if (std::find(out.begin(), out.end(), token) == out.end()) {
      out.push_back(token);
    }
  }
  return out;
}

void export_bpf(scmp_filter_ctx ctx, const std::string& label, LoadReport& report) {
  DevNull sink;
  if (sink.fd() < 0) {
    report.errors.push_back(
        fmt::format("{}: cannot open /dev/null: {}", label, std::strerror(errno)));
    return;
  }
  const int rc = seccomp_export_bpf(ctx, sink.fd());
  if (rc < 0) {
    report.errors.push_back(fmt::format("{}: seccomp_export_bpf: {}", label, std::strerror(-rc)));
  }
}

}  // namespace

uint32_t arch_token(const std::string& oci_name) {
  if (auto a = catalog::find_arch(oci_name))
    return a->audit_arch;
  std::string token = oci_name.rfind("SCMP_ARCH_", 0) == 0 ? oci_name.substr(10) : oci_name;
  std::transform(token.begin(), token.end(), token.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return seccomp_arch_resolve_name(token.c_str());
}

ScmpFilter build_filter(const json& profile, const std::vector<uint32_t>& arches, bool native,
                        LoadReport& report) {
  const auto def = action_of(profile, "defaultAction", "defaultErrnoRet", "profile", report);
  if (!def)
    return nullptr;
  if (*def == SCMP_ACT_NOTIFY) {
    report.errors.push_back("profile: SCMP_ACT_NOTIFY cannot be the default action");
    return nullptr;
  }
  ScmpFilter ctx(seccomp_init(*def));
  if (!ctx) {
    report.errors.push_back("seccomp_init failed");
    return nullptr;
  }
  const uint32_t here = seccomp_arch_native();
  const bool keep_native = native || std::find(arches.begin(), arches.end(), here) != arches.end();
  for (uint32_t a : arches) {
    const int rc = seccomp_arch_add(ctx.get(), a);
    if (rc < 0 && rc != -EEXIST) {
      report.errors.push_back(
          fmt::format("seccomp_arch_add({}): {}", arch_label(a), std::strerror(-rc)));
      return nullptr;
    }
  }
  if (!keep_native && !arches.empty())
    seccomp_arch_remove(ctx.get(), here);
  set_flags(ctx.get(), profile, report);
  if (profile.contains("syscalls") && profile.at("syscalls").is_array()) {
    const json& entries = profile.at("syscalls");
    for (size_t i = 0; i < entries.size(); ++i)
      add_entry(ctx.get(), entries[i], i, *def, report);
  }
  return ctx;
}

LoadReport check_loads(const json& profile) {
  LoadReport report;
  std::vector<uint32_t> arches = profile_arch_tokens(profile, report);
  if (!report.ok())
    return report;
  {
    LoadReport all;
    ScmpFilter ctx = build_filter(profile, arches, true, all);
    if (ctx)
      export_bpf(ctx.get(), "all architectures", all);
    for (std::string& e : all.errors)
      e = "all architectures: " + e;
    report = std::move(all);
  }
  if (arches.empty())
    return report;  // the native architecture alone: done above
  for (uint32_t a : arches) {
    LoadReport one;
    ScmpFilter ctx = build_filter(profile, {a}, false, one);
    if (ctx)
      export_bpf(ctx.get(), arch_label(a), one);
    for (std::string& e : one.errors)
      report.errors.push_back(arch_label(a) + ": " + e);
  }
  return report;
}

}  // namespace sa::profile
