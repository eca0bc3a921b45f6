#define BOOST_TEST_MODULE profile_passthrough
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>

#include "model/table/render.hpp"
#include "parse_base.hpp"
#include "profile/base_answer.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa;
using namespace sa::profile;

namespace {

const std::string kFixtures = "compiler/profile/tests/fixtures/";

BaseProfile fixture(const std::string& name) {
  diag::Sink sink;
  auto b = load_base(kFixtures + name, sink);
  if (!b)
    throw std::runtime_error(diag::format_text(sink.items()));
  return *b;
}

std::string answer(const BaseProfile* base, const std::string& syscall) {
  diag::Sink sink;
  return table::render_action(passthrough(base, {syscall}, sink).at(syscall));
}

std::vector<std::string> warnings(const BaseProfile& base, const std::string& syscall) {
  diag::Sink sink;
  passthrough(&base, {syscall}, sink);
  std::vector<std::string> out;
  for (const diag::Diagnostic& d : sink.items()) {
    BOOST_TEST(d.code == "W0400");
    BOOST_TEST((d.severity == diag::Severity::Warning));
    out.push_back(d.message);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(no_base_continues) {
  diag::Sink sink;
  auto p = passthrough(nullptr, {"mkdir", "mount"}, sink);
  BOOST_TEST(p.size() == 2U);
  BOOST_TEST(table::render_action(p.at("mount")) == "continue");
  BOOST_TEST(sink.items().empty());
}

struct Mapping {
  const char* profile;
  const char* syscall;
  const char* expected;  // the table's action, in the rule language
};

std::ostream& operator<<(std::ostream& os, const Mapping& m) {
  return os << m.syscall << " in " << m.profile;
}

const Mapping kMappings[] = {
    {R"({"defaultAction": "SCMP_ACT_ALLOW"})", "mkdir", "continue"},
    {R"({"defaultAction": "SCMP_ACT_LOG"})", "mkdir", "continue"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO"})", "mkdir", "errno EPERM (1)"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38})", "mkdir", "errno ENOSYS (38)"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 0})", "mkdir", "return 0"},
    {R"({"defaultAction": "SCMP_ACT_KILL"})", "mkdir", "kill"},
    {R"({"defaultAction": "SCMP_ACT_KILL_THREAD"})", "mkdir", "kill"},
    {R"({"defaultAction": "SCMP_ACT_KILL_PROCESS"})", "mkdir", "kill"},
    {R"({"defaultAction": "SCMP_ACT_TRAP"})", "mkdir", "kill"},
    {R"({"defaultAction": "SCMP_ACT_TRACE"})", "mkdir", "errno ENOSYS (38)"},
    {R"({"defaultAction": "SCMP_ACT_TRACE", "defaultErrnoRet": 5})", "mkdir", "errno ENOSYS (38)"},
    // An entry's errno is its own errnoRet, never defaultErrnoRet.
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
         "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]})",
     "mkdir", "errno EPERM (1)"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["chmod", "mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]})",
     "mkdir", "errno EACCES (13)"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO",
         "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_LOG"}]})",
     "mkdir", "continue"},
    // The first unconditional entry wins, as in libseccomp.
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
         {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
         {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 2}]})",
     "mkdir", "errno EPERM (1)"},
    // An entry with the default action is skipped by runc and crun.
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
         {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
         {"names": ["mkdir"], "action": "SCMP_ACT_KILL_PROCESS"}]})",
     "mkdir", "kill"},
    // Argument conditions and includes/excludes: the answer where none applies.
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"],
         "action": "SCMP_ACT_ERRNO", "args": [{"index": 3, "value": 4096, "valueTwo": 4096,
         "op": "SCMP_CMP_MASKED_EQ"}]}]})",
     "mount", "continue"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"],
         "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})",
     "mount", "errno EPERM (1)"},
};

BOOST_DATA_TEST_CASE(base_actions_map_to_table_actions, bdata::make(kMappings), m) {
  const BaseProfile base = test::parse_or_throw(m.profile);
  BOOST_TEST(answer(&base, m.syscall) == m.expected);
}

BOOST_AUTO_TEST_CASE(kubernetes_tutorial_profiles) {
  const BaseProfile audit = fixture("audit.json");
  const BaseProfile violation = fixture("violation.json");
  const BaseProfile fine = fixture("fine-grained.json");
  BOOST_TEST(answer(&audit, "mount") == "continue");
  BOOST_TEST(answer(&violation, "mount") == "errno EPERM (1)");
  BOOST_TEST(answer(&fine, "openat") == "continue");
  BOOST_TEST(answer(&fine, "mkdir") == "errno EPERM (1)");
  BOOST_TEST(warnings(audit, "mount").empty());
  BOOST_TEST(warnings(fine, "openat").empty());
}

BOOST_AUTO_TEST_CASE(runtime_default_profile) {
  const BaseProfile rt = fixture("runtime-default.json");
  BOOST_TEST(answer(&rt, "mkdir") == "continue");
  BOOST_TEST(answer(&rt, "mount") == "errno EPERM (1)");
  BOOST_TEST(answer(&rt, "clone") == "errno EPERM (1)");
  BOOST_TEST(answer(&rt, "socket") == "errno EPERM (1)");
  const BaseAnswer clone = base_answer(&rt, "clone");
  BOOST_TEST(clone.conditional.empty());  // the clone entry with args is also selective
  BOOST_TEST(clone.selective.size() == 2U);
  const BaseAnswer personality = base_answer(&rt, "personality");
  BOOST_TEST(personality.conditional.size() == 3U);
  BOOST_TEST(!personality.plain_allow());
  BOOST_TEST(base_answer(&rt, "mkdir").entry != nullptr);
  BOOST_TEST(!base_answer(&rt, "mkdir").plain_allow());  // allowed by an entry, not the default
  BOOST_TEST(base_answer(nullptr, "mkdir").plain_allow());
}

