// Rule files (YAML holding the rule DSL) through the whole compiler, as
// rulec and `seccomp-sim test` run it (properties: compile_properties.hpp).
#include <cstddef>
#include <cstdint>
#include <string>

#include "compile_properties.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sa::fuzz::check_rule_file(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
