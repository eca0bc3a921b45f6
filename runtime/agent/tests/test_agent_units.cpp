#define BOOST_TEST_MODULE agent_units
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "agent/emulation_watch.hpp"
#include "agent/forbidden_syscalls.hpp"
#include "agent/handover_state.hpp"
#include "agent/log_limiter.hpp"
#include "agent/metrics.hpp"
#include "agent/recorder.hpp"

using namespace sa::agent;

BOOST_AUTO_TEST_CASE(crio_report_counts_in_order_of_first_use) {
  ForbiddenSyscalls f;
  BOOST_TEST(f.empty());
  f.hit("chroot");
  f.hit("chroot");
  f.hit("swapoff");
  f.hit("swapoff");
  BOOST_TEST(f.report() == "Used forbidden syscalls: chroot (2x), swapoff (2x)");
  ForbiddenSyscalls g;
  g.hit("chroot");
  BOOST_TEST(g.report() == "Used forbidden syscalls: chroot (1x)");
}

BOOST_AUTO_TEST_CASE(metrics_render_in_the_text_exposition_format) {
  Metrics m;
  Family& total = m.counters("sa_total", "Things counted", {"syscall", "action"});
  const Counter mkdir = total.counter({"mkdir", "emulate"});
  mkdir.add();
  mkdir.add(2);
  total.counter({"a\"b", "x"}).add();
  m.gauges("sa_gauge", "").gauge({}).set(5);
  BOOST_TEST(m.value("sa_total", {"mkdir", "emulate"}) == 3);
  BOOST_TEST(m.render() ==
             "# TYPE sa_gauge gauge\n"
             "sa_gauge 5\n"
             "# HELP sa_total Things counted\n"
             "# TYPE sa_total counter\n"
             "sa_total{syscall=\"a\\\"b\",action=\"x\"} 1\n"
             "sa_total{syscall=\"mkdir\",action=\"emulate\"} 3\n");
}

BOOST_AUTO_TEST_CASE(a_handle_is_the_series_it_was_made_for) {
  Metrics m;
  Family& f = m.counters("sa_total", "", {"k"});
  const Counter a = f.counter({"x"});
  const Counter b = f.counter({"x"});
  a.add();
  b.add();
  BOOST_TEST(&f.series({"x"}) == &f.series({"x"}));
  BOOST_TEST(m.value("sa_total", {"x"}) == 2);
  BOOST_CHECK_THROW(f.counter({"x", "y"}), std::invalid_argument);
}

namespace {

std::string file_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t header_lines(const std::string& text) {
  size_t n = 0;
  for (size_t at = text.find("\"type\":\"header\""); at != std::string::npos;
       at = text.find("\"type\":\"header\"", at + 1))
    ++n;
  return n;
}

}  // namespace

