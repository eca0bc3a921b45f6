// The profiles rulec writes: golden outputs for synthetic tables over no base,
// the Kubernetes tutorial's profiles and a runtime default, and each layering
// rule on its own.
#define BOOST_TEST_MODULE profile_build
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>

#include "golden.hpp"
#include "parse_base.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa;
using namespace sa::profile;
using namespace sa::profile::test;
using nlohmann::json;

namespace {

Profiles profiles(const std::vector<table::Policy>& policies, const BaseProfile* base,
                  Options o = {}, std::vector<catalog::Arch> arch_list = arches({"x86_64"})) {
  diag::Sink sink;
  o.arches = arch_list;
  return build_profiles(linked(policies, arch_list), base, o, sink);
}

// The NOTIFY entries naming `syscall`.
std::vector<json> notify_entries(const json& profile, const std::string& syscall) {
  std::vector<json> out;
  for (const json& e : profile.at("syscalls")) {
    if (e.at("action") != "SCMP_ACT_NOTIFY")
      continue;
    for (const json& n : e.at("names")) {
      if (n == syscall)
        out.push_back(e);
    }
  }
  return out;
}

bool unconditional(const json& profile, const std::string& syscall) {
  auto e = notify_entries(profile, syscall);
  return e.size() == 1 && !e[0].contains("args");
}

table::Policy mkdir_0700(table::Action default_action = {}) {
  return policy(
      "p", {{"mkdir", {row({cmp(arg("mkdir", "mode"), Op::Eq, {0700})}, errno_action(EACCES))}}},
      default_action);
}

}  // namespace

BOOST_DATA_TEST_CASE(golden_profiles, bdata::make(golden_cases()), c) {
  const auto built = build(c);
  const std::string diff = compare_golden(c.name, golden_json(*built).dump(2) + "\n");
  BOOST_TEST(diff.empty(), diff);
}

BOOST_AUTO_TEST_CASE(listener_and_metadata) {
  Options o;
  o.metadata = {"MOUNT_PROC=true", "TEAM=a"};
  const Profiles p = profiles({demo_basic(), register_rules()}, nullptr, o);
  BOOST_TEST(p.node.at("listenerPath") == "/run/seccomp-agent.socket");
  BOOST_TEST(p.node.at("listenerMetadata") == "MOUNT_PROC=true\nTEAM=a");
  BOOST_TEST(p.policies.at("demo-basic").at("listenerMetadata") ==
             "policy=demo-basic\nMOUNT_PROC=true\nTEAM=a");
  BOOST_TEST(p.policies.at("registers").at("listenerMetadata") ==
             "policy=registers\nMOUNT_PROC=true\nTEAM=a");
  const Profiles bare = profiles({demo_basic()}, nullptr);
  BOOST_TEST(!bare.node.contains("listenerMetadata"));
  BOOST_TEST(bare.policies.at("demo-basic").at("listenerMetadata") == "policy=demo-basic");
  BOOST_TEST(bare.node.at("defaultAction") == "SCMP_ACT_ALLOW");
  BOOST_TEST(!bare.node.contains("defaultErrnoRet"));
}

BOOST_AUTO_TEST_CASE(each_profile_notifies_exactly_its_policys_syscalls) {
  const Profiles p = profiles({demo_basic(), second_policy()}, nullptr);
  BOOST_TEST(unconditional(p.policies.at("demo-basic"), "chmod"));
  BOOST_TEST(notify_entries(p.policies.at("second"), "chmod").empty());
  BOOST_TEST(unconditional(p.node, "chmod"));
  // mkdir: unconditional for demo-basic, so for the node too.
  BOOST_TEST(unconditional(p.node, "mkdir"));
  BOOST_TEST(notify_entries(p.policies.at("second"), "mkdir").size() == 2U);
}

