// The rule DSL without YAML around it: each input line is a rule of one
// policy, written into a rule file as a YAML literal, then compiled as in
// fuzz_rules (deterministic verdict and hash, table.json round trip). Plain
// bytes through fuzz_rules mostly break the YAML first; here every input
// reaches the DSL's grammar, names and types (with fuzz/dsl.dict).
// Properties: compile_properties.hpp.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "compile_properties.hpp"

namespace {

// `rules:` with each line as a `- |-` literal block: nothing in a line can
// end the YAML early.
std::string rule_file(std::string_view text) {
  std::string out = "policy: fuzz\nrules:\n";
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    out += "  - |-\n    ";
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find('\0') != std::string_view::npos)
    return 0;
  sa::fuzz::check_rule_file(rule_file(text));
  return 0;
}
