// Facts about a notification that cost something to learn: strings in the
// caller's memory and the caller's credentials. The agent answers from the
// real kernel (/proc/PID/mem, /proc/PID/status), the simulator from a trace.
// The engine asks lazily — only when a row needs the fact — and at most once
// per argument per evaluation, so a string is read once however many rows and
// templates use it: the decision and the emulation see the same copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sa::engine {

struct StringRead {
  enum class Status {
    Ok,      // `value` holds the string
    Null,    // the pointer is NULL; value is ""
    Failed,  // unreadable or too long; `error` is the errno of the failure
  };
  Status status = Status::Ok;
  std::string value;
  int error = 0;
};

struct CallerFacts {
  uint32_t uid = 0;  // effective ids, in the caller's own user namespace
  uint32_t gid = 0;
  uint64_t cap_effective = 0;        // CapEff, held in `userns`
  std::string userns;                // "user:[4026531837]"
  bool userns_is_container = false;  // `userns` is the container's own
};

class FactSource {
 public:
  virtual ~FactSource() = default;
  // The NUL-terminated string argument `arg_index` points to. Implementations
  // may throw to abandon the evaluation (the simulator does when a trace
  // lacks the argument); the engine holds no state that needs cleaning up.
  virtual StringRead read_string(int arg_index) = 0;
  // nullopt when the caller is not visible (pid 0 in the agent's namespace,
  // or gone).
  virtual std::optional<CallerFacts> caller() = 0;
};

}  // namespace sa::engine
