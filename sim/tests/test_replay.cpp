// seccomp-sim replay and diff on traces, against tables compiled from the
// example rule files.
#define BOOST_TEST_MODULE replay
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "compiled.hpp"
#include "diff.hpp"
#include "model/codec/trace_json.hpp"
#include "model/codec/trace_writer.hpp"
#include "replay.hpp"
#include "trace_facts.hpp"

namespace sa::sim {
namespace {

using testing::compile;

const std::string kDemoTrace = "sim/tests/data/demo-basic.jsonl";

struct Run {
  ReplayCounts counts;
  std::string output;
};

Run replay(const engine::Engine& e, std::istream& in, ReplayOptions options) {
  trace::TraceReader reader(in, "test.jsonl");
  std::ostringstream out;
  Replayer r(e, options, out);
  Run run;
  run.counts = r.run(reader);
  run.output = out.str();
  return run;
}

Run replay_file(const engine::Engine& e, const std::string& path, ReplayOptions options) {
  trace::TraceReader reader(path);
  std::ostringstream out;
  Replayer r(e, options, out);
  Run run;
  run.counts = r.run(reader);
  run.output = out.str();
  return run;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

BOOST_AUTO_TEST_CASE(the_kinvolk_demo_replays_as_expected) {
  const auto e = compile({"rules/demo-basic.yaml"});
  const Run run = replay_file(*e, kDemoTrace, ReplayOptions{Format::Text, true});
  BOOST_TEST(run.counts.notifications == 4u);
  BOOST_TEST(run.counts.checked == 4u);
  BOOST_TEST(run.counts.mismatches == 0u, run.output);
  BOOST_TEST(run.counts.errors == 0u);
  BOOST_TEST(contains(run.output, R"(emulate mkdir "/abc-pid-4072889" mode 0777 (demo-basic#2)"));
  BOOST_TEST(contains(run.output, "errno EBADMSG (demo-basic#3"));
  BOOST_TEST(contains(run.output, "4 notifications, 0 errors, 4 checks, 0 mismatches"));
}

BOOST_AUTO_TEST_CASE(a_wrong_expectation_is_a_mismatch_with_a_diff) {
  const auto e = compile({"rules/demo-basic.yaml"});
  std::stringstream in(
      R"({"type":"header","format":"seccomp-agent/trace","version":1})"
      "\n"
      R"({"type":"notification","pid":7,"syscall":"mkdir","args":["0x1000","0x1ed"],"strings":[{"arg":0,"value":"/abc"}],"expect":"emulate mkdir path=\"/abc-pid-8\" mode=0700"})"
      "\n"
      R"({"type":"notification","pid":7,"syscall":"chmod","args":["0x1000","0x1ff"],"expect":"errno EPERM"})"
      "\n");
  const Run run = replay(*e, in, ReplayOptions{Format::Text, true});
  BOOST_TEST(run.counts.mismatches == 2u);
  BOOST_TEST(contains(run.output, R"(emulate path: expected "/abc-pid-8", got "/abc-pid-7")"),
             run.output);
  BOOST_TEST(contains(run.output, "emulate mode: expected 0700, got 0755"), run.output);
  BOOST_TEST(contains(run.output, "response: expected errno EPERM, got errno EBADMSG"), run.output);
  // Without --check nothing is compared.
  in.clear();
  in.seekg(0);
  BOOST_TEST(replay(*e, in, ReplayOptions{Format::Text, false}).counts.mismatches == 0u);
}

BOOST_AUTO_TEST_CASE(an_invalid_expect_is_an_error_for_that_notification) {
  const auto e = compile({"rules/demo-basic.yaml"});
  std::stringstream in(
      R"({"type":"header","format":"seccomp-agent/trace","version":1})"
      "\n"
      R"({"type":"notification","syscall":"chmod","expect":"errno EBADMGS"})"
      "\n"
      R"({"type":"notification","syscall":"chmod","expect":"emulate chmod path=\"{path}\""})"
      "\n");
  const Run run = replay(*e, in, ReplayOptions{Format::Text, true});
  BOOST_TEST(run.counts.errors == 2u);
  BOOST_TEST(contains(run.output, "unknown errno 'EBADMGS' (did you mean 'EBADMSG'?)"), run.output);
  BOOST_TEST(contains(run.output, "expected values are literal"), run.output);
}

