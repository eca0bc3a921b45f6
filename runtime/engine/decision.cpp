#include "engine/decision.hpp"

#include <fmt/format.h>

#include "model/catalog/constants.hpp"
#include "model/overloaded.hpp"
#include "model/table/render.hpp"

namespace sa::engine {
namespace {

std::string errno_text(int error) {
  const std::string name = catalog::errno_name(error);
  return name.empty() ? fmt::format("{}", error) : name;
}

std::string duration_text(uint64_t ms) {
  table::Duration d;
  d.millis = ms;
  return table::render_duration(d);
}

std::string response_text(const Decision& d, bool with_values) {
  return std::visit(Overloaded{
                        [](const Continue&) { return std::string("continue"); },
                        [](const Fail& f) { return fmt::format("errno {}", errno_text(f.error)); },
                        [](const Return& r) { return fmt::format("return {}", r.value); },
                        [](const Kill&) { return std::string("kill"); },
                        [&](const Emulate& e) {
                          return with_values ? fmt::format("emulate {}", e.call.describe())
                                             : fmt::format("emulate {}", name_of(e.call.op));
                        },
                    },
                    d.answer);
}

std::string outcome_text(const Decision& d) {
  const std::string_view name = d.syscall.empty() ? std::string_view("the syscall") : d.syscall;
  return std::visit(
      Overloaded{
          [&](const Continue&) { return fmt::format("the kernel runs {}", name); },
          [&](const Fail& f) { return fmt::format("{} fails with {}", name, errno_text(f.error)); },
          [&](const Return& r) {
            return fmt::format("{} returns {} without running", name, r.value);
          },
          [](const Kill&) { return std::string("the caller is killed (SIGKILL)"); },
          [](const Emulate& e) { return e.call.plan(); },
      },
      d.answer);
}

std::string where(const Decision& d) {
  if (d.row != nullptr) {
    const table::SourceRef& s = d.row->source;
    if (s.file.empty())
      return fmt::format(" ({})", d.row->id);
    return fmt::format(" ({} {}:{}:{})", d.row->id, s.file, s.line, s.column);
  }
  if (d.origin == model::Origin::Default && d.policy != nullptr) {
    const table::SourceRef& s = d.policy->default_source;
    if (s.file.empty())
      return fmt::format(" ({} default)", d.policy->name);
    return fmt::format(" ({} default {}:{}:{})", d.policy->name, s.file, s.line, s.column);
  }
  return fmt::format(" [{}]", name_of(d.origin));
}

}  // namespace

table::Response Decision::response() const {
  return std::visit(Overloaded{
                        [](const Continue&) { return table::Response::Continue; },
                        [](const Fail&) { return table::Response::Errno; },
                        [](const Return&) { return table::Response::Return; },
                        [](const Emulate&) { return table::Response::Emulate; },
                        [](const Kill&) { return table::Response::Kill; },
                    },
                    answer);
}

int Decision::error() const {
  const Fail* f = std::get_if<Fail>(&answer);
  return f == nullptr ? 0 : f->error;
}

int64_t Decision::value() const {
  const Return* r = std::get_if<Return>(&answer);
  return r == nullptr ? 0 : r->value;
}

const model::Emulation* Decision::emulation() const {
  const Emulate* e = std::get_if<Emulate>(&answer);
  return e == nullptr ? nullptr : &e->call;
}

std::string Decision::action_text() const {
  return action(true);
}

std::string Decision::action_kind() const {
  return action(false);
}

std::string Decision::action(bool with_values) const {
  std::string out;
  if (log)
    out += "log, ";
  if (delay_ms)
    out += fmt::format("delay {} then ", duration_text(*delay_ms));
  out += response_text(*this, with_values);
  if (stop_after_ms) {
    const uint64_t after = *stop_after_ms;
    const std::string_view words = table::stop_words(stop_mode);
    out += after == 0 ? fmt::format(", {}", words)
                      : fmt::format(", {} after {}", words, duration_text(after));
  }
  return out;
}

std::string Decision::effect_plan() const {
  std::string out;
  if (delay_ms)
    out += fmt::format("after {}: ", duration_text(*delay_ms));
  out += outcome_text(*this);
  if (log)
    out += "; logged";
  if (stop_after_ms) {
    const char* what = stop_mode == table::StopMode::Freeze ? "frozen" : "stopped";
    out += *stop_after_ms == 0
               ? fmt::format("; the container is {} at once, before the answer", what)
               : fmt::format("; the container is {} {} after the last such call", what,
                             duration_text(*stop_after_ms));
  }
  return out;
}

std::string Decision::summary() const {
  std::string out = action_text() + where(*this);
  for (const std::string& w : warnings)
    out += fmt::format(" [warning: {}]", w);
  return out;
}

trace::RecordedDecision Decision::record() const {
  const Decision& d = *this;
  trace::RecordedDecision r;
  r.response = d.response();
  r.error = d.error();
  r.value = d.value();
  if (d.row != nullptr)
    r.rule = d.row->id;
  if (d.policy != nullptr)
    r.policy = d.policy->name;
  r.origin = d.origin;
  if (const model::Emulation* e = d.emulation()) {
    r.emulate = std::string(name_of(e->op));
    r.credentials = e->credentials;
    for (const model::ResolvedArg& a : e->args) {
      r.args.push_back(trace::RecordedArg{a.index, std::string(a.name), a.is_string(), a.is_null,
                                          a.text, a.integer});
    }
  }
  r.delay_ms = d.delay_ms;
  r.stop = d.stops();
  r.stop_after_ms = d.stop_after_ms;
  r.stop_mode = d.stop_mode;
  r.log = d.log;
  r.effect = d.effect_plan();
  r.warnings = d.warnings;
  return r;
}

}  // namespace sa::engine
