#include "engine/actions.hpp"

#include <fmt/format.h>

#include <cerrno>

namespace sa::engine::detail {
namespace {

// A literal duration, or a template expanded then parsed as Go's
// time.ParseDuration would. An invalid one counts as 0 and says so: the
// caller must see the warning (a typo in listenerMetadata is not silent).
std::optional<uint64_t> duration(const table::Duration& d,
                                 const std::optional<table::Template>& tpl, std::string_view what,
                                 Evaluation& ev) {
  if (d.millis)
    return *d.millis;
  if (!tpl)
    return 0;
  auto text = ev.expand(*tpl);
  if (!text)
    return std::nullopt;
  if (auto ms = table::parse_go_duration(*text))
    return *ms;
  ev.warn(fmt::format("{} \"{}\" (from \"{}\") is not a duration; using 0", what, *text,
                      d.template_text));
  return 0;
}

// `delay until age D`: what is left of D once the caller's age is taken
// off. No delay at all (rather than one of 0) when it has lived D already,
// so that the decision reads as what happens: `continue`. An age the agent
// could not read waits nothing, with a warning, as Kinvolk's agent goes on
// when it cannot stat /proc/PID. False (the evaluation ends: the caller's
// facts are unavailable) when the caller is gone.
bool wait_rest_of_age(Evaluation& ev, Decision& d) {
  const model::CallerFacts* c = ev.caller();
  if (c == nullptr)
    return false;
  if (!c->age_ms) {
    ev.warn("the caller's age is not known; not waiting");
    d.delay_ms.reset();
  } else if (*d.delay_ms > *c->age_ms) {
    d.delay_ms = *d.delay_ms - *c->age_ms;
  } else {
    d.delay_ms.reset();
  }
  return true;
}

// Every argument of the operation's signature: strings read (once, shared
// with the predicates), integers normalised.
bool resolve_arguments(const catalog::SyscallSignature& sig, Evaluation& ev, model::Emulation& e) {
  e.args.reserve(sig.args.size());
  for (size_t i = 0; i < sig.args.size(); ++i) {
    const catalog::ArgSpec& spec = sig.args[i];
    model::ResolvedArg r;
    r.name = spec.name;
    r.index = static_cast<int>(i);
    r.type = spec.type;
    if (catalog::is_string(spec.type)) {
      const model::StringRead* s = ev.string(r.index);
      if (s == nullptr)
        return false;
      r.is_null = s->status == model::StringRead::Status::Null;
      r.text = s->value;
    } else {
      r.integer = ev.integer(r.index, spec.type);
    }
    e.args.push_back(std::move(r));
  }
  return true;
}

bool apply_parameters(const CompiledAction& a, Evaluation& ev, model::Emulation& e) {
  const auto& params = a.source->params;
  for (size_t i = 0; i < params.size(); ++i) {
    model::ResolvedArg& r = e.args[static_cast<size_t>(params[i].arg)];
    r.overridden = true;
    if (!a.params[i]) {
      r.integer = params[i].integer;
      continue;
    }
    auto text = ev.expand(*a.params[i]);
    if (!text)
      return false;
    r.text = std::move(*text);
    r.is_null = false;
  }
  return true;
}

// The caller's own pathname, as the kernel checks it before anything else
// (and before a rule's parameter replaces it): NULL is EFAULT, "" ENOENT.
// 0 when it is a pathname the kernel would look up.
int pathname_error(const model::Emulation& call, Evaluation& ev) {
  const model::ResolvedArg* arg = call.find(model::pathname_arg(call.op));
  if (arg == nullptr)
    return 0;
  const model::StringRead* read = ev.string(arg->index);
  if (read == nullptr)
    return 0;  // a failed read: the evaluation answers its errno
  if (read->status == model::StringRead::Status::Null)
    return EFAULT;
  return read->value.empty() ? ENOENT : 0;
}

Answer resolve_emulation(const CompiledAction& a, Evaluation& ev) {
  Emulate e;
  e.call.op = a.source->emulator;
  e.call.credentials = a.source->credentials;
  if (!resolve_arguments(*a.signature, ev, e.call))
    return e;
  if (const int err = pathname_error(e.call, ev); err != 0)
    return Fail{err};
  apply_parameters(a, ev, e.call);
  return e;
}

Answer answer_of(const CompiledAction& a, Evaluation& ev) {
  const table::Action& src = *a.source;
  switch (src.response) {
    case table::Response::Continue:
      return Continue{};
    case table::Response::Errno:
      return Fail{src.error};
    case table::Response::Return:
      return Return{src.value};
    case table::Response::Kill:
      return Kill{};
    case table::Response::Emulate:
      return resolve_emulation(a, ev);
  }
  // A value outside the enum (a corrupted table): fail closed.
  return Fail{EPERM};
}

}  // namespace

void apply_action(const CompiledAction& a, Evaluation& ev, Decision& d) {
  const table::Action& src = *a.source;
  d.log = src.log;
  if (src.delay) {
    d.delay_ms = duration(*src.delay, a.delay, "delay", ev);
    if (!d.delay_ms)
      return;
    switch (src.delay_from) {
      case table::DelayFrom::Decision:
        break;
      case table::DelayFrom::CallerStart:
        if (!wait_rest_of_age(ev, d))
          return;
        break;
    }
  }
  if (src.stop_after) {
    d.stop_after_ms = duration(*src.stop_after, a.stop_after, "stop container after", ev);
    if (!d.stop_after_ms)
      return;
    d.stop_mode = src.stop_mode;
  }
  d.answer = answer_of(a, ev);
}

}  // namespace sa::engine::detail
