#include "passes/explain.hpp"

#include <fmt/format.h>

#include "model/table/render.hpp"

namespace sa::passes {
namespace {

std::string pattern(std::string_view field, const std::string& glob) {
  return fmt::format("{} glob {}", field, table::quote(glob));
}

// Every field of a selector, joined with "and"; `any` as "(A or B ...)".
std::string conditions(const table::Selector& s) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : s.meta)
    parts.push_back(pattern(fmt::format("meta.{}", k), v));
  for (const auto& [k, v] : s.annotations)
    parts.push_back(pattern(fmt::format("annotation[{}]", table::quote(k)), v));
  if (!s.pod_namespace.empty())
    parts.push_back(pattern("pod.namespace", s.pod_namespace));
  if (!s.pod_name.empty())
    parts.push_back(pattern("pod.name", s.pod_name));
  if (!s.container_name.empty())
    parts.push_back(pattern("container.name", s.container_name));
  if (!s.any.empty()) {
    std::vector<std::string> alternatives;
    for (const table::Selector& a : s.any)
      alternatives.push_back(conditions(a));
    parts.push_back(fmt::format("({})", fmt::join(alternatives, " or ")));
  }
  return fmt::format("{}", fmt::join(parts, " and "));
}

// How a container comes to this policy. A selector field the container does
// not have (a key absent, no Kubernetes annotations) never matches.
std::string selector(const table::Table& t, const table::Policy& p) {
  if (p.match.empty()) {
    return t.policies.size() == 1 ? "every container (the only policy)"
                                  : fmt::format("containers naming it (policy={}) only", p.name);
  }
  return fmt::format("policy={}, or {} (a field the container does not have never matches)", p.name,
                     conditions(p.match));
}

// The policies whose selectors are tried before this one's.
std::string tried_before(const table::Table& t, const table::Policy& p) {
  std::vector<std::string_view> earlier;
  for (const table::Policy& q : t.policies) {
    if (&q == &p)
      break;
    if (!q.match.empty())
      earlier.push_back(q.name);
  }
  return fmt::format("{}", fmt::join(earlier, ", "));
}

std::string numbers(const table::Table& t, const std::string& name) {
  std::vector<std::string> parts;
  for (const std::string& arch : t.arches) {
    auto it = t.index.find(arch);
    if (it == t.index.end())
      continue;
    for (const auto& [nr, n] : it->second) {
      if (n == name)
        parts.push_back(fmt::format("{} {}", arch, nr));
    }
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

void row(std::string& out, const table::Row& r) {
  out += fmt::format("    {}  {}:{}:{}\n", r.id, r.source.file, r.source.line, r.source.column);
  out += fmt::format("      rule  {}\n", r.source.text);
  std::vector<std::string> when;
  for (const auto& p : r.when)
    when.push_back(table::render_predicate(p));
  out += fmt::format("      when  {}\n",
                     when.empty() ? "always" : fmt::format("{}", fmt::join(when, " and ")));
  for (const auto& q : r.requirements) {
    out += fmt::format("      {} (else errno EPERM)\n", table::render_requirement(q));
  }
  out += fmt::format("      then  {}\n", table::render_action(r.action));
  if (r.reads_memory) {
    out += fmt::format("      note  reads the caller's memory{}\n",
                       r.action.response == table::Response::Continue && r.continue_ok
                           ? "; CONTINUE accepted"
                           : "");
  }
}

}  // namespace

std::string explain(const table::Table& t) {
  std::string out = fmt::format("table {} v{}\n", table::kSchemaName, t.version);
  out += fmt::format("architectures  {}\n", fmt::join(t.arches, " "));
  for (const auto& [name, action] : t.passthrough) {
    out += fmt::format("passthrough  {}: {}\n", name, table::render_action(action));
  }
  for (const table::Policy& p : t.policies) {
    out += fmt::format("\npolicy {}  ({})\n", p.name, p.file);
    if (!p.description.empty())
      out += fmt::format("  description  {}\n", p.description);
    out += fmt::format("  applies to   {}\n", selector(t, p));
    if (!p.match.empty() && !tried_before(t, p).empty()) {
      out += fmt::format("  unless       the selector of an earlier policy matches first: {}\n",
                         tried_before(t, p));
    }
    for (const table::Publish& to : p.publish) {
      out += fmt::format("  publishes to {}, every notification of {}\n", name_of(to.to),
                         to.when.empty()
                             ? std::string("its containers")
                             : fmt::format("its containers where {}", conditions(to.when)));
    }
    out += fmt::format(
        "  default      {} (also for every syscall the kernel notifies that no "
        "policy of the table names)\n",
        table::render_action(p.default_action));
    for (const auto& [name, rules] : p.syscalls) {
      out += fmt::format("  syscall {}  [{}]\n", name, numbers(t, name));
      for (const table::Row& r : rules.rows)
        row(out, r);
      if (rules.rows.empty() || !rules.rows.back().when.empty()) {
        out += fmt::format("    otherwise  {} (policy default)\n",
                           table::render_action(p.default_action));
      }
    }
  }
  return out;
}

}  // namespace sa::passes
