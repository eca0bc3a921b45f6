// Engine::select_policy: which policy a container gets; Engine::publishes: where
// its notifications are published, by the same selectors.
#include <fmt/format.h>

#include "engine/engine.hpp"
#include "model/table/template.hpp"

namespace sa::engine {
namespace {

// Why `patterns` (a selector's meta or annotations) do not hold for
// `values`: every key named must be present and glob-match. "" when they hold.
std::string keys_mismatch(std::string_view what, const std::map<std::string, std::string>& patterns,
                          const std::map<std::string, std::string>& values) {
  for (const auto& [key, pattern] : patterns) {
    auto it = values.find(key);
    if (it == values.end())
      return fmt::format("{} {} is absent", what, key);
    if (!table::glob_match(pattern, it->second)) {
      return fmt::format("{} {} \"{}\" does not match \"{}\"", what, key, it->second, pattern);
    }
  }
  return {};
}

// A pod or container field: a pattern on a field the container does not
// have (no Kubernetes annotations) never matches, `*` included.
std::string field_mismatch(std::string_view field, const std::string& pattern,
                           const std::string& value) {
  if (pattern.empty())
    return {};
  if (value.empty()) {
    return fmt::format(
        "the container has no {} (no Kubernetes annotations name it), so \"{}\" "
        "cannot match",
        field, pattern);
  }
  if (!table::glob_match(pattern, value))
    return fmt::format("{} \"{}\" does not match \"{}\"", field, value, pattern);
  return {};
}

std::string selector_mismatch(const table::Selector& s, const model::ContainerInfo& c);

// No alternatives, or one of them holds; else why the first does not.
std::string any_mismatch(const std::vector<table::Selector>& alternatives,
                         const model::ContainerInfo& c) {
  std::string first;
  for (const table::Selector& a : alternatives) {
    std::string why = selector_mismatch(a, c);
    if (why.empty())
      return {};
    if (first.empty())
      first = std::move(why);
  }
  return alternatives.empty()
             ? std::string()
             : fmt::format("none of its {} `any` alternatives holds (the first: {})",
                           alternatives.size(), first);
}

// Why the selector does not choose the container; "" when it does.
std::string selector_mismatch(const table::Selector& s, const model::ContainerInfo& c) {
  for (std::string why : {keys_mismatch("listenerMetadata key", s.meta, c.meta),
                          keys_mismatch("annotation", s.annotations, c.annotations),
                          field_mismatch("pod.namespace", s.pod_namespace, c.pod_namespace),
                          field_mismatch("pod.name", s.pod_name, c.pod_name),
                          field_mismatch("container.name", s.container_name, c.container_name),
                          any_mismatch(s.any, c)}) {
    if (!why.empty())
      return why;
  }
  return {};
}

// Why the policy's selector does not choose the container; "" when it does.
std::string selector_mismatch(const table::Policy& p, const model::ContainerInfo& c) {
  if (p.match.empty())
    return fmt::format("it has no selector and is chosen only by name (policy={})", p.name);
  return selector_mismatch(p.match, c);
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

bool Engine::publishes(const table::Policy* policy, const model::ContainerInfo& c,
                       table::Sink sink) {
  if (policy == nullptr)
    return false;
  for (const table::Publish& p : policy->publish) {
    if (p.to == sink && (p.when.empty() || selector_mismatch(p.when, c).empty()))
      return true;
  }
  return false;
}

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
  std::vector<std::string> passed;  // why each earlier policy was not chosen
  for (const table::Policy& p : policies) {
    const std::string why_not = selector_mismatch(p, c);
    if (why_not.empty()) {
      say(why, fmt::format("the selector of policy '{}' matches{}", p.name,
                           passed.empty() ? std::string()
                                          : fmt::format(" (not chosen before it: {})",
                                                        fmt::join(passed, "; "))));
      return &p;
    }
    passed.push_back(fmt::format("'{}': {}", p.name, why_not));
  }
  say(why, fmt::format("no policy selects container '{}': {}", c.id,
                       passed.empty() ? std::string("the table holds none")
                                      : fmt::format("{}", fmt::join(passed, "; "))));
  return nullptr;
}

}  // namespace sa::engine
