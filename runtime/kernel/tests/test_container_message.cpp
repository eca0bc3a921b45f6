#define BOOST_TEST_MODULE container_message
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <variant>

#include "kernel/container_message.hpp"
#include "support/child.hpp"
#include "support/fixtures.hpp"
#include "support/printing.hpp"

namespace bdata = boost::unit_test::data;
using nlohmann::json;
using namespace sa::kernel;
using namespace sa::kernel::testing;

namespace {

// Parses `text` with `count` fds; returns the message, failing the test on
// an error.
ContainerMessage parse_ok(const std::string& text, std::vector<UniqueFd> fds) {
  MessageResult r = parse_container_message(text, std::move(fds));
  if (const auto* e = std::get_if<MessageError>(&r)) {
    BOOST_FAIL("unexpected error: " << e->message);
  }
  return std::move(std::get<ContainerMessage>(r));
}

std::string with(const std::function<void(json&)>& change) {
  json j = json::parse(fixture("runc.json"));
  change(j);
  return j.dump();
}

}  // namespace

BOOST_AUTO_TEST_CASE(runc_creating) {
  auto fds = some_fds(1);
  const int sent = fds[0].get();
  const ContainerMessage m = parse_ok(fixture("runc.json"), std::move(fds));
  BOOST_TEST(m.oci_version == "1.0.2-dev");
  BOOST_TEST(m.fd_names == std::vector<std::string>{"seccompFd"});
  BOOST_TEST(m.pid > 0);
  BOOST_TEST(m.metadata == "MKDIR_TMPL=-{{.Namespace}}-{{.Pod}}-{{.Container}}");
  BOOST_TEST(m.state.id == "sa-fixture-runc");
  BOOST_TEST(m.state.status == ContainerStatus::Creating);
  BOOST_TEST(m.state.pid == m.pid);
  BOOST_TEST(!m.state.bundle.empty());
  BOOST_TEST(m.state.annotations.at("io.kubernetes.cri.sandbox-namespace") == "default");
  BOOST_TEST(m.state.annotations.at("io.kubernetes.cri.sandbox-name") == "mynotifypod");
  BOOST_TEST(m.state.annotations.at("io.kubernetes.cri.container-name") == "container1");
  BOOST_TEST(m.seccomp_fd.get() == sent);
}

BOOST_AUTO_TEST_CASE(runc_exec_into_a_running_container) {
  const ContainerMessage m = parse_ok(fixture("runc-exec.json"), some_fds(1));
  BOOST_TEST(m.state.status == ContainerStatus::Running);
  // The exec'd process carries the filter; the state names the init.
  BOOST_TEST(m.pid != m.state.pid);
  BOOST_TEST(m.state.id == "sa-fixture-exec");
}

BOOST_AUTO_TEST_CASE(crun_exec_into_a_running_container) {
  // crun 1.8.1's exec knows neither pid: it sends 0 for both, and "." as the bundle.
  const ContainerMessage m = parse_ok(fixture("crun-exec.json"), some_fds(1));
  BOOST_TEST(m.state.status == ContainerStatus::Running);
  BOOST_TEST(m.pid == 0);
  BOOST_TEST(m.state.pid == 0);
  BOOST_TEST(m.state.id == "sa-fixture-crun-exec");
  BOOST_TEST(m.seccomp_fd.valid());
}

BOOST_AUTO_TEST_CASE(crun_creating) {
  const ContainerMessage m = parse_ok(fixture("crun.json"), some_fds(1));
  BOOST_TEST(m.oci_version == "0.2.0");
  BOOST_TEST(m.state.id == "sa-fixture-crun");
  BOOST_TEST(m.state.status == ContainerStatus::Creating);
  BOOST_TEST(m.state.annotations.at("io.kubernetes.pod.namespace") == "kube-system");
  BOOST_TEST(m.state.annotations.at("io.kubernetes.pod.name") == "crun-pod");
  BOOST_TEST(m.state.annotations.at("io.kubernetes.container.name") == "crun-container");
  BOOST_TEST(m.metadata == "MKDIR_TMPL=-{{.Namespace}}-{{.Pod}}-{{.Container}}");
  BOOST_TEST(m.seccomp_fd.valid());
}

BOOST_AUTO_TEST_CASE(extra_fds_are_closed_and_the_seccomp_fd_kept) {
  auto fds = some_fds(3);
  const int first = fds[0].get(), seccomp = fds[1].get(), last = fds[2].get();
  const ContainerMessage m = parse_ok(with([](json& j) {
                                        j["fds"] = {"pidFd", "seccompFd", "other"};
                                      }),
                                      std::move(fds));
  BOOST_TEST(m.seccomp_fd.get() == seccomp);
  BOOST_TEST(is_open(seccomp));
  BOOST_TEST(!is_open(first));
  BOOST_TEST(!is_open(last));
}

