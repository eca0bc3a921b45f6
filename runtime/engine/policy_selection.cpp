// Engine::select_policy: which policy a container gets.
#include <fmt/format.h>

#include "engine/engine.hpp"
#include "model/table/template.hpp"

namespace sa::engine {
namespace {

// Every field the selector names must be present and glob-match.
bool keys_match(const std::map<std::string, std::string>& patterns,
                const std::map<std::string, std::string>& values) {
  for (const auto& [key, pattern] : patterns) {
    auto it = values.find(key);
    if (it == values.end() || !table::glob_match(pattern, it->second))
      return false;
  }
  return true;
}

bool field_matches(const std::string& pattern, const std::string& value) {
  return pattern.empty() || table::glob_match(pattern, value);
}

bool selector_matches(const table::Selector& s, const model::ContainerInfo& c);

// No alternatives, or one of them matches.
bool any_matches(const std::vector<table::Selector>& alternatives, const model::ContainerInfo& c) {
  if (alternatives.empty())
    return true;
  for (const table::Selector& a : alternatives) {
    if (selector_matches(a, c))
      return true;
  }
  return false;
}

bool selector_matches(const table::Selector& s, const model::ContainerInfo& c) {
  return keys_match(s.meta, c.meta) && keys_match(s.annotations, c.annotations) &&
         field_matches(s.pod_namespace, c.pod_namespace) && field_matches(s.pod_name, c.pod_name) &&
         field_matches(s.container_name, c.container_name) && any_matches(s.any, c);
}

std::string names(const std::vector<table::Policy>& policies) {
  std::vector<std::string_view> out;
  for (const table::Policy& p : policies)
    out.push_back(p.name);
  return out.empty() ? std::string("none") : fmt::format("{}", fmt::join(out, ", "));
}

void say(std::string* why, std::string text) {
  if (why != nullptr)
    *why = std::move(text);
}

}  // namespace

const table::Policy* Engine::select_policy(const model::ContainerInfo& c, std::string* why) const {
  const auto& policies = table_.policies;
  if (auto named = c.meta.find("policy"); named != c.meta.end()) {
    for (const table::Policy& p : policies) {
      if (p.name == named->second) {
        say(why, fmt::format("listenerMetadata names policy '{}'", p.name));
        return &p;
      }
    }
    say(why, fmt::format("listenerMetadata names policy '{}', which the table does not hold "
                         "(it holds: {})",
                         named->second, names(policies)));
    return nullptr;
  }
  if (policies.size() == 1 && policies.front().match.empty()) {
    say(why, fmt::format("'{}' is the table's only policy", policies.front().name));
    return &policies.front();
  }
  for (const table::Policy& p : policies) {
    if (!p.match.empty() && selector_matches(p.match, c)) {
      say(why, fmt::format("the selector of policy '{}' matches", p.name));
      return &p;
    }
  }
  say(why, fmt::format("no policy selects container '{}' (namespace '{}', pod '{}', container "
                       "'{}'); policies: {}",
                       c.id, c.pod_namespace, c.pod_name, c.container_name, names(policies)));
  return nullptr;
}

}  // namespace sa::engine
