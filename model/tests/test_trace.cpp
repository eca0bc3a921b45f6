// The trace format: writing and reading back both forms, and every kind of
// bad input reported with its line number.
#define BOOST_TEST_MODULE trace
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <sstream>
#include <streambuf>

#include "model/codec/trace_reader.hpp"
#include "model/codec/trace_writer.hpp"

namespace sa::trace {
namespace {

namespace bdata = boost::unit_test::data;
using model::StringRead;

model::ContainerInfo sample_container() {
  model::ContainerInfo c;
  c.id = "abc123";
  c.pid = 4242;
  c.bundle = "/run/containers/abc123";
  c.status = "running";
  c.annotations = {{"io.kubernetes.cri.sandbox-namespace", "default"},
                   {"io.kubernetes.cri.sandbox-name", "mynotifypod"}};
  c.metadata_raw = "MKDIR_TMPL=-{{.Pod}}\nEXEC_DURATION=2s";
  return c;
}

NotificationRecord sample_mount() {
  NotificationRecord n;
  n.seq = 1;
  n.time = "2024-05-01T12:00:00.123456Z";
  n.container = "abc123";
  n.call.id = 0xfedcba9876543210ULL;  // above 2^53: must survive as hex
  n.call.pid = 4072889;
  n.syscall = "mount";
  n.call.nr = 165;
  n.call.args = {0x7ffd00001000ULL,    0x7ffd00001100ULL, 0x7ffd00001200ULL, 0x1000, 0,
                 0xffffffffffffffffULL};
  n.strings = {StringArg{0, "source", StringRead{StringRead::Status::Ok, "proc", 0}},
               StringArg{1, "target", StringRead{StringRead::Status::Failed, "", EFAULT}},
               StringArg{2, "fstype", StringRead{StringRead::Status::Ok, "pr\"oc\n\xc3\xa9", 0}},
               StringArg{4, "data", StringRead{StringRead::Status::Null, "", 0}}};
  n.caller.state = CallerRecord::State::Known;
  n.caller.facts = model::CallerFacts{0, 0, 0x1fffffffffULL, "user:[4026532845]", true, 1234};
  RecordedDecision d;
  d.response = table::Response::Emulate;
  d.rule = "demo-basic#1";
  d.policy = "demo-basic";
  d.origin = model::Origin::Rule;
  d.emulate = "mount";
  d.args = {RecordedArg{0, "source", true, false, "proc", 0},
            RecordedArg{3, "flags", false, false, "", 0x1000},
            RecordedArg{4, "data", true, true, "", 0}};
  d.log = true;
  d.delay_ms = 1500;
  d.stop = true;
  d.stop_after_ms = 5000;
  d.stop_mode = table::StopMode::Freeze;
  d.effect = R"(mount "proc" on "root" ...)";
  d.warnings = {"something to see"};
  n.decision = d;
  n.response = sa::model::Response::fail(74);
  n.expect = R"(emulate mount source="proc")";
  return n;
}

NotificationRecord sample_chmod() {
  NotificationRecord n;
  n.seq = 2;
  n.container = "abc123";
  n.call.pid = 7;
  n.syscall = "chmod";
  n.call.nr = 90;
  n.call.args = {1, 0777};
  n.caller.state = CallerRecord::State::NotVisible;
  RecordedDecision d;
  d.response = table::Response::Errno;
  d.error = 74;
  n.decision = d;
  return n;
}

void check_same(const NotificationRecord& a, const NotificationRecord& b) {
  BOOST_TEST(a.seq == b.seq);
  BOOST_TEST(a.time == b.time);
  BOOST_TEST(a.container == b.container);
  BOOST_TEST(a.call.id == b.call.id);
  BOOST_TEST(a.call.pid == b.call.pid);
  BOOST_TEST(a.arch == b.arch);
  BOOST_TEST(a.syscall == b.syscall);
  BOOST_TEST((a.call.args == b.call.args));
  BOOST_REQUIRE(a.strings.size() == b.strings.size());
  for (size_t i = 0; i < a.strings.size(); ++i) {
    BOOST_TEST(a.strings[i].arg == b.strings[i].arg);
    BOOST_TEST(a.strings[i].name == b.strings[i].name);
    BOOST_TEST((a.strings[i].read.status == b.strings[i].read.status));
    BOOST_TEST(a.strings[i].read.value == b.strings[i].read.value);
    BOOST_TEST(a.strings[i].read.error == b.strings[i].read.error);
  }
  BOOST_TEST((a.caller.state == b.caller.state));
  BOOST_TEST(a.caller.facts.cap_effective == b.caller.facts.cap_effective);
  BOOST_TEST(a.caller.facts.userns == b.caller.facts.userns);
  BOOST_TEST(a.caller.facts.userns_is_container == b.caller.facts.userns_is_container);
  BOOST_TEST((a.caller.facts.age_ms == b.caller.facts.age_ms));
  BOOST_REQUIRE(a.decision.has_value() == b.decision.has_value());
  if (a.decision) {
    const RecordedDecision& x = *a.decision;
    const RecordedDecision& y = *b.decision;
    BOOST_TEST((x.response == y.response));
    BOOST_TEST(x.error == y.error);
    BOOST_TEST(x.rule == y.rule);
    BOOST_TEST(x.policy == y.policy);
    BOOST_TEST((x.origin == y.origin));
    BOOST_TEST(x.emulate == y.emulate);
    BOOST_TEST((x.credentials == y.credentials));
    BOOST_REQUIRE(x.args.size() == y.args.size());
    for (size_t i = 0; i < x.args.size(); ++i) {
      BOOST_TEST(x.args[i].name == y.args[i].name);
      BOOST_TEST(x.args[i].is_null == y.args[i].is_null);
      BOOST_TEST(x.args[i].is_string == y.args[i].is_string);
      BOOST_TEST(x.args[i].text == y.args[i].text);
      BOOST_TEST(x.args[i].integer == y.args[i].integer);
    }
    BOOST_TEST((x.delay_ms == y.delay_ms));
    BOOST_TEST(x.stop == y.stop);
    BOOST_TEST((x.stop_after_ms == y.stop_after_ms));
    BOOST_TEST((x.stop_mode == y.stop_mode));
    BOOST_TEST(x.log == y.log);
    BOOST_TEST(x.effect == y.effect);
    BOOST_TEST((x.warnings == y.warnings));
  }
  BOOST_TEST(a.response.has_value() == b.response.has_value());
  if (a.response)
    BOOST_TEST((*a.response == *b.response));
  BOOST_TEST((a.expect == b.expect));
}

std::vector<TraceItem> read_all(TraceReader& r) {
  std::vector<TraceItem> out;
  TraceItem item;
  while (r.next(item))
    out.push_back(item);
  return out;
}

BOOST_AUTO_TEST_CASE(json_lines_round_trip) {
  std::stringstream s;
  {
    TraceWriter w(s, Header{kFormatVersion, "sha256:00ff"});
    w.container(sample_container());
    w.notification(sample_mount());
    w.notification(sample_chmod());
    BOOST_TEST(w.ok());
  }
  BOOST_TEST(s.str().rfind(R"({"type":"header","format":"seccomp-agent/trace","version":1)", 0) ==
             0u);
  TraceReader r(s, "mem.jsonl");
  BOOST_TEST(!r.is_document());
  BOOST_TEST(r.header().table_hash == "sha256:00ff");
  const auto items = read_all(r);
  BOOST_REQUIRE(items.size() == 3u);
  BOOST_TEST((items[0].kind == TraceItem::Kind::Container));
  BOOST_TEST(items[0].container->meta.at("EXEC_DURATION") == "2s");
  BOOST_TEST(items[0].container->pod_name == "mynotifypod");  // identified when read
  BOOST_TEST(items[1].container->id == "abc123");
  check_same(items[1].notification, sample_mount());
  check_same(items[2].notification, sample_chmod());
  BOOST_TEST(items[1].notification.line == 3u);
  BOOST_TEST(items[1].notification.call.audit_arch == 0xc000003eU);
  BOOST_TEST(items[1].notification.call.nr == 165);
}

// A caller's path is bytes, not text: what is not UTF-8 is written as hex
// ("bytes") and reads back byte for byte, in the strings and in the
// emulation's arguments; descriptive text that quotes such bytes is written
// with U+FFFD. Before, writing such a record threw, and took the agent down
// when it recorded.
BOOST_AUTO_TEST_CASE(a_string_that_is_not_utf8_round_trips_as_bytes) {
  NotificationRecord n = sample_mount();
  const std::string path = "/tmp/\xff\xfe-\xc3(";
  n.strings[0].read.value = path;
  n.decision->args[0].text = path + "-bar";
  n.decision->effect = "mkdir \"" + path + "\"";
  std::stringstream s;
  {
    TraceWriter w(s, Header{kFormatVersion, ""});
    w.container(sample_container());
    w.notification(n);
    BOOST_TEST(w.ok());
  }
  BOOST_TEST(s.str().find(R"("bytes":"2f746d702ffffe2dc328")") != std::string::npos, s.str());
  TraceReader r(s, "mem.jsonl");
  const auto items = read_all(r);
  BOOST_REQUIRE(items.size() == 2u);
  BOOST_TEST(items[1].notification.strings[0].read.value == path);
  BOOST_TEST(items[1].notification.decision->args[0].text == path + "-bar");
  BOOST_TEST(items[1].notification.decision->effect ==
             "mkdir \"/tmp/\xef\xbf\xbd\xef\xbf\xbd-\xef\xbf\xbd(\"");
}

// Each of the three answers the agent sends reads back as itself.
BOOST_AUTO_TEST_CASE(every_response_form_round_trips) {
  for (const sa::model::Response& sent :
       {sa::model::Response::continue_syscall(), sa::model::Response::fail(EBADMSG),
        sa::model::Response::return_value(-7), sa::model::Response::return_value(0)}) {
    std::stringstream s;
    NotificationRecord n = sample_mount();
    n.response = sent;
    {
      TraceWriter w(s, Header{kFormatVersion, ""});
      w.container(sample_container());
      w.notification(n);
    }
    TraceReader r(s, "mem.jsonl");
    const auto items = read_all(r);
    BOOST_REQUIRE(items.size() == 2u);
    BOOST_REQUIRE(items[1].notification.response.has_value());
    BOOST_TEST((*items[1].notification.response == sent));
  }
}

// `"as":"agent"` only when the emulation runs with the agent's privileges:
// traces of emulations with the caller's credentials read as before.
BOOST_AUTO_TEST_CASE(emulation_credentials_round_trip) {
  for (const model::Credentials credentials :
       {model::Credentials::Caller, model::Credentials::Agent}) {
    std::stringstream s;
    NotificationRecord n = sample_mount();
    n.decision->credentials = credentials;
    {
      TraceWriter w(s, Header{kFormatVersion, ""});
      w.container(sample_container());
      w.notification(n);
    }
    const bool as_agent =
        s.str().find(R"("emulate":{"op":"mount","as":"agent","args":[)") != std::string::npos;
    BOOST_TEST(as_agent == (credentials == model::Credentials::Agent), s.str());
    BOOST_TEST((s.str().find(R"("as":)") != std::string::npos) == as_agent);
    TraceReader r(s, "mem.jsonl");
    const auto items = read_all(r);
    BOOST_REQUIRE(items.size() == 2u);
    check_same(items[1].notification, n);
  }
}

BOOST_AUTO_TEST_CASE(document_round_trip) {
  std::stringstream s;
  write_document(s, Header{kFormatVersion, ""}, {sample_container()},
                 {sample_mount(), sample_chmod()});
  TraceReader r(s, "mem.json");
  BOOST_TEST(r.is_document());
  const auto items = read_all(r);
  BOOST_REQUIRE(items.size() == 3u);
  check_same(items[1].notification, sample_mount());
  check_same(items[2].notification, sample_chmod());
  BOOST_TEST(items[2].notification.line > items[1].notification.line);
}

BOOST_AUTO_TEST_CASE(hand_written_traces_may_be_brief) {
  std::stringstream s(
      "\n"
      R"({"type":"header","format":"seccomp-agent/trace","version":1})"
      "\n"
      "\n"
      R"({"type":"notification","syscall":"mkdir","args":["0x1000",493],"strings":[{"arg":0,"value":"/abc"}]})"
      "\n"
      R"({"type":"notification","nr":90,"arch":"SCMP_ARCH_X86_64"})"
      "\n"
      R"({"type":"notification","syscall":"chmod","arch":"x86"})");  // no final newline
  TraceReader r(s, "brief.jsonl");
  const auto items = read_all(r);
  BOOST_REQUIRE(items.size() == 3u);
  const NotificationRecord& mkdir = items[0].notification;
  BOOST_TEST(mkdir.seq == 1u);
  BOOST_TEST(mkdir.call.args[1] == 0755u);
  BOOST_TEST(mkdir.strings.at(0).name == "path");
  BOOST_TEST((mkdir.caller.state == CallerRecord::State::Missing));
  BOOST_TEST(items[0].container == nullptr);
  BOOST_TEST(items[1].notification.syscall == "chmod");
  BOOST_TEST(items[1].notification.arch == "x86_64");
  BOOST_TEST(items[2].notification.call.nr == 15);
  BOOST_TEST(items[2].notification.seq == 3u);
}

BOOST_AUTO_TEST_CASE(timestamps_are_rfc3339_with_microseconds) {
  using namespace std::chrono;
  const system_clock::time_point t{seconds{1594067860} + microseconds{484123}};
  BOOST_TEST(rfc3339_utc(t) == "2020-07-06T20:37:40.484123Z");
}

const std::string kHeader = R"({"type":"header","format":"seccomp-agent/trace","version":1})";

struct BadCase {
  std::string name;
  std::string text;
  size_t line;
  std::string message;
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) {
  return os << c.name;
}

std::string notif(const std::string& fields) {
  return R"({"type":"notification",)" + fields + "}";
}

// A number libseccomp names no syscall for (a kernel newer than it): kept
// as it is, and written back without a name.
BOOST_AUTO_TEST_CASE(a_number_libseccomp_does_not_know_is_kept) {
  std::stringstream in(kHeader + "\n" + notif(R"("nr":99999)") + "\n");
  TraceReader reader(in, "t.jsonl");
  TraceItem item;
  bool found = false;
  while (!found && reader.next(item))
    found = item.kind == TraceItem::Kind::Notification;
  BOOST_REQUIRE(found);
  BOOST_TEST(item.notification.call.nr == 99999);
  BOOST_TEST(item.notification.syscall.empty());
  std::stringstream out;
  TraceWriter writer(out, Header{});
  writer.notification(item.notification);
  BOOST_TEST(out.str().find("\"syscall\"") == std::string::npos, out.str());
  BOOST_TEST(out.str().find("\"nr\":99999") != std::string::npos, out.str());
}

const BadCase kBadCases[] = {
    {"empty", "", 0, "empty"},
    {"truncated record", kHeader + "\n" + R"({"type":"notification","syscall":"mkd)", 2,
     "not valid JSON"},
    {"not an object", kHeader + "\n[1,2]", 2, "a record is a JSON object"},
    {"no type", kHeader + "\n{\"syscall\":\"mkdir\"}", 2, "\"type\""},
    {"pid of the wrong type", kHeader + "\n" + notif(R"("syscall":"mkdir","pid":"42")"), 2,
     "notification.pid: expected an integer, found string"},
    {"negative pid", kHeader + "\n" + notif(R"("syscall":"mkdir","pid":-1)"), 2, "non-negative"},
    {"arg not hex", kHeader + "\n" + notif(R"("syscall":"mkdir","args":["12"])"), 2,
     "notification.args[0]: expected a \"0x...\" hex string"},
    {"arg too wide", kHeader + "\n" + notif(R"("syscall":"mkdir","args":["0x10000000000000000"])"),
     2, "args[0]"},
    {"seven args", kHeader + "\n" + notif(R"("syscall":"mkdir","args":[0,0,0,0,0,0,0])"), 2,
     "at most six"},
    {"unknown syscall", kHeader + "\n" + notif(R"("syscall":"mkdri")"), 2,
     "unknown syscall \"mkdri\" on x86_64 (did you mean \"mkdir\"?)"},
    {"number and name disagree", kHeader + "\n" + notif(R"("syscall":"mkdir","nr":84)"), 2,
     "mkdir is 83 on x86_64, not 84"},
    {"neither name nor number", kHeader + "\n" + notif(R"("pid":1)"), 2, "missing"},
    {"unknown arch", kHeader + "\n" + notif(R"("syscall":"mkdir","arch":"vax")"), 2,
     "unknown architecture \"vax\""},
    {"unknown key", kHeader + "\n" + notif(R"("sycall":"mkdir")"), 2,
     "unknown key \"sycall\" (did you mean \"syscall\"?)"},
    {"unknown version", R"({"type":"header","format":"seccomp-agent/trace","version":2})", 1,
     "version 2 is not supported"},
    {"wrong format", R"({"type":"header","format":"other","version":1})", 1,
     "is not \"seccomp-agent/trace\""},
    {"no header", notif(R"("syscall":"mkdir")"), 1, "the first record must be the header"},
    {"second header", kHeader + "\n" + kHeader, 2, "a second header"},
    {"unknown record type", kHeader + "\n{\"type\":\"note\"}", 2, "unknown record type \"note\""},
    {"undeclared container", kHeader + "\n" + notif(R"("syscall":"mkdir","container":"x")"), 2,
     "container \"x\""},
    {"container without id", kHeader + "\n{\"type\":\"container\",\"pid\":1}", 2, "missing \"id\""},
    {"annotation not a string",
     kHeader + "\n{\"type\":\"container\",\"id\":\"a\",\"annotations\":{\"k\":1}}", 2,
     "\"k\": expected a string"},
    {"string of an integer argument",
     kHeader + "\n" + notif(R"("syscall":"mkdir","strings":[{"arg":1,"value":"x"}])"), 2,
     "argument 1 of mkdir is not a string"},
    {"string named wrongly",
     kHeader + "\n" + notif(R"("syscall":"mkdir","strings":[{"arg":0,"name":"mode","value":"x"}])"),
     2, "is \"path\", not \"mode\""},
    {"string twice",
     kHeader + "\n" +
         notif(R"("syscall":"mkdir","strings":[{"arg":0,"value":"x"},{"arg":0,"null":true}])"),
     2, "given twice"},
    {"value and null",
     kHeader + "\n" + notif(R"("syscall":"mkdir","strings":[{"arg":0,"value":"x","null":true}])"),
     2, "exactly one of value, bytes, null, error"},
    {"unknown read error",
     kHeader + "\n" + notif(R"("syscall":"mkdir","strings":[{"arg":0,"error":"EWHAT"}])"), 2,
     "unknown errno \"EWHAT\""},
    {"caller of the wrong type", kHeader + "\n" + notif(R"("syscall":"mkdir","caller":"root")"), 2,
     "notification.caller: expected an object"},
    {"decision with an unknown response",
     kHeader + "\n" + notif(R"("syscall":"mkdir","decision":{"response":"allow"})"), 2,
     "unknown response \"allow\""},
    {"emulation with unknown credentials",
     kHeader + "\n" +
         notif(
             R"("syscall":"mkdir","decision":{"response":"emulate","emulate":{"op":"mkdir","as":"root"}})"),
     2, "decision.emulate.as: unknown credentials \"root\" (caller, agent)"},
    {"errno decision without errno",
     kHeader + "\n" + notif(R"("syscall":"mkdir","decision":{"response":"errno"})"), 2,
     "missing for errno"},
    {"response continued with an error",
     kHeader + "\n" + notif(R"("syscall":"mkdir","response":{"val":0,"error":-1,"flags":1})"), 2,
     "a CONTINUE carries no value and no error"},
    {"response with unknown flags",
     kHeader + "\n" + notif(R"("syscall":"mkdir","response":{"val":0,"error":0,"flags":2})"), 2,
     "unknown flags 0x2"},
    {"response with an error and a value",
     kHeader + "\n" + notif(R"("syscall":"mkdir","response":{"val":3,"error":-1,"flags":0})"), 2,
     "an error response carries no value"},
    {"expect of the wrong type", kHeader + "\n" + notif(R"("syscall":"mkdir","expect":["errno"])"),
     2, "expect: expected a string, found array"},
    {"third line bad",
     kHeader + "\n" + notif(R"("syscall":"mkdir")") + "\n" + notif(R"("syscall":1)"), 3,
     "syscall: expected a string"},
    {"document: bad item",
     "{\"format\":\"seccomp-agent/"
     "trace\",\"version\":1,\n\"notifications\":[\n{\"syscall\":\"mkdir\"},\n  "
     "{\"syscall\":\"mkdir\",\n   \"pid\":\"x\"}]}",
     4, "notifications[1].pid"},
    {"document: not an object item",
     "{\"format\":\"seccomp-agent/trace\",\"version\":1,\n\"containers\":[\n 5]}", 3,
     "containers[0]: expected an object"},
    {"document: truncated",
     "{\"format\":\"seccomp-agent/trace\",\"version\":1,\n\"notifications\":[\n{\"syscall\":", 3,
     "not valid JSON"},
    {"document: unknown version", "{\"format\":\"seccomp-agent/trace\",\n\"version\":3}", 1,
     "version 3"},
    {"document: unknown key", "{\"format\":\"seccomp-agent/trace\",\"version\":1,\"notes\":[]}", 1,
     "unknown key \"notes\""},
    // Found by fuzz_trace: nlohmann reports 1e999 as out_of_range, not as a
    // parse_error, and seccomp-sim aborted on it.
    {"number out of range", kHeader + "\n" + notif(R"("syscall":"mkdir","pid":1e999)"), 2,
     "not valid JSON"},
    {"document: number out of range",
     "{\"format\":\"seccomp-agent/trace\",\"version\":1,\"notifications\":[1e999]}", 1,
     "not valid JSON"},
    {"bytes not hex",
     kHeader + "\n" + notif(R"("syscall":"mkdir","strings":[{"arg":0,"bytes":"2fzz"}])"), 2,
     "hex digits only"},
    {"bytes of odd length",
     kHeader + "\n" + notif(R"("syscall":"mkdir","strings":[{"arg":0,"bytes":"2f0"}])"), 2,
     "an even number of hex digits"},
    {"value and bytes",
     kHeader + "\n" + notif(R"("syscall":"mkdir","strings":[{"arg":0,"value":"/","bytes":"2f"}])"),
     2, "exactly one of value, bytes, null, error"},
    {"document: notifications not an array",
     "{\"format\":\"seccomp-agent/trace\",\"version\":1,\"notifications\":{}}", 1,
     "must be an array"},
};

BOOST_DATA_TEST_CASE(bad_traces_name_the_line, bdata::make(kBadCases), c) {
  std::stringstream s(c.text);
  try {
    TraceReader r(s, "bad.jsonl");
    TraceItem item;
    while (r.next(item)) {
    }
    BOOST_FAIL("no error for " << c.name);
  } catch (const TraceError& e) {
    BOOST_TEST(e.line() == c.line, e.what());
    BOOST_TEST(std::string(e.what()).find(c.message) != std::string::npos, e.what());
    const std::string prefix =
        c.line == 0 ? "bad.jsonl: " : "bad.jsonl:" + std::to_string(c.line) + ": ";
    BOOST_TEST(std::string(e.what()).rfind(prefix, 0) == 0u, e.what());
  }
}

// A stream of `before`, then `size` bytes of 'a', then `after`, generated on
// the fly: a huge record without a huge buffer in the test.
class GeneratedStream : public std::streambuf {
 public:
  GeneratedStream(std::string before, size_t size, std::string after)
      : before_(std::move(before)), size_(size), after_(std::move(after)) {}

