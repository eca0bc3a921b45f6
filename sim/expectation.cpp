#include "expectation.hpp"

#include <fmt/format.h>

#include "model/catalog/constants.hpp"
#include "model/table/render.hpp"
#include "model/table/template.hpp"

namespace sa::sim {
namespace {

std::string errno_text(int e) {
  const std::string name = catalog::errno_name(e);
  return name.empty() ? fmt::format("{}", e) : name;
}

std::string response_text(table::Response r, int error, int64_t value) {
  switch (r) {
    case table::Response::Errno:
      return fmt::format("errno {}", errno_text(error));
    case table::Response::Return:
      return fmt::format("return {}", value);
    default:
      return std::string(name_of(r));
  }
}

std::string duration_text(const std::optional<uint64_t>& ms) {
  if (!ms)
    return "none";
  table::Duration d;
  d.millis = *ms;
  return table::render_duration(d);
}

// As the rule language writes it: modes in octal, signed types signed.
std::string value_text(const ExpectedArg& a, catalog::ArgType type) {
  if (a.is_string)
    return a.is_null ? "NULL" : table::quote(a.text);
  if (type == catalog::ArgType::UShort)
    return fmt::format("{:#o}", a.integer);
  if (catalog::is_signed(type))
    return fmt::format("{}", static_cast<int64_t>(a.integer));
  return fmt::format("{}", a.integer);
}

void compare_args(const Expectation& e, const model::Emulation& emulation, unsigned word_bits,
                  std::vector<std::string>& out) {
  for (const ExpectedArg& want : e.args) {
    const model::ResolvedArg* got = emulation.at(want.arg);
    const std::string label = want.name.empty() ? fmt::format("arg{}", want.arg) : want.name;
    if (got == nullptr) {
      out.push_back(fmt::format("emulate {}: expected {}, got no such argument", label,
                                value_text(want, catalog::ArgType::ULong)));
      continue;
    }
    ExpectedArg have{got->index,  std::string(got->name), got->is_string(), got->is_null, got->text,
                     got->integer};
    bool same = false;
    if (want.is_string != have.is_string) {
      same = false;
    } else if (want.is_string) {
      same = want.is_null == have.is_null && (want.is_null || want.text == have.text);
    } else {
      // Both at the width the kernel gives the argument on this architecture.
      same = catalog::normalize_unsigned(want.integer, got->type, word_bits) ==
             catalog::normalize_unsigned(have.integer, got->type, word_bits);
    }
    if (!same) {
      out.push_back(fmt::format("emulate {}: expected {}, got {}", label,
                                value_text(want, got->type), value_text(have, got->type)));
    }
  }
}

}  // namespace

Expectation from_recorded(const trace::RecordedDecision& d) {
  Expectation e;
  e.source = "recorded decision";
  e.response = d.response;
  e.error = d.error;
  e.value = d.value;
  e.emulate = d.emulate;
  e.credentials = d.credentials;
  for (const trace::RecordedArg& a : d.args) {
    e.args.push_back(ExpectedArg{a.arg, a.name, a.is_string, a.is_null, a.text, a.integer});
  }
  e.delay_ms = d.delay_ms;
  e.stop = d.stop;
  e.stop_after_ms = d.stop_after_ms;
  e.stop_mode = d.stop_mode;
  e.log = d.log;
  e.rule = d.rule;
  return e;
}

std::optional<Expectation> from_action(const table::Action& a, std::string source,
                                       std::string* error) {
  Expectation e;
  e.source = std::move(source);
  e.response = a.response;
  e.error = a.error;
  e.value = a.value;
  e.emulate = name_of(a.emulator);
  e.credentials = a.credentials;
  for (const table::EmulateParam& p : a.params) {
    const bool is_string = catalog::is_string(p.type);
    table::TemplateError unused;
    const auto t =
        is_string ? table::parse_template(p.text, name_of(a.emulator), &unused) : std::nullopt;
    if (is_string && (!t || !t->is_constant())) {
      *error = fmt::format("{}: expected values are literal; \"{}\" holds a placeholder", e.source,
                           p.text);
      return std::nullopt;
    }
    // A literal's text is the template's only segment, escapes resolved.
    std::string text = is_string && !t->segments.empty() ? t->segments.front().text : "";
    e.args.push_back(ExpectedArg{p.arg, p.name, is_string, false, std::move(text), p.integer});
  }
  const auto literal = [&](const table::Duration& d, const char* what) -> std::optional<uint64_t> {
    if (!d.millis)
      *error = fmt::format("{}: the {} must be a literal duration", e.source, what);
    return d.millis;
  };
  if (a.delay) {
    e.delay_ms = literal(*a.delay, "delay");
    if (!e.delay_ms)
      return std::nullopt;
  }
  e.stop = a.stop_after.has_value();
  e.stop_mode = a.stop_mode;
  if (a.stop_after) {
    e.stop_after_ms = literal(*a.stop_after, "stop delay");
    if (!e.stop_after_ms)
      return std::nullopt;
  }
  e.log = a.log;
  return e;
}

std::vector<std::string> differences(const Expectation& e, const engine::Decision& d,
                                     unsigned word_bits) {
  std::vector<std::string> out;
  const std::string want = response_text(e.response, e.error, e.value);
  const std::string got = response_text(d.response(), d.error(), d.value());
  if (want != got)
    out.push_back(fmt::format("response: expected {}, got {}", want, got));
  const model::Emulation* emulation = d.emulation();
  if (e.response == table::Response::Emulate && emulation != nullptr) {
    const std::string_view op = name_of(emulation->op);
    if (e.emulate != op) {
      out.push_back(fmt::format("emulate: expected {}, got {}", e.emulate, op));
    } else {
      compare_args(e, *emulation, word_bits, out);
    }
    if (e.credentials != emulation->credentials) {
      out.push_back(fmt::format("emulate as: expected {}, got {}", name_of(e.credentials),
                                name_of(emulation->credentials)));
    }
  }
  if (e.delay_ms != d.delay_ms) {
    out.push_back(fmt::format("delay: expected {}, got {}", duration_text(e.delay_ms),
                              duration_text(d.delay_ms)));
  }
  if (e.stop != d.stops() ||
      (e.stop && (e.stop_after_ms != d.stop_after_ms || e.stop_mode != d.stop_mode))) {
    const auto stop_text = [](bool stop, table::StopMode mode,
                              const std::optional<uint64_t>& after) {
      return stop ? fmt::format("{} after {}", table::stop_words(mode),
                                duration_text(after.value_or(0)))
                  : std::string("no stop");
    };
    out.push_back(fmt::format("stop: expected {}, got {}",
                              stop_text(e.stop, e.stop_mode, e.stop_after_ms),
                              stop_text(d.stops(), d.stop_mode, d.stop_after_ms)));
  }
  if (e.log != d.log) {
    out.push_back(
        fmt::format("log: expected {}, got {}", e.log ? "yes" : "no", d.log ? "yes" : "no"));
  }
  const std::string rule = d.row == nullptr ? "" : d.row->id;
  if (!e.rule.empty() && e.rule != rule) {
    out.push_back(fmt::format("rule: expected {}, got {}", e.rule, rule.empty() ? "none" : rule));
  }
  return out;
}

}  // namespace sa::sim
