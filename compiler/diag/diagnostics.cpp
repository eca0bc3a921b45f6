#include "diag/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sa::diag {

Diagnostic& Sink::add(Diagnostic d) {
  for (Diagnostic& existing : items_) {
    if (existing.code == d.code && existing.message == d.message &&
        existing.location.file == d.location.file && existing.location.line == d.location.line &&
        existing.location.column == d.location.column) {
      return existing;
    }
  }
  items_.push_back(std::move(d));
  return items_.back();
}

Diagnostic& Sink::error(std::string_view code, std::string message, Location loc) {
  return add(Diagnostic{
      Severity::Error, std::string(code), std::move(message), std::move(loc), {}, 0, {}});
}

Diagnostic& Sink::warning(std::string_view code, std::string message, Location loc) {
  return add(Diagnostic{
      Severity::Warning, std::string(code), std::move(message), std::move(loc), {}, 0, {}});
}

bool Sink::has_errors() const {
  return error_count() > 0;
}

size_t Sink::error_count() const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Severity::Error;
  }));
}

size_t Sink::warning_count() const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Severity::Warning;
  }));
}

namespace {

// Tabs keep their width in the echoed line so the caret lines up.
std::string caret_line(const std::string& source, uint32_t column, uint32_t length) {
  std::string out;
  for (uint32_t i = 1; i < column && i - 1 < source.size(); ++i) {
    out.push_back(source[i - 1] == '\t' ? '\t' : ' ');
  }
  out.push_back('^');
  for (uint32_t i = 1; i < length; ++i)
    out.push_back('~');
  return out;
}

}  // namespace

std::string format_text(const Diagnostic& d) {
  std::string out;
  const Location& l = d.location;
  if (l.line > 0) {
    out += fmt::format("{}:{}:{}: ", l.file, l.line, l.column);
  } else if (!l.file.empty()) {
    out += fmt::format("{}: ", l.file);
  }
  out += fmt::format("{}[{}]: {}\n", name_of(d.severity), d.code, d.message);
  if (l.line > 0 && !d.source_line.empty()) {
    out += fmt::format("    {}\n    {}\n", d.source_line,
                       caret_line(d.source_line, d.echo_column > 0 ? d.echo_column : l.column,
                                  std::max<uint32_t>(1, l.length)));
  }
  if (!d.hint.empty())
    out += fmt::format("  hint: {}\n", d.hint);
  return out;
}

std::string format_text(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const Diagnostic& d : ds)
    out += format_text(d);
  return out;
}

std::string format_json(const std::vector<Diagnostic>& ds) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Diagnostic& d : ds) {
    const Location& l = d.location;
    nlohmann::json j = {{"severity", name_of(d.severity)},
                        {"code", d.code},
                        {"message", d.message},
                        {"file", l.file},
                        {"line", l.line},
                        {"column", l.column},
                        {"length", l.length}};
    if (l.in_dsl) {
      j["dsl"] = {{"offset", l.dsl_offset},
                  {"scalar_line", l.scalar_line},
                  {"scalar_column", l.scalar_column}};
    }
    if (!d.source_line.empty())
      j["source_line"] = d.source_line;
    if (!d.hint.empty())
      j["hint"] = d.hint;
    arr.push_back(std::move(j));
  }
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sa::diag
