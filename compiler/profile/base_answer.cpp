#include "profile/base_answer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>

#include "model/catalog/constants.hpp"
#include "model/table/render.hpp"

namespace sa::profile {
namespace {

bool names(const BaseEntry& e, const std::string& syscall) {
  return std::find(e.names.begin(), e.names.end(), syscall) != e.names.end();
}

std::string conditions(const BaseEntry& e) {
  std::vector<std::string> parts;
  for (const ArgCondition& c : e.args)
    parts.push_back(describe(c));
  return fmt::format("{}", fmt::join(parts, " and "));
}

// "with SCMP_ACT_ALLOW when arg0 == 0, or arg0 == 8; with SCMP_ACT_ERRNO (EPERM) when ..."
std::string conditional_answers(const std::vector<const BaseEntry*>& entries) {
  std::vector<std::pair<std::string, std::vector<std::string>>> by_action;
  for (const BaseEntry* e : entries) {
    const std::string action = describe_action(e->action, e->errno_ret);
    auto it = std::find_if(by_action.begin(), by_action.end(),
                           [&](const auto& p) { return p.first == action; });
    if (it == by_action.end())
      it = by_action.insert(by_action.end(), {action, {}});
    it->second.push_back(conditions(*e));
  }
  std::vector<std::string> parts;
  for (const auto& [action, conds] : by_action) {
    parts.push_back(fmt::format("with {} when {}", action, fmt::join(conds, ", or ")));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

std::string selection(const BaseEntry& e) {
  std::vector<std::string> parts;
  for (const char* key : {"includes", "excludes"}) {
    if (e.source.contains(key) && !e.source.at(key).empty()) {
      parts.push_back(fmt::format("{} {}", key, e.source.at(key).dump()));
    }
  }
  return fmt::format("{} {}", describe_action(e.action, e.errno_ret), fmt::join(parts, " "));
}

// The action as a rule would write it ("errno EPERM", "kill", "return 0").
std::string rule_action(const table::Action& a) {
  if (a.response != table::Response::Errno)
    return table::render_action(a);
  const std::string name = catalog::errno_name(a.error);
  return fmt::format("errno {}", name.empty() ? std::to_string(a.error) : name);
}

void report_blocking(const BaseProfile& base, const BaseAnswer& a, const std::string& syscall,
                     diag::Sink& sink) {
  const std::string answer = describe_action(a.action, a.errno_ret);
  const std::string how = a.entry != nullptr
                              ? fmt::format("answers {} with {}", syscall, answer)
                              : fmt::format("blocks {} by its defaultAction {}", syscall, answer);
  auto& d = sink.warning(
      diag::code::kBaseBlocks,
      fmt::format("the base profile {}, but {} is intercepted: the agent's policy now decides "
                  "those calls where its rules match (and its default where none does); "
                  "containers whose policy has no rule for {} still get {}",
                  how, syscall, syscall, answer),
      diag::Location{base.path});
  d.hint = fmt::format(
      "to keep the base's answer where no rule matches, end the policy with `{} "
      "-> {}`",
      syscall, rule_action(to_table_action(a.action, a.errno_ret)));
}

void report_conditional(const BaseProfile& base, const BaseAnswer& a, const std::string& syscall,
                        diag::Sink& sink) {
  sink.warning(
      diag::code::kBaseBlocks,
      fmt::format("the base profile answers {} {}: libseccomp drops a syscall's "
                  "argument-conditional rules once it also has an unconditional one, so the "
                  "generated profile leaves {} out and every {} call reaches the agent; "
                  "containers whose policy has no rule for {} get {} for all of them",
                  syscall, conditional_answers(a.conditional),
                  a.conditional.size() == 1 ? "that entry" : "those entries", syscall, syscall,
                  describe_action(a.action, a.errno_ret)),
      diag::Location{base.path});
}

void report_selective(const BaseProfile& base, const BaseAnswer& a, const std::string& syscall,
                      diag::Sink& sink) {
  std::vector<std::string> parts;
  for (const BaseEntry* e : a.selective)
    parts.push_back(selection(*e));
  sink.warning(diag::code::kBaseBlocks,
               fmt::format("the base profile answers {} differently for some containers ({}): "
                           "the generated profile leaves {} out of {}, and containers whose "
                           "policy has no rule for {} get {}, the base's answer where no such "
                           "entry applies",
                           syscall, fmt::join(parts, "; "), syscall,
                           a.selective.size() == 1 ? "that entry" : "those entries", syscall,
                           describe_action(a.action, a.errno_ret)),
               diag::Location{base.path});
}

}  // namespace

bool BaseAnswer::plain_allow() const {
  if (!has_base)
    return true;
  return entry == nullptr && conditional.empty() && selective.empty() &&
         action == ScmpAction::Allow;
}

bool BaseAnswer::blocks() const {
  return has_base && action != ScmpAction::Allow && action != ScmpAction::Log;
}

BaseAnswer base_answer(const BaseProfile* base, const std::string& syscall) {
  BaseAnswer a;
  if (base == nullptr)
    return a;
  a.has_base = true;
  a.action = base->default_action;
  a.errno_ret = base->default_errno_ret;
  const uint32_t def = default_action(*base);
  for (const BaseEntry& e : base->entries) {
    if (!names(e, syscall) || entry_action(e) == def)
      continue;
    if (e.selective) {
      a.selective.push_back(&e);
    } else if (!e.args.empty()) {
      a.conditional.push_back(&e);
    } else if (a.entry == nullptr) {
      a.entry = &e;
      a.action = e.action;
      a.errno_ret = e.errno_ret;
    }
  }
  if (a.entry != nullptr)
    a.conditional.clear();
  return a;
}

table::Action to_table_action(ScmpAction a, std::optional<uint32_t> errno_ret) {
  table::Action out;
  switch (a) {
    case ScmpAction::Allow:
    case ScmpAction::Log:
      break;
    case ScmpAction::Errno: {
      const uint32_t e = errno_ret.value_or(EPERM);
      if (e == 0) {
        out.response = table::Response::Return;
      } else {
        out.response = table::Response::Errno;
        out.error = static_cast<int>(e);
      }
      break;
    }
    case ScmpAction::Trace:
    case ScmpAction::Notify:
      out.response = table::Response::Errno;
      out.error = ENOSYS;
      break;
    case ScmpAction::Trap:
    case ScmpAction::Kill:
    case ScmpAction::KillThread:
    case ScmpAction::KillProcess:
      out.response = table::Response::Kill;
      break;
  }
  return out;
}

std::string describe_action(ScmpAction a, std::optional<uint32_t> errno_ret) {
  if (a == ScmpAction::Trace)
    return fmt::format("{} (ENOSYS without a tracer)", name_of(a));
  if (a != ScmpAction::Errno)
    return std::string(name_of(a));
  const uint32_t e = errno_ret.value_or(EPERM);
  if (e == 0)
    return fmt::format("{} (errnoRet 0: the call returns 0)", name_of(a));
  const std::string name = catalog::errno_name(static_cast<int>(e));
  return fmt::format("{} ({})", name_of(a), name.empty() ? fmt::format("errno {}", e) : name);
}

void report_layering(const BaseProfile& base, const std::string& syscall, diag::Sink& sink) {
  const BaseAnswer a = base_answer(&base, syscall);
  if (a.blocks())
    report_blocking(base, a, syscall, sink);
  if (!a.conditional.empty())
    report_conditional(base, a, syscall, sink);
  if (!a.selective.empty())
    report_selective(base, a, syscall, sink);
}

std::map<std::string, table::Action> passthrough(const BaseProfile* base,
                                                 const std::set<std::string>& intercepted,
                                                 diag::Sink& sink,
                                                 const std::set<std::string>& expected) {
  std::map<std::string, table::Action> out;
  for (const std::string& syscall : intercepted) {
    const BaseAnswer a = base_answer(base, syscall);
    out[syscall] = to_table_action(a.action, a.errno_ret);
    if (base != nullptr && expected.count(syscall) == 0)
      report_layering(*base, syscall, sink);
  }
  return out;
}

}  // namespace sa::profile
