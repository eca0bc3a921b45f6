// A trace: the containers an agent served and the notifications it received,
// with the facts it read for each (strings, caller credentials) and, when
// recorded by the agent, what it decided and sent. The simulator replays
// traces through the same engine. The JSON forms are in docs/trace-format.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/call/container_info.hpp"
#include "model/call/credentials.hpp"
#include "model/call/facts.hpp"
#include "model/call/notification.hpp"
#include "model/call/origin.hpp"
#include "model/call/response.hpp"
#include "model/table/table.hpp"

namespace sa::trace {

inline constexpr std::string_view kFormatName = "seccomp-agent/trace";
inline constexpr int kFormatVersion = 1;
// A JSON Lines record longer than this is refused, never read into memory.
inline constexpr size_t kMaxLineBytes = size_t{16} << 20;
// One dereferenced string: far above what the kernel reads (PATH_MAX, one
// page of mount data), low enough that a hostile trace cannot balloon.
inline constexpr size_t kMaxStringBytes = size_t{1} << 20;
// The one-document form is parsed whole; larger traces must be JSON Lines.
inline constexpr size_t kMaxDocumentBytes = size_t{64} << 20;

struct Header {
  int version = kFormatVersion;
  std::string table_hash;  // "sha256:..." of the table the agent ran, "" when unknown
};

// A dereferenced pointer argument the syscall's signature declares.
struct StringArg {
  int arg = 0;
  std::string name;
  model::StringRead read;  // Ok + value, Null, or Failed + errno
};

struct CallerRecord {
  enum class State {
    Missing,     // the trace does not say (asking for it is an error in replay)
    NotVisible,  // the agent could not see the caller ("caller": null)
    Known,
  };
  State state = State::Missing;
  model::CallerFacts facts;  // Known
};

// One resolved argument of an emulated syscall, as decided.
struct RecordedArg {
  int arg = 0;
  std::string name;
  bool is_string = false;
  bool is_null = false;
  std::string text;      // strings
  uint64_t integer = 0;  // integers: the normalised pattern
};

// What the agent decided, in the terms --check compares.
struct RecordedDecision {
  table::Response response = table::Response::Continue;
  int error = 0;
  int64_t value = 0;
  std::string rule;    // row id, "" when no row decided
  std::string policy;  // "" without a policy
  std::optional<model::Origin> origin;
  std::string emulate;  // the operation, "" when not emulating
  std::vector<RecordedArg> args;
  model::Credentials credentials = model::Credentials::Caller;  // the emulation's
  std::optional<uint64_t> delay_ms;
  bool stop = false;
  std::optional<uint64_t> stop_after_ms;
  table::StopMode stop_mode = table::StopMode::Kill;  // with stop
  bool log = false;
  std::string effect;  // the plan in words
  std::vector<std::string> warnings;
};

struct NotificationRecord {
  uint64_t seq = 0;
  std::string time;       // RFC 3339, UTC, microseconds; "" when unknown
  std::string container;  // container id; "" when the trace names none
  // The notification as the kernel delivered it (audit_arch derived from
  // `arch` when read).
  model::Notification call;
  std::string arch = "x86_64";
  std::string syscall;
  std::vector<StringArg> strings;
  CallerRecord caller;
  std::optional<RecordedDecision> decision;
  std::optional<model::Response> response;  // as sent
  std::optional<std::string> expect;        // an action in the rule language, literal values
  size_t line = 0;  // where the reader found it (1-based); 0 when built in memory

  const StringArg* string_arg(int index) const;
};

}  // namespace sa::trace
