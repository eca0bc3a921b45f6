#include "passes/lower.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "model/call/emulator.hpp"

namespace sa::passes {
namespace {

namespace code = diag::code;

// Where each row came from, to report against the rule text.
struct Origin {
  const ResolvedRule* rule;
  size_t index;  // in rule->rows
};

bool denies(const table::Action& a) {
  using R = table::Response;
  return a.response == R::Errno || a.response == R::Return || a.response == R::Kill || a.stop_after;
}

// A failed requirement answers EPERM. On a rule that emulates, that EPERM only
// withholds a grant: a caller who swaps the argument to dodge it ends up with
// the kernel's own handling of the call, which it has without any agent. On
// any other rule the EPERM is a denial like errno.
bool denies(const table::Row& r) {
  const bool requirement_denies =
      !r.requirements.empty() && r.action.response != table::Response::Emulate;
  return denies(r.action) || requirement_denies;
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
    out.publish = p_.publish;
    out.default_action = p_.default_action;
    out.default_source = p_.default_source;
    for (const std::string& s : p_.intercepted)
      out.syscalls[s].name = s;
    order_rows(out);
    for (auto& [name, rules] : out.syscalls)
      check_continue(name, rules);
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
        if (r.rows[i].when.empty())
          catch_all.emplace(s, &r);
      }
      if (hidden.empty())
        continue;
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
  // re-read that memory later; the caller can change it in between. The
  // caller gains from that only if, for the same registers, the policy would
  // deny the value the kernel ends up using: a denying row after the CONTINUE
  // (or a denying default), or a denying row before it that itself looked at
  // memory (a register-only row before it did not match these registers and
  // never will). `continue unsafe` acknowledges the window.
  void check_continue(const std::string& name, table::SyscallRules& rules) {
    const auto& rows = rules.rows;
    const auto& origins = origins_[name];
    auto first_deny = [&](size_t from, size_t to, bool memory_only) -> std::optional<size_t> {
      for (size_t j = from; j < to; ++j) {
        if (denies(rows[j]) && (!memory_only || rows[j].reads_memory))
          return j;
      }
      return std::nullopt;
    };
    bool memory = false;
    for (size_t k = 0; k < rows.size(); ++k) {
      table::Row& row = rules.rows[k];
      memory = memory || row.reads_memory;
      if (row.action.response != table::Response::Continue)
        continue;
      auto denier = first_deny(k + 1, rows.size(), false);
      if (!denier)
        denier = first_deny(0, k, true);
      const bool default_denies = !denier && denies(p_.default_action);
      row.continue_ok = !memory || (!denier && !default_denies) || row.action.unsafe;
      if (row.continue_ok)
        continue;
      const ResolvedRule& r = *origins[k].rule;
      const std::string by =
          denier ? where(*origins[*denier].rule) : std::string("the policy default");
      report_rule(diag::Severity::Error, code::kUnsafeContinue, r, r.action_span,
                  fmt::format("unsafe CONTINUE: {} is answered CONTINUE after the caller's memory "
                              "was read, while {} denies it; the caller can change the argument "
                              "between this check and the kernel's own read",
                              name, by))
          .hint = continue_hint(name);
    }
    // An unconditional row, always the last one, hides the default.
    const bool default_reachable = rows.empty() || !rows.back().when.empty();
    const bool default_continues = p_.default_action.response == table::Response::Continue;
    const auto denier = first_deny(0, rows.size(), true);
    rules.default_continue_ok =
        !default_reachable || !default_continues || !memory || !denier || p_.default_action.unsafe;
    if (rules.default_continue_ok)
      return;
    const ResolvedRule& r = *origins[*denier].rule;
    report_rule(diag::Severity::Error, code::kUnsafeContinue, r, r.syscalls_span,
                fmt::format("unsafe CONTINUE: calls to {} that no rule matches are answered "
                            "CONTINUE (the policy default) after the caller's memory was read, "
                            "while this rule denies {}; the caller can change the argument "
                            "between the check and the kernel's own read",
                            name, name))
        .hint = default_continue_hint(name);
  }

  // What makes an unsafe CONTINUE safe: `emulate`, where the agent can carry
  // the syscall out on the value it checked (an open: the agent opens the
  // file and installs it in the caller).
  static bool emulatable(const std::string& name) {
    return value_of<model::Emulator>(name).has_value();
  }

  static std::string continue_hint(const std::string& name) {
    if (emulatable(name))
      return fmt::format(
          "write `emulate` instead of `continue`: the agent then carries {} out itself on the "
          "value it checked; or write `continue unsafe` to acknowledge",
          name);
    return fmt::format(
        "{} has no emulator: deny it instead, or write `continue unsafe` to acknowledge", name);
  }

  static std::string default_continue_hint(const std::string& name) {
    if (emulatable(name))
      return fmt::format(
          "answer the calls it allows with `emulate` and end its rules with a denial "
          "(`{} -> errno EACCES`), or with `{} -> continue unsafe` to acknowledge",
          name, name);
    return fmt::format(
        "end its rules with a denial, or with `{} -> continue unsafe` to acknowledge", name);
  }
};

}  // namespace

table::Policy lower(const ResolvedPolicy& policy, diag::Sink& sink) {
  return Lowering(policy, sink).run();
}

}  // namespace sa::passes