// An agent started again with the same --record file (after a crash, or
// by hand) starts a trace of its own: the earlier one is moved aside, never
// appended to (a trace has one header), and never replaced. A successor
// going on with the same trace (--takeover, same table) appends.
BOOST_AUTO_TEST_CASE(a_recorder_moves_an_earlier_trace_aside_and_continues_only_when_told) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("sa-recorder-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string trace = (dir / "trace.jsonl").string();
  { Recorder first(trace, "sha256:aa"); }
  const std::string first_text = file_text(trace);
  BOOST_TEST(header_lines(first_text) == 1u);

  { Recorder again(trace, "sha256:bb"); }
  BOOST_TEST(file_text(trace + ".1") == first_text);
  BOOST_TEST(header_lines(file_text(trace)) == 1u);
  BOOST_TEST(file_text(trace).find("sha256:bb") != std::string::npos);

  { Recorder third(trace, "sha256:cc"); }
  BOOST_TEST(file_text(trace + ".1") == first_text);  // kept, not replaced
  BOOST_TEST(file_text(trace + ".2").find("sha256:bb") != std::string::npos);

  { Recorder successor(trace, "sha256:cc", 7); }
  BOOST_TEST(header_lines(file_text(trace)) == 1u);
  BOOST_TEST(!fs::exists(trace + ".3"));
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(endpoints) {
  BOOST_TEST(parse_endpoint("127.0.0.1:9090").port() == 9090);
  BOOST_TEST(parse_endpoint("[::1]:80").address().is_v6());
  BOOST_CHECK_THROW(parse_endpoint("localhost:80"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_endpoint("127.0.0.1"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_endpoint("127.0.0.1:99999"), std::invalid_argument);
}

namespace {

// What the watchdog would do with a claimed emulation: counted, no answer.
class CountingOverrun final : public Overrun {
 public:
  int taken = 0;
  std::function<void()> take_over() noexcept override {
    ++taken;
    return [] {};
  }
};

}  // namespace

// The claim protocol of emulation_watch.hpp, on one thread with a clock the
// test moves: an emulation is claimed only once seen running, the same one,
// for the whole limit; exactly one of the loop's thread and the watchdog
// gets it.
BOOST_AUTO_TEST_CASE(an_emulation_is_claimed_only_after_the_limit_and_only_once) {
  using namespace std::chrono_literals;
  EmulationWatch w;
  CountingOverrun o;
  const sa::kernel::ChildPidfds children;
  const auto t0 = EmulationWatch::Clock::time_point{} + 1h;
  BOOST_TEST(!w.claim_if_overran(t0, 500ms).overrun);  // nothing running

  // Finished in time: never claimed, the thread answers.
  const EmulationWatch::Token quick = w.started(o, children);
  BOOST_TEST(!w.claim_if_overran(t0, 500ms).overrun);  // first look
  BOOST_TEST(!w.claim_if_overran(t0 + 499ms, 500ms).overrun);
  BOOST_TEST(w.finished(quick));
  BOOST_TEST(!w.claim_if_overran(t0 + 10s, 500ms).overrun);

  // A new emulation is not the one seen before: its time starts at the
  // watchdog's first look at it.
  const EmulationWatch::Token slow = w.started(o, children);
  BOOST_TEST(!w.claim_if_overran(t0 + 20s, 500ms).overrun);
  BOOST_TEST(!w.claim_if_overran(t0 + 20s + 400ms, 500ms).overrun);
  {
    EmulationWatch::Claim c = w.claim_if_overran(t0 + 20s + 500ms, 500ms);
    BOOST_TEST((c.overrun == &o));
    BOOST_TEST((c.children == &children));
    BOOST_TEST(c.lock.owns_lock());
  }
  // Claimed once; the thread, back, learns it must give the loop up.
  BOOST_TEST(!w.claim_if_overran(t0 + 30s, 500ms).overrun);
  BOOST_TEST(!w.finished(slow));
  // The loop's next thread goes on with the next emulation as usual.
  const EmulationWatch::Token next = w.started(o, children);
  BOOST_TEST(w.finished(next));
}

// A line that repeats is logged `burst` times a window at most; the next one
// let through says how many were left out.
BOOST_AUTO_TEST_CASE(a_repeating_log_line_is_rate_limited_and_counted) {
  using namespace std::chrono_literals;
  LogLimiter limit(3, 1s);
  const auto t0 = LogLimiter::Clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i)
    BOOST_TEST((limit.admit(t0 + i * 1ms) == std::optional<uint64_t>(0)));
  for (int i = 0; i < 1000; ++i)
    BOOST_TEST(!limit.admit(t0 + 10ms).has_value());
  BOOST_TEST((limit.admit(t0 + 1s) == std::optional<uint64_t>(1000)));
  BOOST_TEST((limit.admit(t0 + 1s + 1ms) == std::optional<uint64_t>(0)));
}

// The state a successor receives is the state sent: every field, the
// delayed answers with their notification, and what the successor refuses.
BOOST_AUTO_TEST_CASE(handover_state_round_trips_and_refuses_what_it_cannot_use) {
  using namespace sa::agent::handover;
  State s;
  s.table_hash = "sha256:ab";
  s.record_path = "/tmp/trace.jsonl";
  s.record_seq = 41;
  s.fds = 3;
  ContainerState c;
  c.info.id = "c1";
  c.info.pid = 4242;
  c.info.bundle = "/b";
  c.info.status = "running";
  c.info.annotations = {{"io.kubernetes.pod.name", "web"}};
  c.info.metadata_raw = "policy=notifier\nX=1";
  c.filter_pid = 4300;
  c.notify_fd = 0;
  c.init_fd = 1;
  c.init_userns = sa::kernel::NamespaceId{3, 4026531837, "user"};
  c.protections.masked_paths = {"/proc/kcore"};
  c.protections.mounted_types = {{"proc", false}};
  c.protections.from_config = true;
  c.sync_wake_up = true;
  c.notifications = 7;
  c.forbidden = {{"chroot", 2}, {"swapoff", 1}};
  c.stop_in = std::chrono::milliseconds(2500);
  c.stop_mode = sa::table::StopMode::Freeze;
  c.cgroup = sa::kernel::ContainerCgroup{"/sa-demo", "/sys/fs/cgroup/sa-demo",
                                         sa::kernel::NamespaceId{3, 4026532000, "pid"}};
  c.policy = "notifier";
  sa::model::Notification n;
  n.id = 0xfedcba9876543210ULL;  // beyond 2^53: carried exactly
  n.pid = 99;
  n.nr = 161;
  n.audit_arch = 0xc000003e;
  n.args = {1, 2, 3, 4, 5, 0xffffffffffffffffULL};
  c.delayed.push_back({n, sa::engine::Fail{EBADMSG}, std::chrono::milliseconds(1200), "chroot"});
  c.delayed.push_back({n, sa::engine::Kill{}, std::chrono::milliseconds(0), "chroot"});
  s.containers.push_back(c);

  const State back = state_from_json(nlohmann::json::parse(to_json(s).dump()));
  BOOST_TEST(back.table_hash == s.table_hash);
  BOOST_TEST(back.record_seq == 41u);
  BOOST_TEST_REQUIRE(back.containers.size() == 1u);
  const ContainerState& b = back.containers[0];
  BOOST_TEST(b.info.id == "c1");
  BOOST_TEST(b.info.pod_name == "web");  // identity computed again
  BOOST_TEST(b.info.meta.at("policy") == "notifier");
  BOOST_TEST(b.filter_pid == 4300);
  BOOST_TEST(b.init_fd.value() == 1u);
  BOOST_TEST((b.init_userns.value() == *c.init_userns));
  BOOST_TEST(b.protections.masked_paths == c.protections.masked_paths);
  BOOST_TEST((b.forbidden == c.forbidden));
  BOOST_TEST(b.stop_in.value().count() == 2500);
  BOOST_TEST((b.stop_mode == sa::table::StopMode::Freeze));
  const auto* cgroup = std::get_if<sa::kernel::ContainerCgroup>(&b.cgroup.value());
  BOOST_TEST_REQUIRE(cgroup != nullptr);
  BOOST_TEST(cgroup->dir == "/sys/fs/cgroup/sa-demo");
  BOOST_TEST((cgroup->pidns == sa::kernel::NamespaceId{3, 4026532000, "pid"}));
  BOOST_TEST_REQUIRE(b.delayed.size() == 2u);
  BOOST_TEST((b.delayed[0].notification == n));
  BOOST_TEST(std::get<sa::engine::Fail>(b.delayed[0].answer).error == EBADMSG);
  BOOST_TEST(std::holds_alternative<sa::engine::Kill>(b.delayed[1].answer));

  nlohmann::json bad = to_json(s);
  bad["containers"][0]["notify_fd"] = 3;  // only 3 fds: 0..2
  BOOST_CHECK_EXCEPTION(state_from_json(bad), std::runtime_error, [](const std::runtime_error& e) {
    return std::string(e.what()).find("containers[0]: fd index 3 of 3") != std::string::npos;
  });
  bad = to_json(s);
  bad["containers"][0]["delayed"][0]["answer"] = {{"kind", "emulate"}};
  BOOST_CHECK_THROW(state_from_json(bad), std::runtime_error);
  bad = to_json(s);
  bad["containers"][0]["stop_mode"] = "pause";
  BOOST_CHECK_THROW(state_from_json(bad), std::runtime_error);
  bad = to_json(s);
  bad["containers"][0]["cgroup"] = {{"problem", "not its own cgroup"}};
  BOOST_TEST(std::get<std::string>(state_from_json(bad).containers[0].cgroup.value()) ==
             "not its own cgroup");
  bad = to_json(s);
  bad.erase("fds");
  BOOST_CHECK_THROW(state_from_json(bad), std::runtime_error);
  // From an agent built before it was kept: not known.
  nlohmann::json older = to_json(s);
  older["containers"][0].erase("filter_pid");
  BOOST_TEST(state_from_json(older).containers[0].filter_pid == 0);
}
