#include "passes/lower.hpp"

#include <fmt/format.h>

#include <map>

namespace sa::passes {
namespace {

namespace code = diag::code;

// Where each row came from, to report against the rule text.
struct Origin {
  const ResolvedRule* rule;
  size_t index;  // in rule->rows
};

bool denies(const table::Row& r) {
  using R = table::Response;
  return r.action.response == R::Errno || r.action.response == R::Return ||
         r.action.response == R::Kill || r.action.stop || !r.requirements.empty();
}

bool denies(const table::Action& a) {
  using R = table::Response;
  return a.response == R::Errno || a.response == R::Return || a.response == R::Kill || a.stop;
}

class Lowering {
 public:
  Lowering(const ResolvedPolicy& p, diag::Sink& sink) : p_(p), sink_(sink) {}

  table::Policy run() {
    table::Policy out;
    out.name = p_.name;
    out.file = p_.file->path();
    out.description = p_.description;
    out.match = p_.match;
    out.default_action = p_.default_action;
    out.default_source = p_.default_source;
    for (const std::string& s : p_.intercepted) out.syscalls[s].name = s;
    order_rows(out);
    for (auto& [name, rules] : out.syscalls) check_continue(name, rules);
    return out;
  }

 private:
  const ResolvedPolicy& p_;
  diag::Sink& sink_;
  std::map<std::string, std::vector<Origin>> origins_;

  diag::Diagnostic& report_rule(diag::Severity sev, std::string_view c, const ResolvedRule& r,
                                dsl::Span at, std::string message) {
    return report(sink_, sev, c, std::move(message), locate_in(r.text, at.offset, at.length),
                  r.text.at.file);
  }

  static std::string where(const ResolvedRule& r) {
    return fmt::format("rule #{} (line {})", r.number, r.text.at.line + 1);
  }

  void order_rows(table::Policy& out) {
    // The first unconditional row of each syscall, which hides all later ones.
    std::map<std::string, const ResolvedRule*> catch_all;
    for (const ResolvedRule& r : p_.rules) {
      std::vector<std::string> hidden;
      const ResolvedRule* by = nullptr;
      for (size_t i = 0; i < r.rows.size(); ++i) {
        const std::string& s = r.syscalls[i];
        if (auto it = catch_all.find(s); it != catch_all.end()) {
          hidden.push_back(s);
          by = it->second;
          continue;
        }
        out.syscalls[s].rows.push_back(r.rows[i]);
        origins_[s].push_back(Origin{&r, i});
        if (r.rows[i].when.empty()) catch_all.emplace(s, &r);
      }
      if (hidden.empty()) continue;
      const bool all = hidden.size() == r.rows.size();
      const std::string calls = fmt::format("{}", fmt::join(hidden, ", "));
      const std::string message =
          all ? fmt::format("this rule can never match: {} matches every call to {} first",
                            where(*by), calls)
              : fmt::format("this rule never applies to {}: {} matches every call to {} first",
                            calls, where(*by), calls);
      report_rule(all ? diag::Severity::Error : diag::Severity::Warning,
                  all ? code::kShadowedRule : code::kShadowedPart, r, r.syscalls_span, message)
          .hint = fmt::format("move it before rule #{}, or give rule #{} a condition", by->number,
                              by->number);
    }
  }

  // A CONTINUE decided after reading the caller's memory lets the kernel
  // re-read that memory later; the caller can change it in between. That is
  // only acceptable when no decision for the syscall denies anything, or when
  // the rule says it knows (`continue unsafe`).
  void check_continue(const std::string& name, table::SyscallRules& rules) {
    const auto& origins = origins_[name];
    const table::Row* deny = nullptr;
    size_t deny_index = 0;
    for (size_t i = 0; i < rules.rows.size(); ++i) {
      if (denies(rules.rows[i])) {
        deny = &rules.rows[i];
        deny_index = i;
        break;
      }
    }
    const bool default_denies = denies(p_.default_action);
    bool memory = false;
    for (size_t i = 0; i < rules.rows.size(); ++i) {
      table::Row& row = rules.rows[i];
      memory = memory || row.reads_memory;
      if (row.action.response != table::Response::Continue) continue;
      const bool safe = !memory || (deny == nullptr && !default_denies) || row.action.unsafe;
      row.continue_ok = safe;
      if (safe) continue;
      const ResolvedRule& r = *origins[i].rule;
      const std::string denier = deny != nullptr ? where(*origins[deny_index].rule)
                                                 : std::string("the policy default");
      report_rule(diag::Severity::Error, code::kUnsafeContinue, r, r.action_span,
                  fmt::format("unsafe CONTINUE: {} is answered CONTINUE after the caller's memory "
                              "was read, while {} denies it; the caller can change the argument "
                              "between this check and the kernel's own read",
                              name, denier))
          .hint = "emulate the syscall instead, or write `continue unsafe` to acknowledge";
    }
    const bool default_continues = p_.default_action.response == table::Response::Continue;
    // An unconditional row, always the last one, hides the default.
    const bool default_reachable = rules.rows.empty() || !rules.rows.back().when.empty();
    rules.default_continue_ok = !default_reachable || !default_continues || !memory ||
                                deny == nullptr || p_.default_action.unsafe;
    if (rules.default_continue_ok) return;
    const ResolvedRule& r = *origins[deny_index].rule;
    report_rule(diag::Severity::Error, code::kUnsafeContinue, r, r.syscalls_span,
                fmt::format("unsafe CONTINUE: calls to {} that no rule matches are answered "
                            "CONTINUE (the policy default) after the caller's memory was read, "
                            "while this rule denies {}; the caller can change the argument "
                            "between the check and the kernel's own read",
                            name, name))
        .hint = fmt::format("emulate the syscall, or end its rules with `{} -> continue unsafe` "
                            "to acknowledge",
                            name);
  }
};

}  // namespace

table::Policy lower(const ResolvedPolicy& policy, diag::Sink& sink) {
  return Lowering(policy, sink).run();
}

}  // namespace sa::passes
