// Facts about a notification that cost something to learn: a string in the
// caller's memory and the caller's credentials. The agent learns them from
// the real kernel, the simulator from a trace, and a trace records them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sa::model {

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
  // How long the caller has lived when the notification is decided (its
  // start time in /proc/PID/stat against CLOCK_BOOTTIME), in milliseconds:
  // `delay until age` waits for the rest. nullopt when it could not be read.
  std::optional<uint64_t> age_ms;
};

}  // namespace sa::model
