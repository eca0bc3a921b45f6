// A source file held in memory, and the mapping from an offset inside a YAML
// scalar (the rule text) back to a line and column of the file: diagnostics
// point at the character inside the YAML, not at the start of the scalar.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "diag/diagnostics.hpp"

namespace sa::passes {

class SourceFile {
 public:
  SourceFile(std::string path, std::string contents);

  const std::string& path() const { return path_; }
  const std::string& contents() const { return contents_; }
  // 1-based line; "" past the end. Without the line terminator.
  std::string_view line(uint32_t number) const;
  // 0-based byte offset -> 1-based line and column.
  void position(size_t offset, uint32_t* line, uint32_t* column) const;

 private:
  std::string path_;
  std::string contents_;
  std::vector<size_t> line_starts_;
};

// Where a scalar starts in its file (yaml-cpp's Mark: 0-based line, column
// and byte position) and the text yaml-cpp decoded from it.
struct ScalarPos {
  const SourceFile* file = nullptr;
  int line = 0;
  int column = 0;
  int pos = 0;
};

struct Scalar {
  std::string text;
  ScalarPos at;
};

// The file position of the whole scalar (its first character).
diag::Location locate(const ScalarPos& at, uint32_t length = 1);
// The file position of [offset, offset + length) inside the decoded scalar
// text: quotes, escapes, block indicators and line folding are walked over.
diag::Location locate_in(const Scalar& s, size_t offset, size_t length);

// Builds a diagnostic with the source line filled in.
diag::Diagnostic& report(diag::Sink& sink, diag::Severity severity, std::string_view code,
                         std::string message, const diag::Location& loc, const SourceFile* file);

}  // namespace sa::passes