BOOST_AUTO_TEST_CASE(recorded_decisions_are_checked_including_the_rule) {
  const auto e = compile({"rules/demo-basic.yaml"});
  // Record what the engine decides, then alter one recorded rule id.
  trace::NotificationRecord n;
  n.syscall = "chmod";
  n.call.nr = 90;
  n.call.audit_arch = catalog::find_arch("x86_64")->audit_arch;
  TraceFacts facts(n);
  const engine::Decision d = e->evaluate(&e->table().policies[0], {}, n.call, facts);
  n.decision = d.record();
  std::stringstream in;
  {
    trace::TraceWriter w(in, trace::Header{});
    n.seq = 1;
    w.notification(n);
    n.seq = 2;
    n.decision->rule = "demo-basic#9";
    w.notification(n);
  }
  const Run run = replay(*e, in, ReplayOptions{Format::Text, true});
  BOOST_TEST(run.counts.checked == 2u);
  BOOST_TEST(run.counts.mismatches == 1u);
  BOOST_TEST(contains(run.output, "rule: expected demo-basic#9, got demo-basic#3"), run.output);
}

// A recorded emulation as agent is checked as such: replayed by a table that
// emulates with the caller's credentials, it is a mismatch.
BOOST_AUTO_TEST_CASE(recorded_credentials_are_checked) {
  const auto e = compile({"compiler/tests/fixtures/as-agent.yaml"});
  trace::NotificationRecord n;
  n.syscall = "mkdir";
  n.call.nr = 83;
  n.call.pid = 42;
  n.call.audit_arch = catalog::find_arch("x86_64")->audit_arch;
  n.call.args = {0x1000, 0755};
  n.strings = {trace::StringArg{0, "path", {model::StringRead::Status::Ok, "/abc", 0}}};
  TraceFacts facts(n);
  const engine::Decision d = e->evaluate(&e->table().policies[0], {}, n.call, facts);
  n.decision = d.record();
  BOOST_TEST((n.decision->credentials == model::Credentials::Agent));
  std::stringstream in;
  {
    trace::TraceWriter w(in, trace::Header{});
    n.seq = 1;
    w.notification(n);
    n.seq = 2;
    n.decision->credentials = model::Credentials::Caller;
    w.notification(n);
  }
  const Run run = replay(*e, in, ReplayOptions{Format::Text, true});
  BOOST_TEST(run.counts.checked == 2u);
  BOOST_TEST(run.counts.mismatches == 1u, run.output);
  BOOST_TEST(contains(run.output, "emulate as: expected caller, got agent"), run.output);
}

