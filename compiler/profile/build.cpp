#include "profile/build.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "profile/base_answer.hpp"

namespace sa::profile {
namespace {

using nlohmann::json;

constexpr std::string_view kNotify = "SCMP_ACT_NOTIFY";

bool plain_continue(const table::Action& a) {
  return a.response == table::Response::Continue && !a.log && !a.delay && !a.stop_after &&
         a.params.empty();
}

// The engine refuses a default CONTINUE after a rule read the caller's memory
// unless the compiler marked it safe; the kernel, not notified, would run it.
bool default_may_be_refused(const table::SyscallRules& rules) {
  if (rules.default_continue_ok)
    return false;
  return std::any_of(rules.rows.begin(), rules.rows.end(),
                     [](const table::Row& r) { return r.reads_memory; });
}

std::string arch_key(const std::string& name) {
  auto a = catalog::find_arch(name);
  return a ? a->oci_name : name;
}

void add_arch(std::vector<std::string>& out, const std::string& name) {
  const std::string key = arch_key(name);
  if (std::none_of(out.begin(), out.end(), [&](const auto& x) { return arch_key(x) == key; })) {
    out.push_back(key);
  }
}

std::vector<catalog::Arch> targets(const table::Table& t, const Options& o) {
  if (!o.arches.empty())
    return o.arches;
  std::vector<catalog::Arch> out;
  for (const std::string& name : t.arches) {
    if (auto a = catalog::find_arch(name))
      out.push_back(*a);
  }
  return out.empty() ? catalog::default_arches() : out;
}

json args_json(const Conjunct& conj) {
  json out = json::array();
  for (const ArgCondition& c : conj) {
    json a = {{"index", c.index}, {"value", c.value}, {"op", name_of(c.op)}};
    if (c.op == CompareOp::MaskedEq)
      a["valueTwo"] = c.value_two;
    out.push_back(std::move(a));
  }
  return out;
}

// The base entry without the notified syscalls; null when none is left.
json base_entry(const BaseEntry& e, const std::set<std::string>& notified) {
  std::vector<std::string> kept;
  for (const std::string& n : e.names) {
    if (notified.count(n) == 0)
      kept.push_back(n);
  }
  if (kept.empty())
    return nullptr;
  if (kept.size() == e.names.size())
    return e.source;
  json out = e.source;
  out.erase("name");
  out["names"] = kept;
  return out;
}

json syscalls_json(const BaseProfile* base, const std::map<std::string, ArgFilter>& notify) {
  json out = json::array();
  std::vector<std::string> unconditional;
  std::set<std::string> notified;
  for (const auto& [name, f] : notify) {
    if (f.is_never())
      continue;
    notified.insert(name);
    if (f.is_always())
      unconditional.push_back(name);
  }
  if (!unconditional.empty())
    out.push_back({{"names", unconditional}, {"action", kNotify}});
  for (const auto& [name, f] : notify) {
    for (const Conjunct& conj : f.conjuncts()) {
      out.push_back({{"names", {name}}, {"action", kNotify}, {"args", args_json(conj)}});
    }
  }
  if (base != nullptr) {
    for (const BaseEntry& e : base->entries) {
      json kept = base_entry(e, notified);
      if (!kept.is_null())
        out.push_back(std::move(kept));
    }
  }
  return out;
}

// The base's flags, and WAIT_KILLABLE_RECV when asked for (once).
std::vector<std::string> flags(const BaseProfile* base, const Options& o) {
  std::vector<std::string> out;
  if (base != nullptr)
    out = base->flags;
  if (o.wait_killable_recv && std::find(out.begin(), out.end(), kWaitKillableRecv) == out.end())
    out.emplace_back(kWaitKillableRecv);
  return out;
}

json profile_json(const BaseProfile* base, const std::vector<std::string>& arches, const Options& o,
                  const std::vector<std::string>& metadata,
                  const std::map<std::string, ArgFilter>& notify) {
  json j = json::object();
  j["defaultAction"] = base != nullptr ? name_of(base->default_action) : "SCMP_ACT_ALLOW";
  if (base != nullptr && base->default_errno_ret)
    j["defaultErrnoRet"] = *base->default_errno_ret;
  j["architectures"] = arches;
  if (auto f = flags(base, o); !f.empty())
    j["flags"] = std::move(f);
  j["listenerPath"] = o.listener_path;
  if (!metadata.empty())
    j["listenerMetadata"] = fmt::format("{}", fmt::join(metadata, "\n"));
  j["syscalls"] = syscalls_json(base, notify);
  return j;
}

}  // namespace

std::vector<std::string> profile_arches(const table::Table& t, const BaseProfile* base,
                                        const Options& o) {
  std::vector<std::string> out;
  const std::vector<catalog::Arch> target = targets(t, o);
  for (const catalog::Arch& a : target)
    add_arch(out, a.oci_name);
  if (base == nullptr)
    return out;
  for (const std::string& a : base->architectures)
    add_arch(out, a);
  if (!base->arch_map.is_array())
    return out;
  for (const json& m : base->arch_map) {
    const std::string main = arch_key(m.at("architecture").get<std::string>());
    const bool is_target = std::any_of(target.begin(), target.end(),
                                       [&](const catalog::Arch& a) { return a.oci_name == main; });
    if (!is_target)
      continue;
    add_arch(out, main);
    if (m.contains("subArchitectures") && m.at("subArchitectures").is_array()) {
      for (const json& sub : m.at("subArchitectures"))
        add_arch(out, sub.get<std::string>());
    }
  }
  return out;
}

bool registers_64(const std::vector<std::string>& arches) {
  return std::all_of(arches.begin(), arches.end(), [](const std::string& name) {
    auto a = catalog::find_arch(name);
    return a && a->word_bits == 64;
  });
}

ArgFilter policy_filter(const table::Policy& p, const std::string& syscall, const BaseProfile* base,
                        const EncodeOptions& o) {
  const table::SyscallRules& rules = p.syscalls.at(syscall);
  const bool exact = plain_continue(p.default_action) && base_answer(base, syscall).plain_allow() &&
                     !default_may_be_refused(rules);
  return exact ? encode_rows(rules, o) : ArgFilter::always();
}

Profiles build_profiles(const table::Table& t, const BaseProfile* base, const Options& o,
                        diag::Sink& sink) {
  const std::vector<std::string> arches = profile_arches(t, base, o);
  const EncodeOptions enc{registers_64(arches)};
  std::map<std::string, ArgFilter> node;
  Profiles out;
  for (const table::Policy& p : t.policies) {
    std::map<std::string, ArgFilter> own;
    for (const auto& [name, rules] : p.syscalls) {
      own[name] = policy_filter(p, name, base, enc);
      auto [it, fresh] = node.emplace(name, own[name]);
      if (!fresh)
        it->second = any_of(it->second, own[name]);
    }
    std::vector<std::string> metadata{fmt::format("policy={}", p.name)};
    metadata.insert(metadata.end(), o.metadata.begin(), o.metadata.end());
    out.policies[p.name] = profile_json(base, arches, o, metadata, own);
  }
  if (base != nullptr) {
    for (const auto& [name, f] : node) {
      if (o.base_denied.count(name) == 0)
        report_layering(*base, name, sink);
    }
  }
  out.node = profile_json(base, arches, o, o.metadata, node);
  return out;
}

}  // namespace sa::profile