BOOST_AUTO_TEST_CASE(optional_fields_may_be_absent) {
  const ContainerMessage m = parse_ok(with([](json& j) {
                                        j.erase("metadata");
                                        j["state"].erase("annotations");
                                        j["state"].erase("pid");
                                        j["future"] = {{"field", 1}};
                                      }),
                                      some_fds(1));
  BOOST_TEST(m.metadata.empty());
  BOOST_TEST(m.state.annotations.empty());
  BOOST_TEST(m.state.pid == 0);
}

BOOST_AUTO_TEST_CASE(large_annotations_up_to_the_limit) {
  const std::string text = with([](json& j) {
    j["state"]["annotations"]["big"] = std::string(kMaxMessageBytes - 1024, 'a');
  });
  BOOST_TEST(text.size() <= kMaxMessageBytes);
  const ContainerMessage m = parse_ok(text, some_fds(1));
  BOOST_TEST(m.state.annotations.at("big").size() == kMaxMessageBytes - 1024);
}

namespace {

struct Reject {
  const char* name;
  std::function<std::string()> text;
  size_t fds;
  const char* message;
};

const std::vector<Reject>& rejects() {
  static const std::vector<Reject> cases = {
      {"no fds", [] { return fixture("runc.json"); }, 0, "fds names 1 descriptors but 0 arrived"},
      {"wrong count", [] { return fixture("runc.json"); }, 2,
       "fds names 1 descriptors but 2 arrived"},
      {"no seccompFd", [] { return with([](json& j) { j["fds"] = {"pidFd"}; }); }, 1,
       "no \"seccompFd\" in fds"},
      {"seccompFd twice",
       [] { return with([](json& j) {
              j["fds"] = {"seccompFd", "seccompFd"};
            }); }, 2,
       "\"seccompFd\" named more than once"},
      {"truncated JSON", [] { return fixture("runc.json").substr(0, 200); }, 1, "not valid JSON"},
      {"2 MiB message",
       [] {
         return with([](json& j) { j["state"]["annotations"]["big"] = std::string(2 << 20, 'a'); });
       },
       1, "exceeds the limit of 1048576"},
      {"garbage", [] { return std::string("\x01\xff\xfe garbage", 11); }, 1, "not valid JSON"},
      {"empty", [] { return std::string(); }, 1, "not valid JSON"},
      {"not an object", [] { return std::string("[\"seccompFd\"]"); }, 1, "not a JSON object"},
      {"no state", [] { return with([](json& j) { j.erase("state"); }); }, 1,
       "missing field \"state\""},
      {"no state.id", [] { return with([](json& j) { j["state"].erase("id"); }); }, 1,
       "missing field \"state.id\""},
      {"unknown status", [] { return with([](json& j) { j["state"]["status"] = "paused"; }); }, 1,
       "unknown container status \"paused\""},
      {"pid as a string", [] { return with([](json& j) { j["pid"] = "42"; }); }, 1,
       "field \"pid\" is not a pid"},
      {"negative pid", [] { return with([](json& j) { j["pid"] = -1; }); }, 1,
       "field \"pid\" is not a pid"},
      {"fds not an array", [] { return with([](json& j) { j["fds"] = "seccompFd"; }); }, 1,
       "field \"fds\" is not an array"},
      {"annotation not a string",
       [] { return with([](json& j) { j["state"]["annotations"]["n"] = 1; }); }, 1,
       "annotation \"n\" is not a string"},
      {"metadata not a string", [] { return with([](json& j) { j["metadata"] = {1}; }); }, 1,
       "field \"metadata\" is not a string"},
  };
  return cases;
}

}  // namespace

BOOST_DATA_TEST_CASE(malformed_messages_are_errors_and_close_every_fd,
                     bdata::xrange(rejects().size()), index) {
  const Reject& r = rejects().at(index);
  BOOST_TEST_CONTEXT(r.name) {
    const std::string text = r.text();
    const size_t before = count_open_fds();
    MessageResult result = parse_container_message(text, some_fds(r.fds));
    const auto* error = std::get_if<MessageError>(&result);
    BOOST_TEST_REQUIRE(error != nullptr);
    BOOST_TEST(error->message.find(r.message) != std::string::npos, error->message);
    BOOST_TEST(error->message.starts_with("container message: "));
    BOOST_TEST(count_open_fds() == before);
  }
}
