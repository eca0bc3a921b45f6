#include "model/table/template.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace sa::table {

bool Template::is_constant() const {
  for (const Segment& s : segments) {
    if (s.kind != Segment::Kind::Literal)
      return false;
  }
  return true;
}

bool Template::uses_arg() const {
  for (const Segment& s : segments) {
    if (s.kind == Segment::Kind::Arg)
      return true;
  }
  return false;
}

namespace {

std::optional<Segment> placeholder(std::string_view name, std::string_view syscall,
                                   std::string* why) {
  using K = Segment::Kind;
  if (name == "meta")
    return Segment{K::Metadata, std::string(name), -1, catalog::ArgType::Str, std::nullopt};
  if (name == "pid")
    return Segment{K::Pid, std::string(name), -1, catalog::ArgType::Int, std::nullopt};
  if (name == "container.pid")
    return Segment{K::ContainerPid, std::string(name), -1, catalog::ArgType::Int, std::nullopt};
  if (name == "container.id")
    return Segment{K::ContainerId, std::string(name), -1, catalog::ArgType::Str, std::nullopt};
  if (name == "container.name")
    return Segment{K::ContainerName, std::string(name), -1, catalog::ArgType::Str, std::nullopt};
  if (name == "pod.namespace")
    return Segment{K::PodNamespace, std::string(name), -1, catalog::ArgType::Str, std::nullopt};
  if (name == "pod.name")
    return Segment{K::PodName, std::string(name), -1, catalog::ArgType::Str, std::nullopt};
  for (const auto& [prefix, kind] : {std::pair{std::string_view("meta."), K::Meta},
                                     std::pair{std::string_view("annotation."), K::Annotation}}) {
    if (name.substr(0, prefix.size()) == prefix) {
      if (name.size() == prefix.size()) {
        *why = fmt::format("'{{{}}}' needs a key", name);
        return std::nullopt;
      }
      return Segment{kind, std::string(name.substr(prefix.size())), -1, catalog::ArgType::Str,
                     std::nullopt};
    }
  }
  if (syscall.empty()) {
    *why = fmt::format("unknown placeholder '{{{}}}'", name);
    return std::nullopt;
  }
  auto arg = catalog::find_arg(syscall, name);
  if (!arg) {
    *why = fmt::format("'{{{}}}' is neither a placeholder nor an argument of {}", name, syscall);
    return std::nullopt;
  }
  if (arg->spec.type == catalog::ArgType::Ptr) {
    *why = fmt::format("argument '{}' of {} is an opaque pointer and cannot be expanded", name,
                       syscall);
    return std::nullopt;
  }
  return Segment{K::Arg, std::string(name), arg->index, arg->spec.type, std::nullopt};
}

// `NAME` or `NAME|FILTER`.
std::optional<Segment> filtered_placeholder(std::string_view inside, std::string_view syscall,
                                            std::string* why) {
  const size_t bar = inside.find('|');
  auto seg = placeholder(inside.substr(0, bar), syscall, why);
  if (!seg || bar == std::string_view::npos)
    return seg;
  const std::string_view filter = inside.substr(bar + 1);
  seg->filter = value_of<TemplateFilter>(filter);
  if (!seg->filter) {
    *why = fmt::format("unknown filter '{}' in '{{{}}}' (filters: basename)", filter, inside);
    return std::nullopt;
  }
  return seg;
}

}  // namespace

std::string apply_filter(TemplateFilter f, std::string_view value) {
  switch (f) {
    case TemplateFilter::Basename: {
      if (value.empty())
        return ".";
      while (value.size() > 1 && value.back() == '/')
        value.remove_suffix(1);
      if (value == "/")
        return "/";
      const size_t slash = value.rfind('/');
      return std::string(slash == std::string_view::npos ? value : value.substr(slash + 1));
    }
  }
  return std::string(value);
}

std::optional<Template> parse_template(std::string_view text, std::string_view syscall,
                                       TemplateError* error) {
  Template t;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty())
      t.segments.push_back(
          Segment{Segment::Kind::Literal, std::move(literal), -1, {}, std::nullopt});
    literal.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '{' || text[i + 1] == '}')) {
      literal.push_back(text[++i]);
      continue;
    }
    if (c == '}') {
      *error = TemplateError{"unmatched '}' in template; write \\} for a literal brace", i, 1};
      return std::nullopt;
    }
    if (c != '{') {
      literal.push_back(c);
      continue;
    }
    const size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      *error = TemplateError{"unterminated '{' in template; write \\{ for a literal brace", i, 1};
      return std::nullopt;
    }
    const std::string_view inside = text.substr(i + 1, close - i - 1);
    std::string why;
    auto seg = filtered_placeholder(inside, syscall, &why);
    if (!seg) {
      *error = TemplateError{why, i, close - i + 1};
      return std::nullopt;
    }
    flush();
    t.segments.push_back(std::move(*seg));
    i = close;
  }
  flush();
  return t;
}

