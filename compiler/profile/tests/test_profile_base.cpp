#define BOOST_TEST_MODULE profile_base
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <ostream>

#include "profile/base_profile.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa;
using namespace sa::profile;

namespace {

const std::string kFixtures = "compiler/profile/tests/fixtures/";

std::string messages(const diag::Sink& sink) {
  return diag::format_text(sink.items());
}

}  // namespace

BOOST_AUTO_TEST_CASE(kubernetes_audit_profile) {
  diag::Sink sink;
  auto b = load_base(kFixtures + "audit.json", sink);
  BOOST_REQUIRE_MESSAGE(b, messages(sink));
  BOOST_TEST(sink.items().empty());
  BOOST_TEST((b->default_action == ScmpAction::Log));
  BOOST_TEST(b->entries.empty());
  BOOST_TEST(b->architectures.empty());
}

BOOST_AUTO_TEST_CASE(kubernetes_violation_profile) {
  diag::Sink sink;
  auto b = load_base(kFixtures + "violation.json", sink);
  BOOST_REQUIRE_MESSAGE(b, messages(sink));
  BOOST_TEST((b->default_action == ScmpAction::Errno));
  BOOST_TEST(!b->default_errno_ret.has_value());
  BOOST_TEST(default_action(*b) == SCMP_ACT_ERRNO(EPERM));
}

BOOST_AUTO_TEST_CASE(kubernetes_fine_grained_profile) {
  diag::Sink sink;
  auto b = load_base(kFixtures + "fine-grained.json", sink);
  BOOST_REQUIRE_MESSAGE(b, messages(sink));
  BOOST_TEST(b->architectures ==
                 std::vector<std::string>({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(b->entries.size(), 1U);
  const BaseEntry& e = b->entries[0];
  BOOST_TEST(e.names.size() == 50U);
  BOOST_TEST(e.names.front() == "accept4");
  BOOST_TEST((e.action == ScmpAction::Allow));
  BOOST_TEST(e.args.empty());
  BOOST_TEST(!e.selective);
}

BOOST_AUTO_TEST_CASE(runtime_default_profile) {
  diag::Sink sink;
  auto b = load_base(kFixtures + "runtime-default.json", sink);
  BOOST_REQUIRE_MESSAGE(b, messages(sink));
  BOOST_TEST(sink.items().empty());
  BOOST_TEST(b->default_errno_ret.value_or(0) == 1U);
  BOOST_TEST(b->arch_map.is_array());
  BOOST_TEST(b->arch_map.size() == 3U);
  BOOST_REQUIRE_EQUAL(b->entries.size(), 11U);
  const BaseEntry& socket = b->entries[2];
  BOOST_TEST(socket.names == std::vector<std::string>{"socket"}, boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(socket.args.size(), 1U);
  BOOST_TEST((socket.args[0] == ArgCondition{0, CompareOp::Ne, 40, 0}));
  const BaseEntry& clone = b->entries[8];
  BOOST_TEST(clone.selective);
  BOOST_TEST((clone.args[0] == ArgCondition{0, CompareOp::MaskedEq, 0x7E020000, 0}));
  const BaseEntry& clone3 = b->entries[9];
  BOOST_TEST((clone3.action == ScmpAction::Errno));
  BOOST_TEST(clone3.errno_ret.value_or(0) == 38U);
  BOOST_TEST(entry_action(clone3) == SCMP_ACT_ERRNO(38));
  BOOST_TEST(b->entries[1].selective);  // includes minKernel
}

BOOST_AUTO_TEST_CASE(legacy_single_name_and_flags) {
  diag::Sink sink;
  auto b = parse_base(R"({"defaultAction": "SCMP_ACT_ALLOW",
                          "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                          "syscalls": [{"name": "chroot", "action": "SCMP_ACT_KILL_PROCESS"}]})",
                      "inline.json", sink);
  BOOST_REQUIRE_MESSAGE(b, messages(sink));
  BOOST_TEST(b->flags == std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"},
             boost::test_tools::per_element());
  BOOST_TEST(b->entries[0].names == std::vector<std::string>{"chroot"},
             boost::test_tools::per_element());
}

struct Bad {
  const char* json;
  const char* message;  // the whole message of the first diagnostic
  const char* hint;
};

std::ostream& operator<<(std::ostream& os, const Bad& b) {
  return os << b.json;
}

const Bad kBad[] = {
    {"[]", "the base profile must be a JSON object (an OCI LinuxSeccomp), not an array", ""},
    {"{}", "the base profile has no defaultAction",
     "every OCI seccomp profile needs one, e.g. \"defaultAction\": \"SCMP_ACT_ALLOW\""},
    {R"({"defaultAction": "SCMP_ACT_ALOW"})", "defaultAction: unknown action \"SCMP_ACT_ALOW\"",
     "did you mean SCMP_ACT_ALLOW?"},
    {R"({"defaultAction": 3})",
     "defaultAction: expected an action name (SCMP_ACT_...), found a number", ""},
    {R"({"defaultAction": "SCMP_ACT_NOTIFY"})",
     "defaultAction: the base profile uses SCMP_ACT_NOTIFY; only the agent's own profile may "
     "notify (it sets the listener)",
     "remove the SCMP_ACT_NOTIFY entries from the base profile"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/other.sock"})",
     "the base profile already sets listenerPath (\"/run/other.sock\"); the agent's profile sets "
     "its own listener",
     "remove listenerPath from the base profile"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "a=b"})",
     "the base profile already sets listenerMetadata (\"a=b\"); the agent's profile sets its own "
     "listener",
     "remove listenerMetadata from the base profile"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "sycalls": []})",
     "the base profile: unknown key \"sycalls\"", "did you mean \"syscalls\"?"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1})",
     "defaultErrnoRet: SCMP_ACT_ALLOW takes no errno value (only SCMP_ACT_ERRNO and "
     "SCMP_ACT_TRACE do)",
     ""},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 5000})",
     "defaultErrnoRet: 5000 is out of range (0..4095)", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]})",
     "architectures: unknown architecture \"SCMP_ARCH_VAX\"", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": "SCMP_ARCH_X86_64"})",
     "architectures: expected an array of strings, found a string", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
         "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})",
     "the base profile sets both architectures and archMap; use one of them", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOGS"]})",
     "flags: unknown flag \"SECCOMP_FILTER_FLAG_LOGS\"", "did you mean SECCOMP_FILTER_FLAG_LOG?"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {"names": ["mount"]}})",
     "syscalls: expected an array, found an object", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_LOG"}]})",
     "syscalls[0]: names no syscall", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"]}]})",
     "syscalls[0]: missing \"action\"", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_KILL_PROCES"}]})",
     "syscalls[0].action: unknown action \"SCMP_ACT_KILL_PROCES\"",
     "did you mean SCMP_ACT_KILL_PROCESS?"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]})",
     "syscalls[0].action: the base profile uses SCMP_ACT_NOTIFY; only the agent's own profile "
     "may notify (it sets the listener)",
     "remove the SCMP_ACT_NOTIFY entries from the base profile"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": -1}]})",
     "syscalls[0].errnoRet: expected an unsigned integer, found a number -1", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"],
         "action": "SCMP_ACT_ERRNO", "args": [{"index": 3, "value": 4096, "op": "SCMP_CMP_MASKED"}]}]})",
     "syscalls[0].args[0].op: unknown comparison \"SCMP_CMP_MASKED\"",
     "did you mean SCMP_CMP_MASKED_EQ?"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"],
         "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
     "syscalls[0].args[0].index: 6 is out of range (0..5)", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"],
         "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]})",
     "syscalls[0].args[0].value: expected an unsigned integer, found a number -1", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"],
         "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "SCMP_CMP_EQ"}]}]})",
     "syscalls[0].args[0]: missing \"value\"", ""},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"],
         "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ",
         "valueTwp": 3}]}]})",
     "syscalls[0].args[0]: unknown key \"valueTwp\"", "did you mean \"valueTwo\"?"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"],
         "action": "SCMP_ACT_ALLOW", "includes": ["CAP_SYS_ADMIN"]}]})",
     "syscalls[0].includes: expected an object ({\"arches\", \"caps\", \"minKernel\"}), found an "
     "array",
     ""},
};

