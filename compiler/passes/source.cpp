#include "passes/source.hpp"

#include <algorithm>

namespace sa::passes {

SourceFile::SourceFile(std::string path, std::string contents)
    : path_(std::move(path)), contents_(std::move(contents)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < contents_.size(); ++i) {
    if (contents_[i] == '\n')
      line_starts_.push_back(i + 1);
  }
}

std::string_view SourceFile::line(uint32_t number) const {
  if (number == 0 || number > line_starts_.size())
    return {};
  const size_t start = line_starts_[number - 1];
  size_t end = number < line_starts_.size() ? line_starts_[number] - 1 : contents_.size();
  if (end > start && contents_[end - 1] == '\r')
    --end;
  return std::string_view(contents_).substr(start, end - start);
}

void SourceFile::position(size_t offset, uint32_t* line, uint32_t* column) const {
  offset = std::min(offset, contents_.size());
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const size_t index = static_cast<size_t>(it - line_starts_.begin()) - 1;
  *line = static_cast<uint32_t>(index + 1);
  *column = static_cast<uint32_t>(offset - line_starts_[index] + 1);
}

diag::Location locate(const ScalarPos& at, uint32_t length) {
  diag::Location loc;
  if (at.file == nullptr)
    return loc;
  loc.file = at.file->path();
  loc.line = static_cast<uint32_t>(at.line + 1);
  loc.column = static_cast<uint32_t>(at.column + 1);
  loc.length = length;
  return loc;
}

namespace {

// Walks the raw scalar in the file alongside its decoded text and returns the
// file offset of decoded character `target`. Decoded and raw characters agree
// except where YAML rewrote the text: quotes, escapes, folded line breaks and
// indentation, which are skipped on the raw side.
size_t raw_offset(const Scalar& s, size_t target) {
  const std::string& raw = s.at.file->contents();
  size_t r = static_cast<size_t>(std::max(0, s.at.pos));
  if (r < raw.size() && (raw[r] == '|' || raw[r] == '>')) {
    while (r < raw.size() && raw[r] != '\n')
      ++r;  // block header line
  } else if (r < raw.size() && (raw[r] == '"' || raw[r] == '\'')) {
    ++r;
  }
  size_t t = 0;
  while (t < target && t < s.text.size() && r < raw.size()) {
    if (raw[r] == s.text[t]) {
      ++r;
      ++t;
    } else if (s.text[t] == '\n' || s.text[t] == ' ') {
      ++t;  // a folded line break or a newline the scalar style added
    } else {
      ++r;  // indentation, escape backslash, doubled quote
    }
  }
  // Skip indentation sitting right before the character.
  while (t < s.text.size() && r < raw.size() && raw[r] != s.text[t] &&
         (raw[r] == ' ' || raw[r] == '\n' || raw[r] == '\t')) {
    ++r;
  }
  return r;
}

}  // namespace

diag::Location locate_in(const Scalar& s, size_t offset, size_t length) {
  diag::Location loc = locate(s.at, static_cast<uint32_t>(std::max<size_t>(1, length)));
  if (s.at.file == nullptr)
    return loc;
  const size_t r = raw_offset(s, offset);
  s.at.file->position(r, &loc.line, &loc.column);
  // Keep the caret on one line.
  const std::string_view line = s.at.file->line(loc.line);
  const size_t room = line.size() >= loc.column ? line.size() - loc.column + 1 : 1;
  loc.length = static_cast<uint32_t>(std::clamp<size_t>(length, 1, std::max<size_t>(1, room)));
  loc.in_dsl = true;
  loc.dsl_offset = static_cast<uint32_t>(offset);
  loc.scalar_line = static_cast<uint32_t>(s.at.line + 1);
  loc.scalar_column = static_cast<uint32_t>(s.at.column + 1);
  return loc;
}

diag::Diagnostic& report(diag::Sink& sink, diag::Severity severity, std::string_view code,
                         std::string message, const diag::Location& loc, const SourceFile* file) {
  diag::Diagnostic d;
  d.severity = severity;
  d.code = std::string(code);
  d.message = std::move(message);
  d.location = loc;
  if (file != nullptr && loc.line > 0) {
    const std::string_view line = file->line(loc.line);
    // Very long lines (a 1 MB rule) are echoed only around the caret.
    constexpr size_t kMaxEcho = 160;
    if (line.size() <= kMaxEcho) {
      d.source_line = std::string(line);
    } else {
      const size_t start = loc.column > kMaxEcho / 2 ? loc.column - kMaxEcho / 2 : 0;
      const std::string lead = start > 0 ? "..." : "";
      d.source_line = lead + std::string(line.substr(start, kMaxEcho)) + "...";
      d.echo_column = static_cast<uint32_t>(loc.column - start + lead.size());
    }
  }
  return sink.add(std::move(d));
}

}  // namespace sa::passes