BOOST_AUTO_TEST_CASE(warning_when_the_default_action_blocks) {
  const auto w = warnings(fixture("violation.json"), "mount");
  BOOST_REQUIRE_EQUAL(w.size(), 1U);
  BOOST_TEST(w[0] ==
             "the base profile blocks mount by its defaultAction SCMP_ACT_ERRNO (EPERM), but mount "
             "is intercepted: the agent's policy now decides those calls where its rules match "
             "(and its default where none does); containers whose policy has no rule for mount "
             "still get SCMP_ACT_ERRNO (EPERM)");
  diag::Sink sink;
  passthrough(nullptr, {}, sink);
  const BaseProfile v = fixture("violation.json");
  passthrough(&v, {"mount"}, sink);
  BOOST_TEST(sink.items().at(0).hint ==
             "to keep the base's answer where no rule matches, end the policy with `mount -> "
             "errno EPERM`");
  BOOST_TEST(sink.items().at(0).location.file == kFixtures + "violation.json");
}

BOOST_AUTO_TEST_CASE(warning_when_an_entry_blocks) {
  const auto w = warnings(test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["chroot"], "action": "SCMP_ACT_KILL_PROCESS"}]})"),
                          "chroot");
  BOOST_REQUIRE_EQUAL(w.size(), 1U);
  BOOST_TEST(w[0] ==
             "the base profile answers chroot with SCMP_ACT_KILL_PROCESS, but chroot is "
             "intercepted: the agent's policy now decides those calls where its rules match (and "
             "its default where none does); containers whose policy has no rule for chroot still "
             "get SCMP_ACT_KILL_PROCESS");
  const auto t = warnings(test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_TRACE"})"), "chroot");
  BOOST_REQUIRE_EQUAL(t.size(), 1U);
  BOOST_TEST(t[0].find("by its defaultAction SCMP_ACT_TRACE (ENOSYS without a tracer)") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(warning_for_argument_conditions) {
  const auto w = warnings(test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [
        {"index": 3, "value": 4096, "valueTwo": 4096, "op": "SCMP_CMP_MASKED_EQ"}]}]})"),
                          "mount");
  BOOST_REQUIRE_EQUAL(w.size(), 1U);
  BOOST_TEST(w[0] ==
             "the base profile answers mount with SCMP_ACT_ERRNO (EPERM) when arg3 & 0x1000 == "
             "0x1000: libseccomp drops a syscall's argument-conditional rules once it also has "
             "an unconditional one, so the generated profile leaves that entry out and every "
             "mount call reaches the agent; containers whose policy has no rule for mount get "
             "SCMP_ACT_ALLOW for all of them");
}

BOOST_AUTO_TEST_CASE(warning_for_several_conditional_entries_and_a_blocking_default) {
  const auto w = warnings(fixture("runtime-default.json"), "personality");
  BOOST_REQUIRE_EQUAL(w.size(), 2U);
  BOOST_TEST(w[0].rfind("the base profile blocks personality by its defaultAction "
                        "SCMP_ACT_ERRNO (EPERM), but",
                        0) == 0U);
  BOOST_TEST(w[1] ==
             "the base profile answers personality with SCMP_ACT_ALLOW when arg0 == 0, or arg0 == "
             "8, or arg0 == 0xffffffff: libseccomp drops a syscall's argument-conditional rules "
             "once it also has an unconditional one, so the generated profile leaves those "
             "entries out and every personality call reaches the agent; containers whose policy "
             "has no rule for personality get SCMP_ACT_ERRNO (EPERM) for all of them");
}

BOOST_AUTO_TEST_CASE(warning_for_entries_chosen_per_container) {
  const auto w = warnings(fixture("runtime-default.json"), "clone3");
  BOOST_REQUIRE_EQUAL(w.size(), 2U);
  BOOST_TEST(w[1] ==
             "the base profile answers clone3 differently for some containers (SCMP_ACT_ALLOW "
             "includes {\"caps\":[\"CAP_SYS_ADMIN\"]}; SCMP_ACT_ERRNO (ENOSYS) excludes "
             "{\"caps\":[\"CAP_SYS_ADMIN\"]}): the generated profile leaves clone3 out of those "
             "entries, and containers whose policy has no rule for clone3 get SCMP_ACT_ERRNO "
             "(EPERM), the base's answer where no such entry applies");
}

BOOST_AUTO_TEST_CASE(an_unconditional_entry_makes_conditions_dead) {
  // libseccomp drops the conditional rule: nothing to warn about it.
  const BaseProfile b = test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [
        {"index": 3, "value": 4096, "valueTwo": 4096, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["mount"], "action": "SCMP_ACT_LOG"}]})");
  const BaseAnswer a = base_answer(&b, "mount");
  BOOST_TEST(a.conditional.empty());
  BOOST_TEST((a.action == ScmpAction::Log));
  BOOST_TEST(warnings(b, "mount").empty());
}
