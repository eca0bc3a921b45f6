// Generated profiles loaded for real: a forked child installs the filter
// libseccomp builds from the profile (as runc would, with a notification
// listener), hands the listener to the test, and makes sample calls. The test
// answers every notification with 4242, so a call returning 4242 was
// notified and any other result came from the kernel itself.
#define BOOST_TEST_MODULE profile_kernel
#include <poll.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "cases.hpp"
#include "forked.hpp"
#include "libseccomp_loader.hpp"

using namespace sa;
using namespace sa::profile;
using namespace sa::profile::test;

namespace {

constexpr long kNotified = 4242;

struct Call {
  long nr;
  uint64_t args[5];
};

struct Seen {
  int nr;
  uint64_t args[6];
};

// Answers notifications until the child's results arrive.
std::vector<Seen> serve(int listener, int results_fd) {
  std::vector<Seen> seen;
  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  if (seccomp_notify_alloc(&req, &resp) != 0)
    throw std::runtime_error("seccomp_notify_alloc");
  for (;;) {
    pollfd fds[2] = {{listener, POLLIN, 0}, {results_fd, POLLIN, 0}};
    // A guard against a hang, not a timing assertion.
    if (::poll(fds, 2, 60000) <= 0)
      break;
    if ((fds[0].revents & POLLIN) != 0) {
      std::memset(req, 0, sizeof *req);
      if (seccomp_notify_receive(listener, req) != 0)
        continue;
      Seen s{req->data.nr, {}};
      std::memcpy(s.args, req->data.args, sizeof s.args);
      seen.push_back(s);
      std::memset(resp, 0, sizeof *resp);
      resp->id = req->id;
      resp->val = kNotified;
      seccomp_notify_respond(listener, resp);
      continue;
    }
    if ((fds[1].revents & (POLLIN | POLLHUP)) != 0)
      break;
  }
  seccomp_notify_free(req, resp);
  return seen;
}

struct Outcome {
  std::vector<long> results;
  std::vector<Seen> seen;
};

Outcome run(const nlohmann::json& profile, const std::vector<Call>& calls) {
  LoadReport report;
  ScmpFilter ctx = build_filter(profile, {}, true, report);
  if (!ctx || !report.ok())
    throw std::runtime_error("the profile does not load");
  kernel::testing::Child child =
      kernel::testing::Child::spawn([&](const kernel::testing::Channel& channel) {
        if (seccomp_load(ctx.get()) != 0)
          return 2;
        channel.send_fd(seccomp_notify_fd(ctx.get()));
        std::vector<long> out;
        for (const Call& c : calls) {
          out.push_back(
              result_of(::syscall(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4])));
        }
        send_longs(channel, out);
        return 0;
      });
  const kernel::UniqueFd listener = child.channel().receive_fd();
  Outcome o;
  // The results arriving on the channel say the child made its last call.
  o.seen = serve(listener.get(), child.channel().fd());
  o.results = receive_longs(child.channel());
  expect_success(child);
  return o;
}

uint64_t ptr(const char* s) {
  return reinterpret_cast<uint64_t>(s);
}

const char* const kSource = "/nonexistent-seccomp-agent-test/src";
const char* const kTarget = "/nonexistent-seccomp-agent-test/dst";
const char* const kDir = "/nonexistent-seccomp-agent-test/dir";

Call mount_call(uint64_t flags) {
  return {SYS_mount, {ptr(kSource), ptr(kTarget), 0, flags, 0}};
}
Call mkdir_call(uint64_t mode) {
  return {SYS_mkdir, {ptr(kDir), mode, 0, 0, 0}};
}

nlohmann::json profile_for(std::vector<table::Policy> policies) {
  const auto arch_list = arches({"x86_64"});
  diag::Sink sink;
  Options o;
  o.arches = arch_list;
  return build_profiles(linked(std::move(policies), arch_list), nullptr, o, sink).node;
}

}  // namespace

BOOST_AUTO_TEST_CASE(mount_is_notified_only_with_ms_bind) {
  const nlohmann::json profile = profile_for({policy(
      "bind",
      {{"mount",
        {row({cmp(arg("mount", "flags"), Op::MaskAny, {}, MS_BIND)}, errno_action(EPERM))}}})});
  BOOST_TEST_MESSAGE(profile.dump());
  const std::vector<Call> calls = {mount_call(MS_BIND), mount_call(MS_BIND | MS_REC), mount_call(0),
                                   mount_call(MS_RDONLY), mount_call(uint64_t{1} << 40)};
  const Outcome o = run(profile, calls);
  BOOST_TEST(o.results == std::vector<long>({kNotified, kNotified, -ENOENT, -ENOENT, -ENOENT}),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(o.seen.size(), 2U);
  BOOST_TEST(o.seen[0].nr == SYS_mount);
  BOOST_TEST(o.seen[0].args[3] == uint64_t{MS_BIND});
  BOOST_TEST(o.seen[1].args[3] == uint64_t{MS_BIND | MS_REC});
}

BOOST_AUTO_TEST_CASE(mkdir_mode_0700_is_notified_whatever_the_upper_bits_hold) {
  const nlohmann::json profile = profile_for({policy(
      "mode", {{"mkdir", {row({cmp(arg("mkdir", "mode"), Op::Eq, {0700})}, errno_action(EACCES))}},
               {"chmod", {row({}, errno_action(EPERM))}}})});
  const uint64_t garbage = 0x1234567800000000ULL;
  const std::vector<Call> calls = {
      mkdir_call(0700), mkdir_call(garbage | 0700), mkdir_call(0x10000 | 0700),
      mkdir_call(0755), mkdir_call(garbage | 0755), {SYS_chmod, {ptr(kDir), 0755, 0, 0, 0}}};
  const Outcome o = run(profile, calls);
  BOOST_TEST(o.results ==
                 std::vector<long>({kNotified, kNotified, kNotified, -ENOENT, -ENOENT, kNotified}),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(o.seen.size(), 4U);
  // The agent sees the raw register; the engine applies umode_t's width.
  BOOST_TEST(o.seen[1].args[1] == (garbage | 0700));
  BOOST_TEST(o.seen[3].nr == SYS_chmod);
}

BOOST_AUTO_TEST_CASE(the_node_profile_notifies_the_union) {
  const nlohmann::json profile = profile_for(
      {policy("a", {{"mkdir", {row({cmp(arg("mkdir", "mode"), Op::Eq, {0700})})}}}),
       policy("b", {{"mkdir", {row({cmp(arg("mkdir", "mode"), Op::In, {0750, 0755})})}}})});
  const Outcome o =
      run(profile, {mkdir_call(0700), mkdir_call(0750), mkdir_call(0755), mkdir_call(0777)});
  BOOST_TEST(o.results == std::vector<long>({kNotified, kNotified, kNotified, -ENOENT}),
             boost::test_tools::per_element());
}
