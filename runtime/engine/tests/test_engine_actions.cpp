// Every action kind, templates in emulate parameters and durations, and the
// decision's renderings (action text, effect plan, summary).
#define BOOST_TEST_MODULE engine_actions
#include <fcntl.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <ostream>

#include "fixtures.hpp"

namespace sa::engine {
namespace {

using namespace testing;
namespace bdata = boost::unit_test::data;

// One unconditional row for `syscall` with `action`.
struct OneRule {
  explicit OneRule(const std::string& syscall, table::Action action)
      : engine(make_table({policy("p", {{syscall, {row("p#1", {}, std::move(action))}}})})) {}

  Decision decide(const model::Notification& n, FactSource& facts,
                  const model::ContainerInfo& c = container()) {
    return engine.evaluate(&engine.table().policies.front(), c, n, facts);
  }
  Engine engine;
};

BOOST_AUTO_TEST_CASE(continue_errno_return_kill) {
  CountingFacts facts;
  {
    OneRule rule1("chmod", continue_action());
    const Decision d = rule1.decide(notification("chmod"), facts);
    BOOST_TEST(d.response() == table::Response::Continue);
    BOOST_TEST(d.is_continue());
    BOOST_TEST(d.origin == model::Origin::Rule);
    BOOST_TEST(d.syscall == "chmod");
    BOOST_TEST(d.action_text() == "continue");
    BOOST_TEST(d.effect_plan() == "the kernel runs chmod");
  }
  {
    OneRule rule2("chmod", errno_action(EBADMSG));
    const Decision d = rule2.decide(notification("chmod"), facts);
    BOOST_TEST(d.response() == table::Response::Errno);
    BOOST_TEST(d.error() == EBADMSG);
    BOOST_TEST(!d.is_continue());
    BOOST_TEST(d.row->id == "p#1");
    BOOST_TEST(d.policy->name == "p");
    BOOST_TEST(d.summary() == "errno EBADMSG (p#1 rules/test.yaml:3:5)");
    BOOST_TEST(d.effect_plan() == "chmod fails with EBADMSG");
  }
  {
    table::Action a;
    a.response = table::Response::Return;
    a.value = -5;
    OneRule rule3("getpid", a);
    const Decision d = rule3.decide(notification("getpid"), facts);
    BOOST_TEST(d.response() == table::Response::Return);
    BOOST_TEST(d.value() == -5);
    BOOST_TEST(d.action_text() == "return -5");
  }
  {
    table::Action a;
    a.response = table::Response::Kill;
    OneRule rule4("ptrace", a);
    const Decision d = rule4.decide(notification("ptrace"), facts);
    BOOST_TEST(d.response() == table::Response::Kill);
    BOOST_TEST(d.effect_plan() == "the caller is killed (SIGKILL)");
  }
  BOOST_TEST(facts.total_reads() == 0);
}

BOOST_AUTO_TEST_CASE(emulate_mkdir_with_a_renamed_path) {
  OneRule r("mkdir", emulate_action("mkdir", {{"path", "{path}-pid-{pid}"}}));
  CountingFacts facts;
  facts.with(0, "/abc");
  const Decision d = r.decide(notification("mkdir", {0x1000, 0755}, 42), facts);
  BOOST_TEST(d.response() == table::Response::Emulate);
  BOOST_TEST(d.emulation()->op == sa::model::Emulator::Mkdir);
  BOOST_REQUIRE(d.emulation()->args.size() == 2);
  BOOST_TEST(d.emulation()->find("path")->text == "/abc-pid-42");
  BOOST_TEST(d.emulation()->find("path")->overridden);
  BOOST_TEST(d.emulation()->find("mode")->integer == 0755u);
  BOOST_TEST(!d.emulation()->find("mode")->overridden);
  BOOST_TEST(d.effect_plan() == R"(mkdir "/abc-pid-42" mode 0755 in the container's root)");
  BOOST_TEST(d.summary() == R"(emulate mkdir "/abc-pid-42" mode 0755 (p#1 rules/test.yaml:3:5))");
  BOOST_TEST(d.read_memory);
  BOOST_TEST(facts.reads[0] == 1);  // the template and the resolution share one read
}

// The emulation carries the rule's credentials to the kernel layer, and
// says so wherever it is shown; with the caller's (the default) nothing does.
BOOST_AUTO_TEST_CASE(emulate_as_agent_carries_the_agents_credentials) {
  table::Action as_agent = emulate_action("mkdir", {{"path", "{path}-pid-{pid}"}});
  as_agent.credentials = model::Credentials::Agent;
  OneRule r("mkdir", as_agent);
  CountingFacts facts;
  facts.with(0, "/abc");
  const Decision d = r.decide(notification("mkdir", {0x1000, 0755}, 42), facts);
  BOOST_REQUIRE(d.emulation() != nullptr);
  BOOST_TEST((d.emulation()->credentials == model::Credentials::Agent));
  BOOST_TEST(d.emulation()->describe() == R"(mkdir "/abc-pid-42" mode 0755 as agent)");
  BOOST_TEST(
      d.effect_plan() ==
      R"(mkdir "/abc-pid-42" mode 0755 in the container's root, with the agent's privileges)");
  BOOST_TEST(d.summary() ==
             R"(emulate mkdir "/abc-pid-42" mode 0755 as agent (p#1 rules/test.yaml:3:5))");
  BOOST_TEST((d.record().credentials == model::Credentials::Agent));

  OneRule caller("mkdir", emulate_action("mkdir"));
  const Decision c = caller.decide(notification("mkdir", {0x1000, 0755}, 42), facts);
  BOOST_TEST((c.emulation()->credentials == model::Credentials::Caller));
  BOOST_TEST((c.record().credentials == model::Credentials::Caller));
}

// The caller's own pathname is checked as the kernel checks it, before a
// rule's parameter replaces it: mkdir(NULL) is EFAULT and mkdir("") ENOENT
// even when the rule renames the path; nothing is emulated.
BOOST_AUTO_TEST_CASE(the_callers_pathname_is_checked_first) {
  struct Case {
    const char* syscall;
    int arg;
    bool null;
    int error;
  };
  const Case cases[] = {{"mkdir", 0, true, EFAULT},    {"mkdir", 0, false, ENOENT},
                        {"mkdirat", 1, true, EFAULT},  {"chmod", 0, false, ENOENT},
                        {"fchmodat", 1, true, EFAULT}, {"mount", 1, true, EFAULT},
                        {"mount", 1, false, ENOENT}};
  for (const Case& c : cases) {
    const std::string name = c.syscall;
    const bool has_path = name != "mount";
    OneRule r(name, has_path ? emulate_action(name, {{"path", "{path}-pid-{pid}"}})
                             : emulate_action(name, {{"target", "/mnt{target}"}}));
    CountingFacts facts;
    for (int i = 0; i < 5; ++i)
      facts.with(i, "x");
    if (c.null)
      facts.null(c.arg);
    else
      facts.with(c.arg, "");
    const Decision d = r.decide(notification(name, {1, 2, 3, 4, 5}, 42), facts);
    BOOST_TEST(d.response() == table::Response::Errno, name);
    BOOST_TEST(d.error() == c.error, name);
  }
}

BOOST_AUTO_TEST_CASE(emulate_mount_keeps_every_argument_and_null_data) {
  OneRule r("mount", emulate_action("mount"));
  CountingFacts facts;
  facts.with(0, "proc").with(1, "root").with(2, "proc").null(4);
  const Decision d = r.decide(notification("mount", {1, 2, 3, 0, 0}), facts);
  BOOST_REQUIRE(d.emulation()->args.size() == 5);
  BOOST_TEST(d.emulation()->find("data")->is_null);
  BOOST_TEST(d.emulation()->find("flags")->integer == 0u);
  BOOST_TEST(d.effect_plan() ==
             R"(mount "proc" on "root" type "proc" flags 0x0 in the caller's mount namespace)");
  for (int arg : {0, 1, 2, 4})
    BOOST_TEST(facts.reads[arg] == 1);
}

BOOST_AUTO_TEST_CASE(emulate_chmod_and_integer_parameters) {
  {
    OneRule r("chmod", emulate_action("chmod"));
    CountingFacts facts;
    facts.with(0, "/");
    BOOST_TEST(r.decide(notification("chmod", {1, 0777}), facts).effect_plan() ==
               R"(chmod "/" mode 0777)");
  }
  {
    OneRule r("chmod", emulate_action("chmod", {}, {{"mode", 0700}}));
    CountingFacts facts;
    facts.with(0, "/tmp/x");
    const Decision d = r.decide(notification("chmod", {1, 0777}), facts);
    BOOST_TEST(d.emulation()->find("mode")->integer == 0700u);
    BOOST_TEST(d.emulation()->find("mode")->overridden);
  }
  {
    OneRule r("mkdirat", emulate_action("mkdirat"));
    CountingFacts facts;
    facts.with(1, "d");
    const uint64_t cwd = static_cast<uint64_t>(int64_t{AT_FDCWD});
    BOOST_TEST(r.decide(notification("mkdirat", {cwd, 1, 0700}), facts).effect_plan() ==
               R"(mkdirat "d" relative to the caller's cwd mode 0700 in the container's root)");
    BOOST_TEST(r.decide(notification("mkdirat", {5, 1, 0700}), facts).emulation()->describe() ==
               R"(mkdirat "d" relative to the caller's fd 5 mode 0700)");
  }
  {
    OneRule r("fchmod", emulate_action("fchmod"));
    CountingFacts facts;
    BOOST_TEST(r.decide(notification("fchmod", {3, 0644}), facts).effect_plan() ==
               "fchmod the caller's fd 3 mode 0644");
  }
}

BOOST_AUTO_TEST_CASE(every_template_placeholder) {
  OneRule r("mkdir",
            emulate_action("mkdir", {{"path",
                                      "{path}|{mode}|{pid}|{container.pid}|{container.id}|"
                                      "{container.name}|{pod.namespace}|{pod.name}|{meta.T}|"
                                      "{meta.NONE}|{annotation.team}|{annotation.none}|{meta}|"
                                      "{path|basename}|{meta|basename}"}}));
  model::ContainerInfo c =
      container("T=-{{.Namespace}}-{{.Pod}}-{{.Container}}-{{.Pid}}-{{.Pid1}}");
  c.pod_namespace = "default";
  c.pod_name = "mypod";
  c.container_name = "app";
  c.annotations["team"] = "blue";
  CountingFacts facts;
  facts.with(0, "/abc");
  const Decision d = r.decide(notification("mkdir", {1, 0755}, 77), facts, c);
  BOOST_TEST(d.emulation()->find("path")->text ==
             "/abc|493|77|4242|c0ffee|app|default|mypod|-default-mypod-app-77-4242||blue||"
             "T=-{{.Namespace}}-{{.Pod}}-{{.Container}}-{{.Pid}}-{{.Pid1}}|abc|"
             "T=-{{.Namespace}}-{{.Pod}}-{{.Container}}-{{.Pid}}-{{.Pid1}}");
}

// {NAME|basename} is Go's filepath.Base, which runc's reference agent applies
// to its listenerMetadata.
struct BasenameCase {
  const char* value;
  const char* base;
};
std::ostream& operator<<(std::ostream& os, const BasenameCase& c) {
  return os << '"' << c.value << '"';
}
const BasenameCase kBasenames[] = {
    {"bar", "bar"},
    {"", "."},
    {"/", "/"},
    {"///", "/"},
    {"a/b", "b"},
    {"a/b/", "b"},
    {"/../p", "p"},
    {"../..", ".."},
    {"a//", "a"},
    {"x=1\ny/z", "z"},
    {".", "."},
    {"/a/b//c", "c"},
    {"policy=p", "policy=p"},
};

BOOST_DATA_TEST_CASE(basename_is_gos_filepath_base, bdata::make(kBasenames), c) {
  OneRule r("mkdir", emulate_action("mkdir", {{"path", "{path}-{meta|basename}"}}));
  model::ContainerInfo info = container();
  info.metadata_raw = c.value;
  CountingFacts facts;
  facts.with(0, "/d");
  const Decision d = r.decide(notification("mkdir", {1, 0755}), facts, info);
  BOOST_TEST(d.emulation()->find("path")->text == std::string("/d-") + c.base);
}

BOOST_AUTO_TEST_CASE(delays_literal_templated_and_invalid) {
  table::Action delayed;
  delayed.delay = table::Duration{2000, ""};
  CountingFacts facts;
  {
    OneRule rule5("getpid", delayed);
    const Decision d = rule5.decide(notification("getpid"), facts);
    BOOST_TEST(d.delay_ms.value() == 2000u);
    BOOST_TEST(d.action_text() == "delay 2s then continue");
    BOOST_TEST(d.effect_plan() == "after 2s: the kernel runs getpid");
  }
  delayed.delay = table::Duration{std::nullopt, "{meta.EXEC_DURATION}"};
  OneRule templated("getpid", delayed);
  {
    const Decision d =
        templated.decide(notification("getpid"), facts, container("EXEC_DURATION=1.5s"));
    BOOST_TEST(d.delay_ms.value() == 1500u);
    BOOST_TEST(d.warnings.empty());
  }
  {
    const Decision d =
        templated.decide(notification("getpid"), facts, container("EXEC_DURATION=soon"));
    BOOST_TEST(d.delay_ms.value() == 0u);
    BOOST_REQUIRE(d.warnings.size() == 1);
    BOOST_TEST(d.warnings[0].find("\"soon\"") != std::string::npos);
    BOOST_TEST(d.summary().find("[warning:") != std::string::npos);
  }
}

// `delay until age D` (Kinvolk's SIDECARS_DELAY): D less the caller's age,
// nothing when it is older, nothing (with a warning) when its age is
// unknown, EPERM when the caller cannot be seen.
BOOST_AUTO_TEST_CASE(delay_until_age_waits_the_rest) {
  table::Action a;
  a.delay = table::Duration{std::nullopt, "{meta.SIDECARS_DELAY}"};
  a.delay_from = table::DelayFrom::CallerStart;
  OneRule r("execve", a);
  const model::ContainerInfo info = container("SIDECARS_DELAY=5s");
  model::CallerFacts caller;
  CountingFacts facts;
  {
    caller.age_ms = 1200;
    facts.caller_is(caller);
    const Decision d = r.decide(notification("execve"), facts, info);
    BOOST_TEST(d.delay_ms.value() == 3800u);
    BOOST_TEST(d.is_continue());
    BOOST_TEST(d.action_text() == "delay 3800ms then continue");
    BOOST_TEST(d.warnings.empty());
  }
  for (const uint64_t age : {5000U, 60000U}) {
    caller.age_ms = age;
    facts.caller_is(caller);
    const Decision d = r.decide(notification("execve"), facts, info);
    BOOST_TEST(!d.delay_ms.has_value());
    BOOST_TEST(d.action_text() == "continue");
  }
  {
    caller.age_ms.reset();
    facts.caller_is(caller);
    const Decision d = r.decide(notification("execve"), facts, info);
    BOOST_TEST(!d.delay_ms.has_value());
    BOOST_TEST(d.is_continue());
    BOOST_REQUIRE(d.warnings.size() == 1);
    BOOST_TEST(d.warnings[0] == "the caller's age is not known; not waiting");
  }
  {
    facts.facts.reset();  // the caller is not visible
    const Decision d = r.decide(notification("execve"), facts, info);
    BOOST_TEST(d.error() == EPERM);
    BOOST_TEST(d.origin == model::Origin::FactsUnavailable);
    BOOST_TEST(!d.delay_ms.has_value());
  }
  // A plain delay never asks for the caller.
  a.delay_from = table::DelayFrom::Decision;
  OneRule plain("execve", a);
  CountingFacts none;
  const Decision d = plain.decide(notification("execve"), none, info);
  BOOST_TEST(d.delay_ms.value() == 5000u);
  BOOST_TEST(none.caller_calls == 0);
}

BOOST_AUTO_TEST_CASE(log_stop_container_after) {
  table::Action a = errno_action(ENOSYS);
  a.log = true;
  a.stop_after = table::Duration{5000, ""};
  CountingFacts facts;
  OneRule rule6("chroot", a);
  const Decision d = rule6.decide(notification("chroot"), facts);
  BOOST_TEST(d.log);
  BOOST_TEST(d.stops());
  BOOST_TEST(d.stop_after_ms.value() == 5000u);
  BOOST_TEST(d.action_text() == "log, errno ENOSYS, stop container after 5s");
  BOOST_TEST(
      d.effect_plan() ==
      "chroot fails with ENOSYS; logged; the container is stopped 5s after the last such call");

  a.stop_after = table::Duration{0, ""};
  OneRule rule7("chroot", a);
  const Decision now = rule7.decide(notification("chroot"), facts);
  BOOST_TEST(now.action_text() == "log, errno ENOSYS, stop container");
  BOOST_TEST(now.stop_after_ms.value() == 0u);
  BOOST_TEST(
      now.effect_plan() ==
      "chroot fails with ENOSYS; logged; the container is stopped at once, before the answer");

  a.stop_after = table::Duration{std::nullopt, "{meta.GRACE}"};
  OneRule rule8("chroot", a);
  const Decision later = rule8.decide(notification("chroot"), facts, container("GRACE=1m"));
  BOOST_TEST(later.stop_after_ms.value() == 60000u);
  BOOST_TEST((later.stop_mode == table::StopMode::Kill));
}

// Kinvolk's freeze-container: EPERM, and the container's cgroup frozen.
BOOST_AUTO_TEST_CASE(freeze_container) {
  table::Action a = errno_action(EPERM);
  a.stop_after = table::Duration{0, ""};
  a.stop_mode = table::StopMode::Freeze;
  CountingFacts facts;
  OneRule rule("unshare", a);
  const Decision d = rule.decide(notification("unshare"), facts);
  BOOST_TEST(d.stops());
  BOOST_TEST((d.stop_mode == table::StopMode::Freeze));
  BOOST_TEST(d.action_text() == "errno EPERM, freeze container");
  BOOST_TEST(d.effect_plan() ==
             "unshare fails with EPERM; the container is frozen at once, before the answer");
  const trace::RecordedDecision r = d.record();
  BOOST_TEST((r.stop_mode == table::StopMode::Freeze));
  BOOST_TEST(r.stop);
}

BOOST_AUTO_TEST_CASE(integer_only_decisions_do_not_touch_the_heap_side) {
  CountingFacts facts;
  OneRule rule9("chmod", errno_action(EPERM));
  const Decision d = rule9.decide(notification("chmod"), facts);
  BOOST_TEST(d.warnings.capacity() == 0u);
  BOOST_TEST(d.emulation() == nullptr);
}

}  // namespace
}  // namespace sa::engine
