#define BOOST_TEST_MODULE utf8
// The UTF-8 check (rule files, caller strings in traces), against RFC
// 3629's table: accept and reject.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>

#include "model/codec/utf8.hpp"

namespace bdata = boost::unit_test::data;

namespace {

struct Case {
  const char* name;
  std::string text;
  std::optional<size_t> first_bad;
};

std::ostream& operator<<(std::ostream& o, const Case& c) {
  return o << c.name;
}

const Case kCases[] = {
    {"ascii", "mkdir -> continue", std::nullopt},
    {"empty", "", std::nullopt},
    {"two bytes", "caf\xC3\xA9", std::nullopt},
    {"arrow", "mkdir \xE2\x86\x92 continue", std::nullopt},
    {"four bytes", "\xF0\x9F\x98\x80", std::nullopt},
    {"highest", "\xF4\x8F\xBF\xBF", std::nullopt},
    {"lone continuation", "a\x80", 1},
    {"0xFF", "ab\xFF", 2},
    {"overlong two", "\xC0\xAF", 0},
    {"overlong three", "\xE0\x80\xAF", 0},
    {"overlong four", "\xF0\x80\x80\xAF", 0},
    {"surrogate", "x\xED\xA0\x80", 1},
    {"above U+10FFFF", "\xF4\x90\x80\x80", 0},
    {"truncated at the end", "ok\xE2\x86", 2},
    {"bad continuation", "\xE2\x41\x92", 0},
};

}  // namespace

BOOST_DATA_TEST_CASE(first_invalid_byte, bdata::make(kCases), c) {
  constexpr size_t kValid = std::string::npos;
  BOOST_TEST(sa::codec::first_invalid_utf8(c.text).value_or(kValid) ==
             c.first_bad.value_or(kValid));
}
