// A base profile from JSON text, for tests: a profile that does not parse
// fails the test with the diagnostics it produced.
#pragma once

#include <stdexcept>
#include <string>

#include "diag/diagnostics.hpp"
#include "profile/base_profile.hpp"

namespace sa::profile::test {

inline BaseProfile parse_or_throw(const std::string& text) {
  diag::Sink sink;
  auto b = parse_base(text, "base.json", sink);
  if (!b)
    throw std::runtime_error(diag::format_text(sink.items()));
  return *b;
}

}  // namespace sa::profile::test
