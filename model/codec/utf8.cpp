#include "model/codec/utf8.hpp"

#include <cstdint>

namespace sa::codec {
namespace {

bool continuation(uint8_t b) {
  return (b & 0xC0) == 0x80;
}

// The length of the well-formed sequence at text[i], 0 when there is none.
// The ranges of the second byte are RFC 3629's table (section 4).
size_t sequence_at(std::string_view text, size_t i) {
  const auto at = [&](size_t k) { return static_cast<uint8_t>(text[i + k]); };
  const uint8_t b = at(0);
  if (b < 0x80)
    return 1;
  size_t n = 0;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    lo = b == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
    hi = b == 0xED ? 0x9F : 0xBF;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    lo = b == 0xF0 ? 0x90 : 0x80;  // no overlong forms
    hi = b == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size() || at(1) < lo || at(1) > hi)
    return 0;
  for (size_t k = 2; k < n; ++k) {
    if (!continuation(at(k)))
      return 0;
  }
  return n;
}

}  // namespace

std::optional<size_t> first_invalid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = sequence_at(text, i);
    if (n == 0)
      return i;
    i += n;
  }
  return std::nullopt;
}

}  // namespace sa::codec