BOOST_AUTO_TEST_CASE(facts_the_trace_lacks_are_per_notification_errors) {
  const auto e = compile({"rules/userns-mount.yaml"});
  std::stringstream in(
      R"({"type":"header","format":"seccomp-agent/trace","version":1})"
      "\n"
      R"({"type":"notification","seq":1,"syscall":"mount","args":["0x1","0x2","0x3"]})"
      "\n"
      R"({"type":"notification","seq":2,"syscall":"mount","args":["0x1","0x2","0x3"],"strings":[{"arg":0,"value":"//s/x"},{"arg":1,"value":"/mnt"},{"arg":2,"value":"cifs"}]})"
      "\n"
      R"({"type":"notification","seq":3,"syscall":"mount","args":["0x1","0x2","0x3"],"strings":[{"arg":0,"value":"//s/x"},{"arg":1,"value":"/mnt"},{"arg":2,"value":"cifs"}],"caller":{"uid":0,"cap_effective":"0x200000","userns_is_container":true}})"
      "\n");
  const Run run = replay(*e, in, ReplayOptions{Format::Text, false});
  BOOST_TEST(run.counts.notifications == 3u);
  BOOST_TEST(run.counts.errors == 2u);
  BOOST_TEST(contains(run.output, "lacks the string argument 2 (fstype) of mount"), run.output);
  BOOST_TEST(contains(run.output, "lacks the caller's credentials"), run.output);
  BOOST_TEST(contains(run.output, R"(emulate mount "//s/x" on "/mnt" type "cifs")"), run.output);
}

BOOST_AUTO_TEST_CASE(json_output_is_one_object_per_line) {
  const auto e = compile({"rules/demo-basic.yaml"});
  const Run run = replay_file(*e, kDemoTrace, ReplayOptions{Format::Json, true});
  std::istringstream lines(run.output);
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(lines, line))
    records.push_back(nlohmann::json::parse(line));
  BOOST_REQUIRE(records.size() == 5u);
  BOOST_TEST(records[1]["decision"]["emulate"]["args"][0]["value"] == "/abc-pid-4072889");
  BOOST_TEST(records[2]["decision"]["errno"] == "EBADMSG");
  BOOST_TEST(records[4]["summary"]["notifications"] == 4);
  BOOST_TEST(records[4]["summary"]["mismatches"] == 0);
}

BOOST_AUTO_TEST_CASE(containers_select_their_policy) {
  const auto e = compile({"rules/demo-basic.yaml", "rules/notifier.yaml"});
  std::stringstream in(
      R"({"type":"header","format":"seccomp-agent/trace","version":1})"
      "\n"
      R"({"type":"container","id":"a","metadata":"policy=notifier"})"
      "\n"
      R"({"type":"container","id":"b"})"
      "\n"
      R"({"type":"notification","container":"a","syscall":"chroot","args":["0x1"],"strings":[{"arg":0,"value":"/tmp"}],"expect":"log, errno ENOSYS, stop container after 5s"})"
      "\n"
      R"({"type":"notification","container":"b","syscall":"chroot","expect":"continue"})"
      "\n");
  const Run run = replay(*e, in, ReplayOptions{Format::Text, true});
  BOOST_TEST(run.counts.mismatches == 0u, run.output);
  BOOST_TEST(contains(run.output, "# container a: policy notifier"), run.output);
  BOOST_TEST(contains(run.output, "# container b: no policy"), run.output);
  BOOST_TEST(contains(run.output, "continue [no-policy]"), run.output);
}

// runc's test profiles notify read, close, ... which no rule names: the
// simulator decides them with the policy default, as the agent does.
BOOST_AUTO_TEST_CASE(a_syscall_no_rule_names_replays_with_the_default) {
  const auto e = compile({"rules/demo-basic.yaml"});
  std::stringstream in(
      R"({"type":"header","format":"seccomp-agent/trace","version":1})"
      "\n"
      R"({"type":"container","id":"a","metadata":"bar"})"
      "\n"
      R"({"type":"notification","container":"a","syscall":"read","args":["0x3","0x1000","0x10"],"expect":"continue"})"
      "\n"
      R"({"type":"notification","container":"a","syscall":"close","args":["0x3"],"decision":{"response":"continue","policy":"demo-basic","origin":"unnamed-syscall"}})"
      "\n");
  const Run run = replay(*e, in, ReplayOptions{Format::Text, true});
  BOOST_TEST(run.counts.notifications == 2u);
  BOOST_TEST(run.counts.checked == 2u);
  BOOST_TEST(run.counts.mismatches == 0u, run.output);
  BOOST_TEST(contains(run.output, "continue [unnamed-syscall]"), run.output);
}

BOOST_AUTO_TEST_CASE(diff_shows_the_notifications_that_change) {
  const auto a = compile({"rules/demo-basic.yaml"});
  const auto b = compile({"rules/kinvolk-compat.yaml"});
  trace::TraceReader reader(kDemoTrace);
  std::ostringstream out;
  const DiffCounts c = diff_tables(reader, *a, *b, out);
  BOOST_TEST(c.notifications == 4u);
  // kinvolk-compat does not select this container: everything continues.
  BOOST_TEST(c.changed == 3u, out.str());
  BOOST_TEST(contains(out.str(), "A: errno EBADMSG (demo-basic#3"), out.str());
  BOOST_TEST(contains(out.str(), "B: continue [no-policy]"), out.str());
  BOOST_TEST(contains(out.str(), "3 of 4 notifications decided differently"), out.str());

  trace::TraceReader again(kDemoTrace);
  std::ostringstream same;
  BOOST_TEST(diff_tables(again, *a, *a, same).changed == 0u);
}

}  // namespace
}  // namespace sa::sim
