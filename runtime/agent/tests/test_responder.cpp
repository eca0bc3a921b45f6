// The responder's rules, one decision answer at a time, against a CallerPort
// that plays the kernel's part from a script: what reaches the kernel for
// each answer, and that whatever cannot be carried out fails closed.
#define BOOST_TEST_MODULE responder
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/responder.hpp"

using namespace sa;
using namespace sa::agent;

namespace {

// Answers each call as the test says and remembers what was sent.
class ScriptedPort final : public CallerPort {
 public:
  kernel::SendOutcome send_outcome = kernel::SendOutcome::Sent;
  bool send_throws = false;
  kernel::EmulationResult emulation;
  bool emulate_throws = false;
  bool caller_alive = true;
  bool kill_throws = false;
  kernel::AddFdResult added;
  bool install_throws = false;
  std::vector<std::pair<int, unsigned>> installs;

  std::vector<model::Response> sent;
  int emulations = 0;
  int kills = 0;

  kernel::SendOutcome send(const model::Response& r) override {
    if (send_throws)
      throw kernel::SysError(EBADF, "ioctl SECCOMP_IOCTL_NOTIF_SEND");
    sent.push_back(r);
    return send_outcome;
  }
  kernel::EmulationResult emulate(const model::Emulation&) override {
    ++emulations;
    if (emulate_throws)
      throw std::logic_error("emulation of mkdir lacks path");
    return std::move(emulation);
  }
  kernel::AddFdResult install_fd(int fd, unsigned newfd_flags) override {
    installs.push_back({fd, newfd_flags});
    if (install_throws)
      throw kernel::SysError(EBADF, "ioctl SECCOMP_IOCTL_NOTIF_ADDFD");
    return added;
  }
  bool kill_caller() override {
    ++kills;
    if (kill_throws)
      throw kernel::SysError(EPERM, "pidfd_send_signal");
    return caller_alive;
  }
};

engine::Emulate mkdir_call() {
  engine::Emulate e;
  e.call.op = model::Emulator::Mkdir;
  return e;
}

}  // namespace

namespace sa::agent {
std::ostream& operator<<(std::ostream& os, Outcome o) {
  return os << name_of(o);
}
}  // namespace sa::agent

namespace sa::model {
std::ostream& operator<<(std::ostream& os, const Response& r) {
  return os << "{kind " << static_cast<int>(r.kind) << ", error " << r.error << ", value "
            << r.value << "}";
}
}  // namespace sa::model