 protected:
  int_type underflow() override {
    if (pos_ < before_.size())
      return fill(before_.substr(pos_));
    if (pos_ < before_.size() + size_) {
      return fill(std::string(std::min<size_t>(1 << 16, before_.size() + size_ - pos_), 'a'));
    }
    const size_t off = pos_ - before_.size() - size_;
    if (off < after_.size())
      return fill(after_.substr(off));
    return traits_type::eof();
  }

 private:
  int_type fill(std::string chunk) {
    chunk_ = std::move(chunk);
    pos_ += chunk_.size();
    setg(chunk_.data(), chunk_.data(), chunk_.data() + chunk_.size());
    return traits_type::to_int_type(chunk_[0]);
  }
  std::string before_;
  size_t size_;
  std::string after_;
  std::string chunk_;
  size_t pos_ = 0;
};

BOOST_AUTO_TEST_CASE(a_100_mb_string_is_refused_without_reading_it_into_memory) {
  GeneratedStream gen(
      kHeader + "\n" + R"({"type":"notification","syscall":"mkdir","strings":[{"arg":0,"value":")",
      size_t{100} << 20, "\"}]}\n");
  std::istream in(&gen);
  TraceReader r(in, "huge.jsonl");
  TraceItem item;
  try {
    r.next(item);
    BOOST_FAIL("a 100 MB line was accepted");
  } catch (const TraceError& e) {
    BOOST_TEST(e.line() == 2u);
    BOOST_TEST(std::string(e.what()).find("line longer than 16777216 bytes") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_2_mb_string_within_the_line_bound_is_still_refused) {
  GeneratedStream gen(
      kHeader + "\n" + R"({"type":"notification","syscall":"mkdir","strings":[{"arg":0,"value":")",
      size_t{2} << 20, "\"}]}\n");
  std::istream in(&gen);
  TraceReader r(in, "big.jsonl");
  TraceItem item;
  BOOST_CHECK_EXCEPTION(r.next(item), TraceError, [](const TraceError& e) {
    return e.line() == 2 && std::string(e.what()).find("at most 1048576") != std::string::npos;
  });
}

}  // namespace
}  // namespace sa::trace