BOOST_DATA_TEST_CASE(rejected_with_e0400, bdata::make(kBad), bad) {
  diag::Sink sink;
  BOOST_TEST(!parse_base(bad.json, "base.json", sink).has_value());
  BOOST_REQUIRE(!sink.items().empty());
  const diag::Diagnostic& d = sink.items().front();
  BOOST_TEST((d.severity == diag::Severity::Error));
  BOOST_TEST(d.code == "E0400");
  BOOST_TEST(d.message == bad.message);
  BOOST_TEST(d.hint == bad.hint);
  BOOST_TEST(d.location.file == "base.json");
}

BOOST_AUTO_TEST_CASE(invalid_json_points_at_the_error) {
  diag::Sink sink;
  BOOST_TEST(!parse_base("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [,]\n}",
                         "base.json", sink));
  BOOST_REQUIRE_EQUAL(sink.items().size(), 1U);
  const diag::Diagnostic& d = sink.items().front();
  BOOST_TEST(d.code == "E0400");
  BOOST_TEST(d.message.rfind("the base profile is not valid JSON: ", 0) == 0U);
  BOOST_TEST(d.location.line == 3U);
  BOOST_TEST(d.location.column == 16U);
  BOOST_TEST(d.source_line == "  \"syscalls\": [,]");
}

BOOST_AUTO_TEST_CASE(a_number_out_of_range_is_an_error_not_a_crash) {
  // Found by fuzz_table: nlohmann reports 1e999 as out_of_range, not as a
  // parse_error; rulec --base aborted on it.
  diag::Sink sink;
  BOOST_TEST(!parse_base(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [], "x": 1e999})",
                         "base.json", sink));
  BOOST_REQUIRE_EQUAL(sink.items().size(), 1U);
  BOOST_TEST(sink.items().front().code == "E0400");
  BOOST_TEST(sink.items().front().message.rfind("the base profile is not valid JSON: ", 0) == 0U);
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported) {
  diag::Sink sink;
  BOOST_TEST(!parse_base(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_BOGUS"},
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 9, "value": 0, "op": "X"}]}]})",
                         "base.json", sink));
  BOOST_TEST(sink.error_count() == 3U, messages(sink));
}

BOOST_AUTO_TEST_CASE(unreadable_files) {
  diag::Sink sink;
  BOOST_TEST(!load_base("compiler/profile/tests/fixtures/no-such-profile.json", sink));
  BOOST_TEST(!load_base("compiler/profile/tests/fixtures", sink));
  BOOST_REQUIRE_EQUAL(sink.items().size(), 2U);
  BOOST_TEST(sink.items()[0].code == "E0400");
  BOOST_TEST(sink.items()[0].message == "cannot read the base profile: No such file or directory");
  BOOST_TEST(sink.items()[1].message == "cannot read the base profile: it is a directory");
}
