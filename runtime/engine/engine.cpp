#include "engine/engine.hpp"

#include <cerrno>
#include <functional>
#include <stdexcept>

#include "engine/actions.hpp"
#include "engine/evaluation.hpp"
#include "engine/predicates.hpp"

namespace sa::engine {
namespace {

using detail::Evaluation;
using detail::Failure;

void respond_errno(Decision& d, int error, model::Origin origin) {
  d.answer = Fail{error};
  d.origin = origin;
  d.delay_ms.reset();
  d.stop_after_ms.reset();
  d.stop_mode = table::StopMode::Kill;
  d.log = false;
}

// Passthrough and no-policy: what the base profile does without the agent.
void passthrough(const detail::SyscallSlot& slot, Evaluation& ev, model::Origin origin,
                 Decision& d) {
  d.origin = origin;
  if (slot.passthrough)
    detail::apply_action(*slot.passthrough, ev, d);
}

// The end of every evaluation that got as far as a row or the default.
void finish(Evaluation& ev, bool continue_ok, Decision& d) {
  switch (ev.failure()) {
    case Failure::ReadFailed:
      respond_errno(d, ev.read_error(), model::Origin::ReadFailed);
      break;
    case Failure::FactsUnavailable:
      respond_errno(d, EPERM, model::Origin::FactsUnavailable);
      break;
    case Failure::None:
      break;
  }
  d.read_memory = ev.read_memory();
  d.warnings = ev.take_warnings();
  // The compiler never emits a CONTINUE decided on memory the caller can
  // rewrite unless it was acknowledged; this guards hand-edited and stale
  // tables, so that the daemon never acts on one.
  if (d.is_continue() && d.read_memory && !continue_ok) {
    respond_errno(d, EPERM, model::Origin::UnsafeContinueRefused);
    d.warnings.emplace_back(
        "CONTINUE refused: the decision read the caller's memory and the table does not mark it "
        "safe (recompile the policy, or acknowledge it with `continue unsafe`)");
  }
}

// False (and the decision answered) when a requirement of the matched row
// does not hold or the caller's credentials cannot be seen.
bool requirements_hold(const detail::CompiledRow& row, Evaluation& ev, Decision& d) {
  for (const table::Requirement& r : row.source->requirements) {
    const model::CallerFacts* c = ev.caller();
    if (c == nullptr)
      return false;  // finish() answers for the failure
    if (!detail::has_capability(*c, r.capability, r.in_userns)) {
      respond_errno(d, EPERM, model::Origin::Requirement);
      return false;
    }
  }
  return true;
}

// The first row whose `when` holds decides, else the policy default. Returns
// whether the table allows a CONTINUE after memory reads for what decided.
bool decide_rows(const detail::CompiledSyscall& rules, const detail::CompiledPolicy& p,
                 Evaluation& ev, Decision& d) {
  for (const detail::CompiledRow& row : rules.rows) {
    const detail::Truth t = detail::all_hold(row.when, ev);
    if (t == detail::Truth::Abort)
      return false;
    if (t == detail::Truth::False)
      continue;
    d.row = row.source;
    d.origin = model::Origin::Rule;
    if (!requirements_hold(row, ev, d))
      return false;
    detail::apply_action(row.action, ev, d);
    return row.source->continue_ok;
  }
  d.origin = model::Origin::Default;
  detail::apply_action(p.default_action, ev, d);
  return rules.source->default_continue_ok;
}

// A syscall the kernel notified although no policy of the table names it:
// the container's profile was written elsewhere (runc's tests, a platform
// team's Localhost profile). Its policy's default decides; without a policy
// nothing says what the profile meant, and the call fails closed.
void unnamed(const detail::CompiledPolicy* p, Evaluation& ev, Decision& d) {
  if (p == nullptr) {
    respond_errno(d, ENOSYS, model::Origin::UnknownSyscall);
    return;
  }
  d.origin = model::Origin::Unnamed;
  detail::apply_action(p->default_action, ev, d);
  // A default reads no caller memory (it has no conditions and its templates
  // name no argument); were it to, no CONTINUE was checked for it.
  finish(ev, false, d);
}

}  // namespace

Engine::Engine(table::Table table) : table_(std::move(table)), compiled_(detail::compile(table_)) {}

const detail::CompiledPolicy& Engine::compiled(const table::Policy* policy) const {
  const auto& all = table_.policies;
  const std::less<const table::Policy*> before;
  if (!all.empty() && !before(policy, all.data()) && before(policy, all.data() + all.size())) {
    return compiled_.policies[static_cast<size_t>(policy - all.data())];
  }
  throw std::invalid_argument(
      "Engine::evaluate: the policy does not belong to this engine's table");
}

int32_t Engine::syscall_slot(const model::Notification& n) const {
  const detail::ArchSlots* arch = compiled_.arch(n.audit_arch);
  return arch == nullptr ? -1 : arch->slot(n.nr);
}

Decision Engine::evaluate(const table::Policy* policy, const model::ContainerInfo& c,
                          const model::Notification& n, FactSource& facts) const {
  Decision d;
  d.policy = policy;
  const detail::ArchSlots* arch = compiled_.arch(n.audit_arch);
  const int32_t slot = arch == nullptr ? -1 : arch->slot(n.nr);
  if (slot < 0) {
    // No syscall by that number on a target architecture: ENOSYS is what
    // the kernel answers for no syscall.
    respond_errno(d, ENOSYS, model::Origin::UnknownSyscall);
    return d;
  }
  const detail::SyscallSlot& s = compiled_.slots[static_cast<size_t>(slot)];
  d.syscall = s.name;
  Evaluation ev(c, n, facts, arch->word_bits);
  if (!s.in_table) {
    unnamed(policy == nullptr ? nullptr : &compiled(policy), ev, d);
    return d;
  }
  if (policy == nullptr) {
    passthrough(s, ev, model::Origin::NoPolicy, d);
    finish(ev, true, d);
    return d;
  }
  const detail::CompiledPolicy& p = compiled(policy);
  const int32_t rules = p.syscall_by_slot[static_cast<size_t>(slot)];
  if (rules < 0) {
    passthrough(s, ev, model::Origin::Passthrough, d);
    finish(ev, true, d);
    return d;
  }
  const bool continue_ok = decide_rows(p.syscalls[static_cast<size_t>(rules)], p, ev, d);
  finish(ev, continue_ok, d);
  return d;
}

}  // namespace sa::engine
