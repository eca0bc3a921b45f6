#include "passes/resolve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "dsl/parser.hpp"
#include "model/catalog/constants.hpp"
#include "model/catalog/syscalls.hpp"
#include "passes/resolve_context.hpp"
#include "passes/resolve_tests.hpp"

namespace sa::passes {
namespace {

namespace code = diag::code;
using detail::Context;

void report_syntax(const Context& ctx, const std::vector<dsl::SyntaxError>& errors) {
  for (const auto& e : errors) {
    auto& d = ctx.error(e.code, e.message, e.span);
    d.hint = e.hint;
  }
}

// `as agent` lends the caller the agent's power; said once per rule.
void warn_as_agent(const Context& ctx, const dsl::Action& a) {
  if (!a.response || a.response->credentials != model::Credentials::Agent)
    return;
  ctx.warning(code::kAsAgent,
              "emulated with the agent's full privileges: the caller can do through this rule "
              "what the kernel would refuse it",
              a.response->as_span)
      .hint =
      "without `as agent` the call runs with the caller's credentials and only the capability "
      "its emulation grants";
}

std::string arch_list(const std::vector<catalog::Arch>& arches) {
  std::vector<std::string> names;
  for (const auto& a : arches)
    names.push_back(a.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string known_sinks() {
  std::vector<std::string_view> names;
  names.reserve(Vocabulary<table::Sink>::count);
  for (const auto& e : Vocabulary<table::Sink>::names)
    names.push_back(e.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

class Resolver {
 public:
  Resolver(const PolicyDoc& doc, const std::vector<catalog::Arch>& arches, diag::Sink& sink,
           BaseDenied base)
      : doc_(doc), arches_(arches), sink_(sink), base_(base) {}

  ResolvedPolicy run() {
    out_.file = doc_.file;
    out_.name = doc_.name.text;
    out_.name_scalar = doc_.name;
    out_.description = doc_.description;
    selector();
    publish();
    parse_rules();
    collect_intercepts();
    default_action();
    for (size_t i = 0; i < parsed_.size(); ++i) {
      if (parsed_[i].ok())
        rule(doc_.rules[i], parsed_[i].value);
    }
    out_.tests = resolve_tests(doc_, out_, arches_, sink_);
    return std::move(out_);
  }

 private:
  const PolicyDoc& doc_;
  const std::vector<catalog::Arch>& arches_;
  diag::Sink& sink_;
  BaseDenied base_;
  ResolvedPolicy out_;
  std::vector<dsl::Parsed<dsl::Rule>> parsed_;
  std::set<std::string> warned_missing_;

  void selector() { out_.match = selector_of(doc_.match); }

  void publish() {
    for (const PublishDoc& p : doc_.publish) {
      const auto sink = value_of<table::Sink>(p.to.text);
      if (!sink) {
        const Context ctx{p.to, sink_};
        ctx.error(code::kBadValue, fmt::format("'{}' is not a sink to publish to", p.to.text),
                  dsl::Span{0, static_cast<uint32_t>(p.to.text.size())})
            .hint = fmt::format("known sinks: {}", known_sinks());
        continue;
      }
      out_.publish.push_back(table::Publish{*sink, selector_of(p.when)});
    }
  }

  static table::Selector selector_of(const SelectorDoc& m) {
    table::Selector out;
    for (const auto& [k, v] : m.meta)
      out.meta[k] = v.text;
    for (const auto& [k, v] : m.annotations)
      out.annotations[k] = v.text;
    if (m.pod_namespace)
      out.pod_namespace = m.pod_namespace->text;
    if (m.pod_name)
      out.pod_name = m.pod_name->text;
    if (m.container_name)
      out.container_name = m.container_name->text;
    for (const SelectorDoc& alternative : m.any)
      out.any.push_back(selector_of(alternative));
    return out;
  }

  void parse_rules() {
    for (const RuleDoc& r : doc_.rules) {
      parsed_.push_back(dsl::parse_rule(r.text.text));
      report_syntax(Context{r.text, sink_}, parsed_.back().errors);
    }
  }

  // Checks one syscall name; reports and returns false when it cannot be used.
  bool known_syscall(const Context& ctx, const std::string& name, dsl::Span at) {
    if (!catalog::syscall_exists_anywhere(name)) {
      auto& d = ctx.error(code::kUnknownSyscall, fmt::format("unknown syscall '{}'", name), at);
      if (auto near = catalog::closest(name, catalog::all_syscall_names())) {
        d.hint = fmt::format("did you mean '{}'?", *near);
      }
      return false;
    }
    std::vector<std::string> missing;
    for (const auto& a : arches_) {
      if (!catalog::syscall_number(name, a))
        missing.push_back(a.name);
    }
    if (missing.size() == arches_.size()) {
      ctx.error(code::kUnknownSyscall,
                fmt::format("syscall '{}' does not exist on the target architectures ({})", name,
                            arch_list(arches_)),
                at)
          .hint = "choose the architectures with --arch";
      return false;
    }
    if (!missing.empty() && warned_missing_.insert(name).second) {
      ctx.warning(code::kSyscallMissingOnArch,
                  fmt::format("'{}' does not exist on {}; there the rule does not apply", name,
                              fmt::join(missing, ", ")),
                  at);
    }
    return true;
  }

  void collect_intercepts() {
    std::set<std::string> names;
    for (const Scalar& s : doc_.intercept) {
      const Context ctx{s, sink_};
      if (known_syscall(ctx, s.text, dsl::Span{0, static_cast<uint32_t>(s.text.size())})) {
        names.insert(s.text);
      }
    }
    for (size_t i = 0; i < parsed_.size(); ++i) {
      if (!parsed_[i].ok())
        continue;
      const Context ctx{doc_.rules[i].text, sink_};
      for (const dsl::Name& n : parsed_[i].value.syscalls) {
        if (known_syscall(ctx, n.text, n.span))
          names.insert(n.text);
      }
    }
    add_base_denials(names);
    out_.intercepted.assign(names.begin(), names.end());
  }

  // `intercept_base_denials: true`: what the base denies, as if listed under
  // `intercept:` (the base's list holds only syscalls of the targets).
  void add_base_denials(std::set<std::string>& names) {
    if (!doc_.intercept_base_denials)
      return;
    if (!base_.given) {
      const Scalar& at = *doc_.intercept_base_denials;
      const Context ctx{at, sink_};
      ctx.error(code::kBadBase,
                "`intercept_base_denials` intercepts what the base profile denies, and there is "
                "no base profile",
                dsl::Span{0, static_cast<uint32_t>(at.text.size())})
          .hint = "give the runtime's default profile with rulec --base PROFILE";
      return;
    }
    if (base_.denied != nullptr)
      names.insert(base_.denied->begin(), base_.denied->end());
  }

  void default_action() {
    static const Scalar kImplicit{"continue", {}};
    const Scalar& text = doc_.default_action ? *doc_.default_action : kImplicit;
    out_.default_text = doc_.default_action;
    const ScalarPos at = doc_.default_action ? doc_.default_action->at : doc_.name.at;
    out_.default_source = table::SourceRef{doc_.file->path(), static_cast<uint32_t>(at.line + 1),
                                           static_cast<uint32_t>(at.column + 1), text.text};
    const Context ctx{text, sink_};
    const auto parsed = dsl::parse_actions(text.text);
    report_syntax(ctx, parsed.errors);
    if (!parsed.ok())
      return;
    if (auto a = detail::resolve_action(ctx, parsed.value, ""))
      out_.default_action = *a;
  }

  void rule(const RuleDoc& doc, const dsl::Rule& ast) {
    const Context ctx{doc.text, sink_};
    ResolvedRule r;
    r.number = doc.number;
    r.text = doc.text;
    r.syscalls_span = ast.syscalls_span;
    r.action_span = ast.action.span;
    std::vector<std::string> targets;
    if (ast.any_syscall) {
      targets = out_.intercepted;
      if (targets.empty()) {
        ctx.error(code::kUnknownSyscall,
                  "'*' stands for every syscall the policy intercepts, and it intercepts none",
                  ast.syscalls_span)
            .hint = "name syscalls in other rules or under `intercept:`";
        return;
      }
    } else {
      for (const dsl::Name& n : ast.syscalls) {
        const bool valid = std::find(out_.intercepted.begin(), out_.intercepted.end(), n.text) !=
                           out_.intercepted.end();
        if (valid && std::find(targets.begin(), targets.end(), n.text) == targets.end()) {
          targets.push_back(n.text);
        }
      }
    }
    std::vector<table::Requirement> reqs;
    for (const auto& q : ast.requirements) {
      if (auto x = detail::resolve_requirement(ctx, q))
        reqs.push_back(*x);
    }
    bool ok = reqs.size() == ast.requirements.size();
    for (const std::string& s : targets) {
      auto row = syscall_row(ctx, doc, ast, s);
      if (!row) {
        ok = false;
        continue;
      }
      row->requirements = reqs;
      r.syscalls.push_back(s);
      r.rows.push_back(std::move(*row));
    }
    if (ok && !r.rows.empty()) {
      warn_as_agent(ctx, ast.action);
      out_.rules.push_back(std::move(r));
    }
  }

  std::optional<table::Row> syscall_row(const Context& ctx, const RuleDoc& doc,
                                        const dsl::Rule& ast, const std::string& syscall) {
    table::Row row;
    row.id = fmt::format("{}#{}", out_.name, doc.number);
    row.source = table::SourceRef{doc_.file->path(), static_cast<uint32_t>(doc.text.at.line + 1),
                                  static_cast<uint32_t>(doc.text.at.column + 1), doc.text.text};
    bool ok = true;
    if (ast.condition) {
      auto p = detail::resolve_condition(ctx, *ast.condition, syscall, &row.reads_memory);
      if (!p) {
        ok = false;
      } else if (p->kind == table::Predicate::Kind::All) {
        row.when = std::move(p->children);
      } else {
        row.when.push_back(std::move(*p));
      }
    }
    auto action = detail::resolve_action(ctx, ast.action, syscall);
    if (!action)
      ok = false;
    else
      row.action = std::move(*action);
    if (!ok)
      return std::nullopt;
    return row;
  }
};

}  // namespace

ResolvedPolicy resolve(const PolicyDoc& doc, const std::vector<catalog::Arch>& arches,
                       diag::Sink& sink, BaseDenied base) {
  return Resolver(doc, arches, sink, base).run();
}

}  // namespace sa::passes