BOOST_AUTO_TEST_CASE(the_three_plain_answers_reach_the_kernel_as_they_are) {
  const std::vector<std::pair<engine::Answer, model::Response>> cases = {
      {engine::Continue{}, model::Response::continue_syscall()},
      {engine::Fail{EBADMSG}, model::Response::fail(EBADMSG)},
      {engine::Return{-7}, model::Response::return_value(-7)},
  };
  for (const auto& [answer_in, expected] : cases) {
    ScriptedPort port;
    const Answered a = answer(answer_in, port);
    BOOST_TEST(a.outcome == Outcome::Sent);
    BOOST_TEST_REQUIRE(port.sent.size() == 1u);
    BOOST_TEST(port.sent[0] == expected);
    BOOST_TEST((a.sent == std::optional<model::Response>(expected)));
    BOOST_TEST(a.problem.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_caller_gone_before_the_answer_is_not_an_error) {
  ScriptedPort port;
  port.send_outcome = kernel::SendOutcome::TargetGone;
  const Answered a = answer(engine::Continue{}, port);
  BOOST_TEST(a.outcome == Outcome::TargetGone);
  BOOST_TEST(!a.sent.has_value());
  BOOST_TEST(a.problem.empty());
}

BOOST_AUTO_TEST_CASE(a_send_that_fails_is_reported_not_retried_as_something_else) {
  ScriptedPort port;
  port.send_throws = true;
  const Answered a = answer(engine::Fail{EPERM}, port);
  BOOST_TEST(a.outcome == Outcome::Failed);
  BOOST_TEST(port.sent.empty());
  BOOST_TEST(a.problem.find("SECCOMP_IOCTL_NOTIF_SEND") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_emulation_answers_with_its_own_result) {
  ScriptedPort port;
  port.emulation.result = kernel::SyscallResult{-1, EEXIST};
  const Answered failed_mkdir = answer(mkdir_call(), port);
  BOOST_TEST(failed_mkdir.outcome == Outcome::Sent);
  BOOST_TEST(port.sent.back() == model::Response::fail(EEXIST));
  BOOST_TEST(!failed_mkdir.emulation_failed);

  port.emulation.result = kernel::SyscallResult{0, 0};
  answer(mkdir_call(), port);
  BOOST_TEST(port.sent.back() == model::Response::return_value(0));
}

BOOST_AUTO_TEST_CASE(an_emulation_whose_caller_is_gone_sends_nothing) {
  ScriptedPort port;
  port.emulation.outcome = kernel::EmulationOutcome::TargetGone;
  const Answered a = answer(mkdir_call(), port);
  BOOST_TEST(a.outcome == Outcome::TargetGone);
  BOOST_TEST(port.sent.empty());
}

// The agent could not enter the caller's context: the call fails with the
// reason's errno, never runs natively.
BOOST_AUTO_TEST_CASE(an_emulation_that_fails_fails_the_call) {
  ScriptedPort port;
  port.emulation.outcome = kernel::EmulationOutcome::Failed;
  port.emulation.failure = kernel::SysError(ENOMEM, "emulation: clone");
  const Answered a = answer(mkdir_call(), port);
  BOOST_TEST(a.outcome == Outcome::Sent);
  BOOST_TEST(a.emulation_failed);
  BOOST_TEST(port.sent.back() == model::Response::fail(ENOMEM));
  BOOST_TEST(a.problem.find("clone") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_emulation_that_fails_without_an_errno_is_eperm) {
  ScriptedPort port;
  port.emulation.outcome = kernel::EmulationOutcome::Failed;
  BOOST_TEST(answer(mkdir_call(), port).emulation_failed);
  BOOST_TEST(port.sent.back() == model::Response::fail(EPERM));

  ScriptedPort throwing;
  throwing.emulate_throws = true;
  const Answered a = answer(mkdir_call(), throwing);
  BOOST_TEST(a.emulation_failed);
  BOOST_TEST(throwing.sent.back() == model::Response::fail(EPERM));
  BOOST_TEST(a.problem.find("lacks path") != std::string::npos);
}

// An opened file: installed and answered by one ADDFD, never a second SEND.
BOOST_AUTO_TEST_CASE(an_opened_file_is_installed_and_its_number_is_the_answer) {
  ScriptedPort port;
  port.emulation.outcome = kernel::EmulationOutcome::InstallFd;
  port.emulation.fd = kernel::UniqueFd(::dup(0));
  port.emulation.newfd_flags = O_CLOEXEC;
  const int agents_fd = port.emulation.fd.get();
  port.added = {kernel::AddFdOutcome::Installed, 7, 0};
  const Answered a = answer(mkdir_call(), port);
  BOOST_TEST(a.outcome == Outcome::Sent);
  BOOST_TEST((a.sent == std::optional<model::Response>(model::Response::return_value(7))));
  BOOST_TEST(port.sent.empty());
  BOOST_TEST_REQUIRE(port.installs.size() == 1u);
  BOOST_TEST(port.installs[0].first == agents_fd);
  BOOST_TEST(port.installs[0].second == unsigned{O_CLOEXEC});
}

BOOST_AUTO_TEST_CASE(an_opened_file_for_a_caller_gone_sends_nothing) {
  ScriptedPort port;
  port.emulation.outcome = kernel::EmulationOutcome::InstallFd;
  port.emulation.fd = kernel::UniqueFd(::dup(0));
  port.added = {kernel::AddFdOutcome::TargetGone, -1, 0};
  BOOST_TEST(answer(mkdir_call(), port).outcome == Outcome::TargetGone);
  BOOST_TEST(port.sent.empty());
}

// A caller at its fd limit: the kernel would have answered its open EMFILE.
BOOST_AUTO_TEST_CASE(an_opened_file_the_kernel_will_not_install_fails_with_its_errno) {
  ScriptedPort port;
  port.emulation.outcome = kernel::EmulationOutcome::InstallFd;
  port.emulation.fd = kernel::UniqueFd(::dup(0));
  port.added = {kernel::AddFdOutcome::Refused, -1, EMFILE};
  BOOST_TEST(answer(mkdir_call(), port).outcome == Outcome::Sent);
  BOOST_TEST(port.sent.back() == model::Response::fail(EMFILE));

  ScriptedPort throwing;
  throwing.emulation.outcome = kernel::EmulationOutcome::InstallFd;
  throwing.emulation.fd = kernel::UniqueFd(::dup(0));
  throwing.install_throws = true;
  const Answered a = answer(mkdir_call(), throwing);
  BOOST_TEST(a.emulation_failed);
  BOOST_TEST(throwing.sent.back() == model::Response::fail(EPERM));
}

BOOST_AUTO_TEST_CASE(a_kill_sends_nothing) {
  ScriptedPort port;
  const Answered a = answer(engine::Kill{}, port);
  BOOST_TEST(a.outcome == Outcome::Killed);
  BOOST_TEST(port.kills == 1);
  BOOST_TEST(port.sent.empty());

  ScriptedPort gone;
  gone.caller_alive = false;
  BOOST_TEST(answer(engine::Kill{}, gone).outcome == Outcome::TargetGone);
  BOOST_TEST(gone.sent.empty());
}

// The caller must not run what it was to be killed for.
BOOST_AUTO_TEST_CASE(a_kill_that_fails_fails_the_call) {
  ScriptedPort port;
  port.kill_throws = true;
  const Answered a = answer(engine::Kill{}, port);
  BOOST_TEST(a.outcome == Outcome::Sent);
  BOOST_TEST(port.sent.back() == model::Response::fail(EPERM));
  BOOST_TEST(a.problem.find("kill failed") != std::string::npos);
}

// An answer that is none of the five (a variant left empty by an exception)
// is refused, not continued.
BOOST_AUTO_TEST_CASE(no_answer_is_a_refusal) {
  struct Throws {
    operator engine::Emulate() const { throw std::runtime_error("no"); }
  };
  engine::Answer empty = engine::Continue{};
  try {
    empty.emplace<engine::Emulate>(Throws{});
  } catch (const std::runtime_error&) {
  }
  BOOST_TEST_REQUIRE(empty.valueless_by_exception());
  ScriptedPort port;
  const Answered a = answer(empty, port);
  BOOST_TEST(port.sent.back() == model::Response::fail(EPERM));
  BOOST_TEST(a.outcome == Outcome::Sent);
  BOOST_TEST(!a.problem.empty());
}

// The watchdog's answer to an emulation past the time limit: ETIMEDOUT, sent
// once, counted as a failed emulation with the reason in the log.
BOOST_AUTO_TEST_CASE(an_emulation_past_its_time_limit_is_answered_etimedout) {
  ScriptedPort port;
  const Answered a = answer_timed_out(port, "no answer from the kernel within 500 ms");
  BOOST_TEST(a.outcome == Outcome::Sent);
  BOOST_TEST_REQUIRE(port.sent.size() == 1u);
  BOOST_TEST(port.sent[0] == model::Response::fail(ETIMEDOUT));
  BOOST_TEST(port.emulations == 0);
  BOOST_TEST(a.emulation_failed);
  BOOST_TEST(a.problem.find("500 ms") != std::string::npos);
  // The caller gone meanwhile (killed, or its notification answered by the
  // kernel): nothing to answer, and nothing else is tried.
  ScriptedPort gone;
  gone.send_outcome = kernel::SendOutcome::TargetGone;
  BOOST_TEST(answer_timed_out(gone, "late").outcome == Outcome::TargetGone);
}