std::optional<std::string> expand(const Template& t, const SegmentResolver& resolve) {
  std::string out;
  for (const Segment& s : t.segments) {
    if (s.kind == Segment::Kind::Literal) {
      out += s.text;
      continue;
    }
    auto v = resolve(s);
    if (!v)
      return std::nullopt;
    out += s.filter ? apply_filter(*s.filter, *v) : *v;
  }
  return out;
}

std::string expand_go_template(std::string_view value, const GoTemplateContext& ctx,
                               std::string* error) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    const size_t open = value.find("{{", i);
    if (open == std::string_view::npos) {
      out += value.substr(i);
      break;
    }
    out += value.substr(i, open - i);
    const size_t close = value.find("}}", open + 2);
    if (close == std::string_view::npos) {
      if (error)
        *error = fmt::format("unterminated '{{{{' in \"{}\"", value);
      out += value.substr(open);
      break;
    }
    std::string_view field = value.substr(open + 2, close - open - 2);
    while (!field.empty() && field.front() == ' ')
      field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ')
      field.remove_suffix(1);
    if (field == ".Namespace")
      out += ctx.ns;
    else if (field == ".Pod")
      out += ctx.pod;
    else if (field == ".Container")
      out += ctx.container;
    else if (field == ".Pid")
      out += std::to_string(ctx.pid);
    else if (field == ".Pid1")
      out += std::to_string(ctx.pid1);
    else {
      if (error)
        *error = fmt::format("unknown template field '{}' in \"{}\"", field, value);
      out += value.substr(open, close + 2 - open);
    }
    i = close + 2;
  }
  return out;
}

std::optional<uint64_t> parse_go_duration(std::string_view s) {
  if (s.empty())
    return std::nullopt;
  if (s == "0")
    return 0;
  double total_ms = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || s[n] == '.'))
      ++n;
    if (n == 0)
      return std::nullopt;
    double amount = 0;
    const auto res = std::from_chars(s.data(), s.data() + n, amount);
    if (res.ec != std::errc() || res.ptr != s.data() + n)
      return std::nullopt;
    s.remove_prefix(n);
    size_t u = 0;
    while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.'))
      ++u;
    const std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double scale = 0;
    if (unit == "ns")
      scale = 1e-6;
    else if (unit == "us" || unit == "\xC2\xB5s")
      scale = 1e-3;
    else if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1e3;
    else if (unit == "m")
      scale = 6e4;
    else if (unit == "h")
      scale = 3.6e6;
    else
      return std::nullopt;
    total_ms += amount * scale;
  }
  constexpr double kMaxMillis = 24.0 * 3600 * 1000;
  if (!(total_ms >= 0 && total_ms <= kMaxMillis))
    return std::nullopt;
  return static_cast<uint64_t>(std::llround(total_ms));
}

namespace {

// Matches one bracket expression at p[0] == '['; returns the length consumed
// or 0 when the expression is not closed (then '[' is an ordinary character).
size_t match_class(std::string_view p, char c, bool* matched) {
  size_t i = 1;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size())
      lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi)
      found = true;
    ++i;
  }
  if (i >= p.size())
    return 0;
  *matched = found != negate;
  return i + 1;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice and
  // never recursive, whatever the pattern.
  size_t p = 0;
  size_t t = 0;
  size_t star_p = std::string_view::npos;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char pc = pattern[p];
      if (pc == '*') {
        star_p = p++;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        bool matched = false;
        const size_t len = match_class(pattern.substr(p), text[t], &matched);
        if (len > 0) {
          if (matched) {
            p += len;
            ++t;
            continue;
          }
        } else if (text[t] == '[') {
          ++p;
          ++t;
          continue;
        }
      } else {
        char lit = pc;
        size_t adv = 1;
        if (pc == '\\' && p + 1 < pattern.size()) {
          lit = pattern[p + 1];
          adv = 2;
        }
        if (lit == text[t]) {
          p += adv;
          ++t;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos)
      return false;
    p = star_p + 1;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

}  // namespace sa::table
