// Tables the engine refuses to load: every value evaluation would trip on is
// reported with the policy, row and reason, instead of failing at run time.
#define BOOST_TEST_MODULE engine_load
#include <boost/test/unit_test.hpp>
#include <cerrno>

#include "fixtures.hpp"

namespace sa::engine {
namespace {

using namespace testing;
using table::Field;
using table::Op;

// The message EngineError carries for a table with `r` as mkdir's only row.
std::string refusal(table::Row r) {
  try {
    Engine e(make_table({policy("p", {{"mkdir", {std::move(r)}}})}));
  } catch (const EngineError& e) {
    return e.what();
  }
  return "(loaded)";
}

table::Predicate path_is(std::vector<std::string> s, Op op = Op::Eq) {
  return compare(arg_field("mkdir", "path"), op, std::move(s));
}

BOOST_AUTO_TEST_CASE(bad_templates) {
  const std::string m = refusal(row("p#1", {path_is({"{nope}"})}, errno_action(EPERM)));
  BOOST_TEST(m.find("policy 'p', mkdir row p#1 (rules/test.yaml:3:5)") != std::string::npos, m);
  BOOST_TEST(m.find("{nope}") != std::string::npos, m);
  BOOST_TEST(
      refusal(row("p#1", {}, emulate_action("mkdir", {{"path", "{path"}}))).find("unterminated") !=
      std::string::npos);
  table::Action delayed;
  delayed.delay = table::Duration{std::nullopt, "{unknown.x}"};
  BOOST_TEST(refusal(row("p#1", {}, delayed)).find("{unknown.x}") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(operand_shapes_the_compiler_never_emits) {
  BOOST_TEST(refusal(row("p#1", {path_is({})}, errno_action(EPERM))).find("needs a value") !=
             std::string::npos);
  table::FieldRef bad = arg_field("mkdir", "mode");
  bad.arg = 9;
  BOOST_TEST(
      refusal(row("p#1", {compare(bad, Op::Eq, std::vector<uint64_t>{1})}, errno_action(EPERM)))
          .find("outside 0..5") != std::string::npos);
  BOOST_TEST(refusal(row("p#1", {path_is({"x"}, Op::Lt)}, errno_action(EPERM)))
                 .find("needs an integer operand") != std::string::npos);
  BOOST_TEST(
      refusal(row("p#1", {compare(arg_field("mkdir", "mode"), Op::Glob, std::vector<uint64_t>{1})},
                  errno_action(EPERM)))
          .find("needs a string operand") != std::string::npos);
  BOOST_TEST(refusal(row("p#1", {path_is({}, Op::Present)}, errno_action(EPERM)))
                 .find("meta and annotation") != std::string::npos);
  BOOST_TEST(refusal(row("p#1", {group(table::Predicate::Kind::Not, {})}, errno_action(EPERM)))
                 .find("exactly one") != std::string::npos);
  BOOST_TEST(refusal(row("p#1", {has_cap(64)}, errno_action(EPERM))).find("capability 64") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_actions) {
  BOOST_TEST(refusal(row("p#1", {}, errno_action(0))).find("errno 0") != std::string::npos);
  BOOST_TEST(
      refusal(row("p#1", {}, emulate_action("chmod"))).find("emulate chmod in a rule for mkdir") !=
      std::string::npos);
  table::Action a = emulate_action("mkdir");
  a.params.push_back(table::EmulateParam{"x", 4, catalog::ArgType::Str, "y", 0});
  BOOST_TEST(refusal(row("p#1", {}, a)).find("names argument 4") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_index) {
  table::Table t = make_table({policy("p", {{"mkdir", {row("p#1", {}, errno_action(EPERM))}}})});
  t.index["x86_64"][1 << 20] = "mkdir";
  BOOST_CHECK_THROW(Engine{std::move(t)}, EngineError);
  table::Table u = make_table({policy("p", {{"mkdir", {row("p#1", {}, errno_action(EPERM))}}})});
  u.index["vax"][1] = "mkdir";
  BOOST_CHECK_THROW(Engine{std::move(u)}, EngineError);
}

BOOST_AUTO_TEST_CASE(a_good_table_loads) {
  BOOST_TEST(refusal(row("p#1", {path_is({"/x-{pid}"})}, emulate_action("mkdir"))) == "(loaded)");
}

}  // namespace
}  // namespace sa::engine
