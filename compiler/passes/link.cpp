#include "passes/link.hpp"

#include <fmt/format.h>

#include "model/catalog/syscalls.hpp"

namespace sa::passes {

std::set<std::string> intercepted(const std::vector<table::Policy>& policies) {
  std::set<std::string> out;
  for (const auto& p : policies) {
    for (const auto& [name, rules] : p.syscalls)
      out.insert(name);
  }
  return out;
}

table::Table link(std::vector<table::Policy> policies, const std::vector<catalog::Arch>& arches,
                  std::map<std::string, table::Action> passthrough) {
  table::Table t;
  for (const auto& a : arches)
    t.arches.push_back(a.name);
  for (const std::string& name : intercepted(policies)) {
    for (const auto& a : arches) {
      if (auto nr = catalog::syscall_number(name, a))
        t.index[a.name][*nr] = name;
    }
  }
  t.passthrough = std::move(passthrough);
  t.policies = std::move(policies);
  return t;
}

void check_unique_names(const std::vector<ResolvedPolicy>& policies, diag::Sink& sink) {
  for (size_t i = 0; i < policies.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (policies[i].name != policies[j].name)
        continue;
      const Scalar& s = policies[i].name_scalar;
      report(sink, diag::Severity::Error, diag::code::kDuplicatePolicy,
             fmt::format("policy '{}' is already defined in {}:{}", s.text,
                         policies[j].file->path(), policies[j].name_scalar.at.line + 1),
             locate(s.at, static_cast<uint32_t>(std::max<size_t>(1, s.text.size()))), s.at.file)
          .hint = "policy names select policies (policy=NAME); they must be unique";
      break;
    }
  }
}

}  // namespace sa::passes
