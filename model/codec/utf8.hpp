// Whether text is UTF-8, as JSON needs it. Rule files must be (the
// compiler's loader refuses other bytes with a position, instead of rulec
// failing to write table.json later); a caller's strings need not be (a
// path is bytes), and the trace writes those that are not as hex.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace sa::codec {

// The offset of the first byte that does not start or continue a
// well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF); nullopt when the whole text is UTF-8.
std::optional<size_t> first_invalid_utf8(std::string_view text);

}  // namespace sa::codec