BOOST_AUTO_TEST_CASE(architectures_are_the_targets_and_the_bases) {
  const BaseProfile fine = test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]})");
  const Profiles p = profiles({demo_basic()}, &fine);
  BOOST_TEST(p.node.at("architectures") ==
             json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"}));
  const BaseProfile mapped =
      test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ALLOW", "archMap": [
      {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
      {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}]})");
  const Profiles m = profiles({demo_basic()}, &mapped);
  BOOST_TEST(m.node.at("architectures") ==
             json({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  BOOST_TEST(!m.node.contains("archMap"));
}

// Opt-in: runc 1.1 refuses every flag, crun accepts this one.
BOOST_AUTO_TEST_CASE(wait_killable_recv_only_when_asked) {
  const Profiles bare = profiles({demo_basic()}, nullptr);
  BOOST_TEST(!bare.node.contains("flags"));
  BOOST_TEST(!bare.policies.at("demo-basic").contains("flags"));
  Options o;
  o.wait_killable_recv = true;
  const Profiles p = profiles({demo_basic()}, nullptr, o);
  BOOST_TEST(p.node.at("flags") == json({"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}));
  BOOST_TEST(p.policies.at("demo-basic").at("flags") ==
             json({"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}));
  // Next to the base's flags, and once.
  const BaseProfile b = test::parse_or_throw(
      R"({"defaultAction": "SCMP_ACT_ALLOW",
      "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]})");
  const Profiles both = profiles({demo_basic()}, &b, o);
  BOOST_TEST(both.node.at("flags") ==
             json({"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}));
}

BOOST_AUTO_TEST_CASE(base_settings_are_kept) {
  const BaseProfile b =
      test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
      "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
      "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "io"}]})");
  const Profiles p = profiles({mkdir_0700()}, &b);
  BOOST_TEST(p.node.at("defaultAction") == "SCMP_ACT_ERRNO");
  BOOST_TEST(p.node.at("defaultErrnoRet") == 38);
  BOOST_TEST(p.node.at("flags") == json({"SECCOMP_FILTER_FLAG_SPEC_ALLOW"}));
  BOOST_TEST(p.node.at("syscalls").back() ==
             json::parse(R"({"names": ["read", "write"], "action": "SCMP_ACT_ALLOW",
                             "comment": "io"})"));
}

BOOST_AUTO_TEST_CASE(intercepted_syscalls_leave_every_base_entry) {
  const BaseProfile b = test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read", "mkdir"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["mkdir"], "action": "SCMP_ACT_LOG"},
      {"name": "mkdir", "action": "SCMP_ACT_KILL"},
      {"names": ["mkdir", "rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
       "args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})");
  const Profiles p = profiles({mkdir_0700()}, &b);
  const json expected = json::parse(R"([
      {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"},
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
       "args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]}])");
  BOOST_TEST(p.node.at("syscalls") == expected, p.node.at("syscalls").dump());
  BOOST_TEST(p.policies.at("p").at("syscalls") == expected);
}

BOOST_AUTO_TEST_CASE(filters_only_where_exactly_equivalent) {
  // No base, plain continue default: filtered.
  BOOST_TEST(!unconditional(profiles({mkdir_0700()}, nullptr).node, "mkdir"));
  // A default that logs, delays or stops: every call.
  table::Action log;
  log.log = true;
  BOOST_TEST(unconditional(profiles({mkdir_0700(log)}, nullptr).node, "mkdir"));
  table::Action stop;
  stop.stop_after = table::Duration{0, {}};
  BOOST_TEST(unconditional(profiles({mkdir_0700(stop)}, nullptr).node, "mkdir"));
  table::Action delay;
  delay.delay = table::Duration{1000, {}};
  BOOST_TEST(unconditional(profiles({mkdir_0700(delay)}, nullptr).node, "mkdir"));
  BOOST_TEST(unconditional(profiles({mkdir_0700(errno_action(EPERM))}, nullptr).node, "mkdir"));
  // Base default ALLOW: filtered; LOG, an entry of its own, conditions: every call.
  const BaseProfile allow = test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"}]})");
  BOOST_TEST(!unconditional(profiles({mkdir_0700()}, &allow).node, "mkdir"));
  const BaseProfile log_default = test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_LOG"})");
  BOOST_TEST(unconditional(profiles({mkdir_0700()}, &log_default).node, "mkdir"));
  const BaseProfile listed = test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"}]})");
  BOOST_TEST(unconditional(profiles({mkdir_0700()}, &listed).node, "mkdir"));
  const BaseProfile conditional = test::parse_or_throw(R"({"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
                    "args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}]}]})");
  BOOST_TEST(unconditional(profiles({mkdir_0700()}, &conditional).node, "mkdir"));
  // A rule that reads memory before a default CONTINUE the compiler did not mark safe.
  table::Policy unsafe = mkdir_0700();
  unsafe.syscalls.at("mkdir").rows.front().reads_memory = true;
  unsafe.syscalls.at("mkdir").default_continue_ok = false;
  BOOST_TEST(unconditional(profiles({unsafe}, nullptr).node, "mkdir"));
  unsafe.syscalls.at("mkdir").default_continue_ok = true;
  BOOST_TEST(!unconditional(profiles({unsafe}, nullptr).node, "mkdir"));
}

BOOST_AUTO_TEST_CASE(filtered_entries_and_the_union) {
  const Profiles p = profiles({mkdir_0700(), second_policy()}, nullptr);
  const json one = json::parse(R"([{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY",
      "args": [{"index": 1, "value": 65535, "valueTwo": 448, "op": "SCMP_CMP_MASKED_EQ"}]}])");
  BOOST_TEST(json(notify_entries(p.policies.at("p"), "mkdir")) == one);
  const auto node = notify_entries(p.node, "mkdir");
  BOOST_TEST(node.size() == 3U);  // 0700, 0750, 0755
  // A policy needing every call makes the union unconditional.
  BOOST_TEST(unconditional(profiles({mkdir_0700(), demo_basic()}, nullptr).node, "mkdir"));
}

BOOST_AUTO_TEST_CASE(a_syscall_no_rule_can_match_is_not_notified) {
  table::Policy p = policy("p", {{"mkdir", {}}, {"chmod", {row({})}}});
  const Profiles out = profiles({p}, nullptr);
  BOOST_TEST(notify_entries(out.node, "mkdir").empty());
  BOOST_TEST(unconditional(out.node, "chmod"));
  // With a default that is not a plain continue the agent sees every call.
  table::Action log;
  log.log = true;
  p.default_action = log;
  BOOST_TEST(unconditional(profiles({p}, nullptr).node, "mkdir"));
}

BOOST_AUTO_TEST_CASE(layering_warnings_once_per_syscall) {
  diag::Sink sink;
  auto base = load_base(kFixtures + "violation.json", sink);
  BOOST_REQUIRE(base);
  const auto arch_list = arches({"x86_64"});
  table::Table t = linked({register_rules(), mkdir_0700()}, arch_list);
  Options o;
  o.arches = arch_list;
  t.passthrough = passthrough(&*base, passes::intercepted(t.policies), sink);
  build_profiles(t, &*base, o, sink);
  BOOST_TEST(sink.warning_count() == t.passthrough.size());
  BOOST_TEST(sink.error_count() == 0U);
}
