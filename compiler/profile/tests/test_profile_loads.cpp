// The property the profiles must have: libseccomp builds a kernel filter from
// every one of them, for every architecture they list, the way runc and crun
// add their rules.
#define BOOST_TEST_MODULE profile_loads
#include <fmt/format.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <ostream>

#include "golden.hpp"
#include "libseccomp_loader.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa;
using namespace sa::profile;
using namespace sa::profile::test;
using nlohmann::json;

namespace {

std::string errors(const LoadReport& r) {
  return fmt::format("{}", fmt::join(r.errors, "\n"));
}

void check_generated(const json& profile) {
  const LoadReport r = check_loads(profile);
  BOOST_TEST(r.ok(), errors(r));
  BOOST_TEST(r.split_entries == 0U);
  BOOST_TEST(r.rules > 0U);
}

const char* const kFixtureNames[] = {"audit.json", "violation.json", "fine-grained.json",
                                     "runtime-default.json"};

}  // namespace

BOOST_DATA_TEST_CASE(every_generated_profile_loads, bdata::make(golden_cases()), c) {
  const auto built = build(c);
  check_generated(built->profiles.node);
  for (const auto& [name, profile] : built->profiles.policies) {
    BOOST_TEST_CONTEXT("policy " << name) {
      check_generated(profile);
    }
  }
}

BOOST_DATA_TEST_CASE(the_base_profiles_load_as_they_are, bdata::make(kFixtureNames), name) {
  std::ifstream in(kFixtures + name);
  const json profile = json::parse(in);
  const LoadReport r = check_loads(profile);
  BOOST_TEST(r.ok(), errors(r));
}

BOOST_AUTO_TEST_CASE(fails_where_a_runtime_would) {
  // Two conditional rules with one condition and different actions: EEXIST.
  const json conflict = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
       "args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY",
       "args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]}]})");
  const LoadReport r = check_loads(conflict);
  BOOST_TEST(!r.ok());
  BOOST_TEST(errors(r).find("syscalls[1] (mkdir): seccomp_rule_add_array: File exists") !=
                 std::string::npos,
             errors(r));
  const LoadReport notify_default =
      check_loads(json::parse(R"({"defaultAction": "SCMP_ACT_NOTIFY"})"));
  BOOST_TEST(!notify_default.ok());
  const LoadReport bad_arch = check_loads(
      json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]})"));
  BOOST_TEST(errors(bad_arch) == "unknown architecture \"SCMP_ARCH_VAX\"");
}

BOOST_AUTO_TEST_CASE(skips_and_rewrites_what_runtimes_skip_and_rewrite) {
  const json profile = json::parse(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "syscalls": [
      {"names": ["no_such_syscall", "read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["write"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
        {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
        {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]})");
  const LoadReport r = check_loads(profile);
  BOOST_TEST(r.ok(), errors(r));
  BOOST_TEST(r.split_entries == 1U);
  const std::string notes = fmt::format("{}", fmt::join(r.notes, "\n"));
  BOOST_TEST(notes.find("syscalls[0] (no_such_syscall): unknown to libseccomp, skipped") !=
             std::string::npos);
  BOOST_TEST(notes.find("syscalls[1]: same action as defaultAction, skipped") != std::string::npos);
  BOOST_TEST(r.rules == 3U);  // read, and personality twice
}

BOOST_AUTO_TEST_CASE(syscalls_missing_on_an_architecture) {
  // arch_prctl does not exist on x86, ipc not on x86_64: libseccomp skips
  // the architecture where the syscall is absent.
  json profile = json::parse(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "listenerPath": "/run/x", "syscalls": [
      {"names": ["arch_prctl", "ipc", "socket"], "action": "SCMP_ACT_NOTIFY"}]})");
  const LoadReport r = check_loads(profile);
  BOOST_TEST(r.ok(), errors(r));
  // A second unconditional rule with another action is silently dropped on
  // x86_64 but refused on x86, where socket is multiplexed through
  // socketcall: one more reason why an intercepted syscall keeps no base entry.
  profile["syscalls"].push_back({{"names", {"socket"}}, {"action", "SCMP_ACT_ERRNO"}});
  const LoadReport twice = check_loads(profile);
  BOOST_TEST(errors(twice) ==
             "all architectures: syscalls[1] (socket): seccomp_rule_add_array: File exists\n"
             "x86: syscalls[1] (socket): seccomp_rule_add_array: File exists");
}
