// Diagnostics are collected, never thrown. Each carries a stable code, a
// position in the YAML file (already mapped from the offset inside the DSL
// text), the offending source line and an optional hint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/names.hpp"

namespace sa::diag {

enum class Severity { Error, Warning, Note };

// Stable codes. Documented in docs/rules.md; never renumber.
namespace code {
inline constexpr std::string_view kIo = "E0002";          // cannot read / write a file
inline constexpr std::string_view kYamlSyntax = "E0100";  // YAML does not parse
inline constexpr std::string_view kYamlShape = "E0101";   // wrong node kind / missing key
inline constexpr std::string_view kUnknownKey = "E0102";  // unknown key in the policy header
inline constexpr std::string_view kDuplicatePolicy = "E0103";
inline constexpr std::string_view kBadName = "E0104";  // policy name not a valid identifier
inline constexpr std::string_view kEmptyFile = "E0105";
inline constexpr std::string_view kNotUtf8 = "E0106";  // a byte that is not UTF-8
inline constexpr std::string_view kDslSyntax = "E0200";   // rule text does not parse
inline constexpr std::string_view kDslTooDeep = "E0201";  // nesting deeper than the limit
inline constexpr std::string_view kDslTooLong = "E0202";  // rule text over the size limit
inline constexpr std::string_view kUnknownSyscall = "E0300";
inline constexpr std::string_view kUnknownArg = "E0301";
inline constexpr std::string_view kStringTestOnInt = "E0302";
inline constexpr std::string_view kIntTestOnString = "E0303";
inline constexpr std::string_view kUnknownErrno = "E0304";
inline constexpr std::string_view kUnknownCapability = "E0305";
inline constexpr std::string_view kNoEmulator = "E0306";
inline constexpr std::string_view kShadowedRule = "E0307";
inline constexpr std::string_view kUnsafeContinue = "E0308";
inline constexpr std::string_view kUnknownConstant = "E0309";
inline constexpr std::string_view kBadTemplate = "E0310";
inline constexpr std::string_view kBadValue = "E0311";  // out of range, bad duration, ...
inline constexpr std::string_view kBadEmulateParam = "E0312";
inline constexpr std::string_view kBadOperand = "E0313";  // operator does not fit the operand
inline constexpr std::string_view kBadTest = "E0314";     // inline test case malformed
inline constexpr std::string_view kBadBase = "E0400";     // --base profile unusable
inline constexpr std::string_view kSyscallMissingOnArch = "W0300";
inline constexpr std::string_view kConstantGroup = "W0301";     // O_CREAT used on mount flags
inline constexpr std::string_view kShadowedPart = "W0303";      // rule hidden for some syscalls
inline constexpr std::string_view kAsAgent = "W0304";           // emulate ... as agent
inline constexpr std::string_view kBaseBlocks = "W0400";        // base profile blocks an intercept
inline constexpr std::string_view kBasePartlyDenies = "W0401";  // denied for some calls only
}  // namespace code

struct Location {
  std::string file;
  uint32_t line = 0;    // 1-based; 0 when the diagnostic is about the whole file
  uint32_t column = 0;  // 1-based, in bytes
  uint32_t length = 1;  // caret underline width
  // Where the diagnostic sits inside the rule text, when it comes from the DSL.
  bool in_dsl = false;
  uint32_t dsl_offset = 0;
  uint32_t scalar_line = 0;  // where the YAML scalar holding the rule starts
  uint32_t scalar_column = 0;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;
  std::string message;
  Location location;
  std::string source_line;   // the line of the file the location points into
  uint32_t echo_column = 0;  // caret column in source_line when it is an excerpt
  std::string hint;
};

class Sink {
 public:
  // An identical diagnostic (same code, message and position) is kept once:
  // a rule for chmod|fchmod|fchmodat is resolved three times.
  Diagnostic& add(Diagnostic d);
  Diagnostic& error(std::string_view code, std::string message, Location loc);
  Diagnostic& warning(std::string_view code, std::string message, Location loc);

  const std::vector<Diagnostic>& items() const { return items_; }
  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;

 private:
  std::vector<Diagnostic> items_;
};

// file:line:col: error[CODE]: message
//     source line
//     ^~~~
//   hint: ...
std::string format_text(const Diagnostic& d);
std::string format_text(const std::vector<Diagnostic>& ds);
// A JSON array, one object per diagnostic, for machines.
std::string format_json(const std::vector<Diagnostic>& ds);

}  // namespace sa::diag

namespace sa {
template <>
struct Vocabulary<diag::Severity> {
  static constexpr std::size_t count = 3;
  static constexpr std::array<NameEntry<diag::Severity>, count> names{{
      {diag::Severity::Error, "error"},
      {diag::Severity::Warning, "warning"},
      {diag::Severity::Note, "note"},
  }};
};
}  // namespace sa
