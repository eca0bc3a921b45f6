#include "passes/resolve_tests.hpp"

#include <fmt/format.h>

#include <charconv>

#include "dsl/parser.hpp"
#include "model/call/container_info.hpp"
#include "model/catalog/constants.hpp"
#include "model/catalog/syscalls.hpp"
#include "model/table/template.hpp"
#include "passes/resolve_context.hpp"

namespace sa::passes {
namespace {

namespace code = diag::code;
using detail::Context;

// A fake, non-NULL address for string arguments, distinct per argument.
constexpr uint64_t kStringAddress = 0x7ffd'0000'1000ULL;

class TestResolver {
 public:
  TestResolver(const ResolvedPolicy& policy, const std::vector<catalog::Arch>& arches,
               diag::Sink& sink)
      : policy_(policy), arches_(arches), sink_(sink) {}

  std::optional<TestCase> run(const TestDoc& t) {
    TestCase out;
    out.name = t.name.text;
    out.policy = policy_.name;
    out.source = table::SourceRef{t.name.at.file->path(), static_cast<uint32_t>(t.at.line + 1),
                                  static_cast<uint32_t>(t.at.column + 1), t.name.text};
    out.syscall = t.syscall.text;
    bool ok = syscall(t, out);
    if (ok)
      ok = args(t, out);
    ok = context(t, out) && ok;
    ok = caller(t, out) && ok;
    if (ok)
      ok = expect(t, out);
    if (!ok)
      return std::nullopt;
    return out;
  }

 private:
  const ResolvedPolicy& policy_;
  const std::vector<catalog::Arch>& arches_;
  diag::Sink& sink_;

  bool fail(const Scalar& s, std::string message, std::string hint = {}) {
    auto& d =
        report(sink_, diag::Severity::Error, code::kBadTest,
               fmt::format("test '{}': {}", current_, std::move(message)),
               locate(s.at, static_cast<uint32_t>(std::max<size_t>(1, s.text.size()))), s.at.file);
    d.hint = std::move(hint);
    return false;
  }
  std::string current_;

  bool syscall(const TestDoc& t, TestCase& out) {
    current_ = t.name.text;
    // A syscall the policy does not intercept is a fair test too: it is what
    // a profile written elsewhere makes the kernel notify (the default, or
    // another policy's passthrough, decides it).
    out.arch = arches_.front().name;
    if (t.arch) {
      auto a = catalog::find_arch(t.arch->text);
      const bool targeted = a && std::any_of(arches_.begin(), arches_.end(),
                                             [&](const auto& x) { return x.name == a->name; });
      if (!targeted)
        return fail(*t.arch, fmt::format("'{}' is not a target architecture", t.arch->text));
      out.arch = a->name;
    }
    if (!catalog::syscall_number(out.syscall, *catalog::find_arch(out.arch))) {
      return fail(t.syscall, fmt::format("'{}' does not exist on {}", out.syscall, out.arch));
    }
    return true;
  }

  static std::optional<uint64_t> parse_uint(std::string_view s) {
    int base = 10;
    if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
      s.remove_prefix(2);
    } else if (s.size() > 1 && s[0] == '0') {
      base = 8;
      s.remove_prefix(1);
    }
    uint64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      return std::nullopt;
    return v;
  }

  // "0755", "-100", "0x1000", "MS_BIND|MS_REC", "AT_FDCWD".
  static std::optional<uint64_t> integer(std::string_view text) {
    uint64_t out = 0;
    size_t start = 0;
    while (start <= text.size()) {
      size_t bar = text.find('|', start);
      if (bar == std::string_view::npos)
        bar = text.size();
      std::string_view part = text.substr(start, bar - start);
      while (!part.empty() && part.front() == ' ')
        part.remove_prefix(1);
      while (!part.empty() && part.back() == ' ')
        part.remove_suffix(1);
      const bool negative = !part.empty() && part.front() == '-';
      if (negative)
        part.remove_prefix(1);
      std::optional<uint64_t> v = parse_uint(part);
      if (!v && !negative) {
        if (const auto* k = catalog::find_constant(part))
          v = static_cast<uint64_t>(k->value);
      }
      if (!v)
        return std::nullopt;
      out |= negative ? ~*v + 1 : *v;
      start = bar + 1;
    }
    return out;
  }

  bool args(const TestDoc& t, TestCase& out) {
    bool ok = true;
    for (const auto& [name, value] : t.args) {
      auto a = catalog::find_arg(out.syscall, name);
      if (!a) {
        ok = fail(value, fmt::format("'{}' has no argument '{}'", out.syscall, name));
        continue;
      }
      if (catalog::is_string(a->spec.type)) {
        out.args[static_cast<size_t>(a->index)] =
            kStringAddress + static_cast<uint64_t>(a->index) * 0x100;
        out.strings[a->index] = value.text;
      } else if (auto v = integer(value.text)) {
        out.args[static_cast<size_t>(a->index)] = *v;
      } else {
        ok = fail(value, fmt::format("'{}' is not an integer or constant for argument '{}'",
                                     value.text, name));
      }
    }
    for (const Scalar& u : t.unreadable) {
      auto a = catalog::find_arg(out.syscall, u.text);
      if (!a || !catalog::is_string(a->spec.type)) {
        ok = fail(u, fmt::format("'{}' is not a string argument of {}", u.text, out.syscall));
        continue;
      }
      out.args[static_cast<size_t>(a->index)] =
          kStringAddress + static_cast<uint64_t>(a->index) * 0x100;
      out.unreadable.insert(a->index);
    }
    return ok;
  }

