#include "agent/responder.hpp"

#include <cerrno>
#include <exception>

#include "model/overloaded.hpp"

namespace sa::agent {
namespace {

void note(Answered& a, const std::string& problem) {
  a.problem = a.problem.empty() ? problem : a.problem + "; " + problem;
}

Answered send(CallerPort& port, const model::Response& r, Answered a = {}) {
  try {
    if (port.send(r) == kernel::SendOutcome::Sent) {
      a.outcome = Outcome::Sent;
      a.sent = r;
    } else {
      a.outcome = Outcome::TargetGone;
    }
  } catch (const std::exception& e) {
    a.outcome = Outcome::Failed;
    note(a, e.what());
  }
  return a;
}

// An fd the emulator opened becomes the caller's, and its number the answer,
// in one ioctl. When the kernel will not install it (EMFILE: the caller is
// at its fd limit), the call fails with that errno, as the caller's own open
// would; the agent's copy is closed with the result either way.
Answered install(CallerPort& port, const kernel::EmulationResult& r) {
  kernel::AddFdResult added;
  try {
    added = port.install_fd(r.fd.get(), r.newfd_flags);
  } catch (const std::exception& e) {
    Answered a;
    a.emulation_failed = true;
    note(a, std::string("install the opened file: ") + e.what());
    return send(port, model::Response::fail(EPERM), std::move(a));
  }
  switch (added.outcome) {
    case kernel::AddFdOutcome::Installed:
      return Answered{Outcome::Sent, model::Response::return_value(added.newfd), false, {}};
    case kernel::AddFdOutcome::TargetGone:
      return Answered{Outcome::TargetGone, std::nullopt, false, {}};
    case kernel::AddFdOutcome::Refused:
      break;
  }
  return send(port, model::Response::fail(added.err));
}

// The emulator's result is the caller's; when the agent could not get into
// the caller's context, the call fails rather than running natively behind
// the policy's back.
Answered emulate(CallerPort& port, const model::Emulation& call) {
  kernel::EmulationResult r;
  try {
    r = port.emulate(call);
  } catch (const std::exception& e) {
    r.outcome = kernel::EmulationOutcome::Failed;
    r.failure = kernel::SysError(EPERM, e.what());
  }
  switch (r.outcome) {
    case kernel::EmulationOutcome::Done:
      return send(port, r.response());
    case kernel::EmulationOutcome::InstallFd:
      return install(port, r);
    case kernel::EmulationOutcome::TargetGone:
      return Answered{Outcome::TargetGone, std::nullopt, false, {}};
    case kernel::EmulationOutcome::Failed:
      break;
  }
  Answered a;
  a.emulation_failed = true;
  note(a, r.failure ? std::string(r.failure->what()) : std::string("emulation failed"));
  const int code = r.failure && r.failure->err() != 0 ? r.failure->err() : EPERM;
  return send(port, model::Response::fail(code), std::move(a));
}

// The caller must not run the call: a kill that fails becomes EPERM.
Answered kill(CallerPort& port) {
  try {
    const bool killed = port.kill_caller();
    return Answered{killed ? Outcome::Killed : Outcome::TargetGone, std::nullopt, false, {}};
  } catch (const std::exception& e) {
    Answered a;
    note(a, std::string("kill failed: ") + e.what());
    return send(port, model::Response::fail(EPERM), std::move(a));
  }
}

}  // namespace

Answered answer(const engine::Answer& a, CallerPort& port) {
  if (a.valueless_by_exception()) {
    Answered refused;
    note(refused, "the decision holds no answer");
    return send(port, model::Response::fail(EPERM), std::move(refused));
  }
  return std::visit(
      Overloaded{
          [&](const engine::Continue&) { return send(port, model::Response::continue_syscall()); },
          [&](const engine::Fail& f) { return send(port, model::Response::fail(f.error)); },
          [&](const engine::Return& r) {
            return send(port, model::Response::return_value(r.value));
          },
          [&](const engine::Emulate& e) { return emulate(port, e.call); },
          [&](const engine::Kill&) { return kill(port); },
      },
      a);
}

Answered answer_timed_out(CallerPort& port, const std::string& why) {
  Answered a;
  a.emulation_failed = true;
  note(a, why);
  return send(port, model::Response::fail(kEmulationTimeoutErrno), std::move(a));
}

}  // namespace sa::agent
