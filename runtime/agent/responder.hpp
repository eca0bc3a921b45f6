// From a decision's answer to what the kernel is told, with the agent's
// fail-closed rules in one place: whatever cannot be carried out (an
// emulation that fails, a kill that fails, an answer that is not one of the
// five) becomes an error for the caller, never a CONTINUE. Talks to the
// kernel only through CallerPort, so these rules are unit-tested without
// root (tests/test_responder.cpp).
#pragma once

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/decision.hpp"
#include "kernel/emulate.hpp"
#include "kernel/notify_fd.hpp"
#include "model/call/response.hpp"
#include "model/names.hpp"

namespace sa::agent {

// The kernel, narrowed to what answering one notification needs.
class CallerPort {
 public:
  virtual ~CallerPort() = default;
  // SECCOMP_IOCTL_NOTIF_SEND. Throws on anything but the caller being gone.
  virtual kernel::SendOutcome send(const model::Response& r) = 0;
  // Carries the emulation out in the caller's context.
  virtual kernel::EmulationResult emulate(const model::Emulation& e) = 0;
  // SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND: installs the
  // agent's `fd` in the caller and answers its number. Throws on anything
  // the outcome does not name.
  virtual kernel::AddFdResult install_fd(int fd, unsigned newfd_flags) = 0;
  // SIGKILL to the caller, once the pending notification vouches that its
  // pid is still the caller's. False when the caller is gone; throws when
  // the signal cannot be sent.
  virtual bool kill_caller() = 0;
};

enum class Outcome {
  Sent,        // an answer reached the kernel
  TargetGone,  // the caller went away first: nothing to answer
  Killed,      // the caller was killed, as decided
  Failed,      // no answer could be sent (`problem` says why)
};

struct Answered {
  Outcome outcome = Outcome::Failed;
  // What reached the kernel, when Sent; for an installed fd, its number as
  // the return value (the answer SECCOMP_ADDFD_FLAG_SEND gave).
  std::optional<model::Response> sent;
  bool emulation_failed = false;  // an emulation failed; the call got an errno
  std::string problem;            // what went wrong, "" when nothing did
};

Answered answer(const engine::Answer& a, CallerPort& port);

// What the caller of an emulation that ran past the time limit gets, sent by
// the watchdog while the emulation is still inside the kernel. ETIMEDOUT is
// what a soft network filesystem answers when its server does not (NFS with
// `softerr`); unlike EINTR or EAGAIN it invites no blind retry, and it says
// that the outcome is unknown: the operation may still complete later, as a
// killed process's FUSE request may.
inline constexpr int kEmulationTimeoutErrno = ETIMEDOUT;

// Sends that errno; `why` goes to the log. Marked as a failed emulation.
Answered answer_timed_out(CallerPort& port, const std::string& why);

}  // namespace sa::agent

namespace sa {
template <>
struct Vocabulary<agent::Outcome> {
  static constexpr std::size_t count = 4;
  static constexpr std::array<NameEntry<agent::Outcome>, count> names{{
      {agent::Outcome::Sent, "sent"},
      {agent::Outcome::TargetGone, "target-gone"},
      {agent::Outcome::Killed, "killed"},
      {agent::Outcome::Failed, "failed"},
  }};
};
}  // namespace sa