  bool number(const Scalar& s, uint64_t max, uint64_t* out) {
    auto v = parse_uint(s.text);
    if (!v || *v > max)
      return fail(s, fmt::format("'{}' is not a number in 0..{}", s.text, max));
    *out = *v;
    return true;
  }

  bool context(const TestDoc& t, TestCase& out) {
    bool ok = true;
    uint64_t v = 0;
    if (t.pid) {
      ok = number(*t.pid, INT32_MAX, &v) && ok;
      out.pid = static_cast<uint32_t>(v);
    }
    for (const auto& [k, s] : t.container) {
      if (k == "id")
        out.container_id = s.text;
      if (k == "name")
        out.container_name = s.text;
      if (k == "pid" && number(s, INT32_MAX, &v))
        out.container_pid = static_cast<long>(v);
      else if (k == "pid")
        ok = false;
    }
    for (const auto& [k, s] : t.pod) {
      if (k == "namespace")
        out.pod_namespace = s.text;
      if (k == "name")
        out.pod_name = s.text;
    }
    metadata(t, out);
    for (const auto& [k, s] : t.annotations)
      out.annotations[k] = s.text;
    return ok;
  }

  // `metadata: TEXT` is the listenerMetadata as a runtime sends it, parsed
  // into keys as the agent does; `meta:` keys are added over it. Without
  // `metadata`, the keys written as KEY=VALUE lines are the whole string.
  static void metadata(const TestDoc& t, TestCase& out) {
    if (t.metadata) {
      out.metadata_raw = t.metadata->text;
      out.meta = model::parse_metadata(out.metadata_raw);
    }
    std::vector<std::string> lines;
    for (const auto& [k, s] : t.meta) {
      out.meta[k] = s.text;
      lines.push_back(k + "=" + s.text);
    }
    if (!t.metadata)
      out.metadata_raw = fmt::format("{}", fmt::join(lines, "\n"));
  }

  bool caller(const TestDoc& t, TestCase& out) {
    bool ok = true;
    uint64_t v = 0;
    for (const auto& [k, s] : t.caller) {
      if (k == "uid" || k == "gid") {
        if (!number(s, UINT32_MAX, &v)) {
          ok = false;
          continue;
        }
        (k == "uid" ? out.uid : out.gid) = static_cast<uint32_t>(v);
      } else if (k == "userns") {
        if (s.text != "host" && s.text != "container" && s.text != "other") {
          ok = fail(s, fmt::format("userns '{}' is not host, container or other", s.text));
          continue;
        }
        out.userns = s.text;
        out.userns_is_container = s.text == "container";
      } else if (k == "age") {
        // How long the caller has lived, for `delay until age`.
        out.age_ms = table::parse_go_duration(s.text);
        if (!out.age_ms)
          ok = fail(s, fmt::format("age '{}' is not a duration such as 3s", s.text));
      }
    }
    for (const Scalar& c : t.caps) {
      auto cap = catalog::capability_value(c.text);
      if (!cap) {
        ok = fail(c, fmt::format("unknown capability '{}'", c.text));
        continue;
      }
      out.cap_effective |= uint64_t{1} << *cap;
    }
    return ok;
  }

  bool expect(const TestDoc& t, TestCase& out) {
    const Context ctx{t.expect, sink_};
    auto parsed = dsl::parse_actions(t.expect.text);
    for (const auto& e : parsed.errors)
      ctx.error(e.code, e.message, e.span).hint = e.hint;
    if (!parsed.ok())
      return false;
    auto action = detail::resolve_action(ctx, parsed.value, out.syscall);
    if (!action)
      return false;
    for (const auto& p : action->params) {
      table::TemplateError err;
      auto tpl = table::parse_template(p.text, out.syscall, &err);
      if (catalog::is_string(p.type) && (!tpl || !tpl->is_constant())) {
        return fail(t.expect,
                    "expected values are literal: write the expanded text, not placeholders");
      }
    }
    out.expect = std::move(*action);
    out.expect_text = t.expect.text;
    return true;
  }
};

}  // namespace

std::vector<TestCase> resolve_tests(const PolicyDoc& doc, const ResolvedPolicy& policy,
                                    const std::vector<catalog::Arch>& arches, diag::Sink& sink) {
  std::vector<TestCase> out;
  TestResolver r(policy, arches, sink);
  for (const TestDoc& t : doc.tests) {
    if (auto c = r.run(t))
      out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace sa::passes
