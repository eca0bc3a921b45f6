// The decision table: what `rulec` writes to table.json and what the engine
// executes. Everything here is resolved and typed: syscall numbers per
// architecture, argument indexes and widths, errno and capability values.
// Only templates ("{path}-pid-{pid}") are left for run time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/call/credentials.hpp"
#include "model/call/emulator.hpp"
#include "model/catalog/syscalls.hpp"
#include "model/names.hpp"

namespace sa::table {

inline constexpr std::string_view kSchemaName = "seccomp-agent/decision-table";
inline constexpr int kSchemaVersion = 1;

struct SourceRef {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string text;  // the rule as written
  bool operator==(const SourceRef&) const = default;
};

// What a predicate looks at.
enum class Field {
  Arg,
  PodNamespace,
  PodName,
  ContainerName,
  ContainerId,
  Annotation,
  Meta,
  Metadata,  // the whole listenerMetadata string, as received
  Uid,
  Gid,
  Pid
};

struct FieldRef {
  Field field = Field::Arg;
  int arg = -1;                                     // Field::Arg: register index
  catalog::ArgType type = catalog::ArgType::ULong;  // Field::Arg: how the kernel reads it
  std::string key;                                  // Annotation / Meta key
  std::string label;                                // as written: "fs", "meta.MOUNT_PROC"
  bool operator==(const FieldRef&) const = default;
};
bool is_string_field(const FieldRef& f);

enum class Op { Eq, Ne, Lt, Le, Gt, Ge, Glob, Prefix, In, NotIn, MaskAny, MaskEq, MaskNe, Present };

struct Predicate {
  // IsInit: the caller is the container's init (its pid is the OCI state's
  // pid), the process Kinvolk's SIDECARS ordering holds back.
  enum class Kind { Compare, HasCap, InUserns, IsInit, Not, All, Any };
  Kind kind = Kind::Compare;

  // Compare. Integers are stored as the normalised 64-bit pattern of the
  // argument's type (sign-extended for signed kinds); strings may hold
  // templates, expanded against the notification at run time.
  FieldRef lhs;
  Op op = Op::Eq;
  std::vector<uint64_t> ints;
  std::vector<std::string> strings;
  uint64_t mask = 0;                 // MaskAny / MaskEq / MaskNe
  std::optional<FieldRef> list_ref;  // In / NotIn against a comma-separated field

  // HasCap
  int capability = -1;
  bool in_userns = false;

  // Not (one child), All, Any
  std::vector<Predicate> children;

  bool operator==(const Predicate&) const = default;
};

enum class Response { Continue, Errno, Return, Emulate, Kill };

// How a container is stopped: its init killed (`stop container`, CRI-O's
// notifier, Kinvolk's kill-container) or its cgroup frozen (`freeze
// container`, Kinvolk's freeze-container).
enum class StopMode { Kill, Freeze };
// The rule language's words for it: "stop container", "freeze container".
std::string_view stop_words(StopMode m);

struct Duration {
  std::optional<uint64_t> millis;  // literal
  std::string template_text;       // else a template giving a Go-style duration ("2s")
  bool operator==(const Duration&) const = default;
};

// What a delay counts from: the decision (`delay D`: wait D), or the
// caller's start (`delay until age D`: wait until the caller has lived D,
// not at all when it already has; Kinvolk's SIDECARS_DELAY).
enum class DelayFrom { Decision, CallerStart };
// The rule language's words for it: "delay", "delay until age".
std::string_view delay_words(DelayFrom f);

struct EmulateParam {
  std::string name;
  int arg = -1;
  catalog::ArgType type = catalog::ArgType::Str;
  std::string text;      // string arguments: a template
  uint64_t integer = 0;  // integer arguments
  bool operator==(const EmulateParam&) const = default;
};

struct Action {
  Response response = Response::Continue;
  int error = 0;                                      // Errno: the errno value
  int64_t value = 0;                                  // Return: the value the syscall returns
  model::Emulator emulator = model::Emulator::Mkdir;  // Emulate: the emulator
  std::vector<EmulateParam> params;
  // Emulate: whose credentials it runs with (`as agent`: the agent's).
  model::Credentials credentials = model::Credentials::Caller;
  bool unsafe = false;  // `continue unsafe`: TOCTOU acknowledged in the rule
  bool log = false;
  std::optional<Duration> delay;
  DelayFrom delay_from = DelayFrom::Decision;  // with delay
  // Set: stop the container this grace time after the last hit.
  std::optional<Duration> stop_after;
  StopMode stop_mode = StopMode::Kill;  // with stop_after: how
  bool operator==(const Action&) const = default;
};

struct Requirement {
  int capability = -1;
  bool in_userns = false;
  bool operator==(const Requirement&) const = default;
};

struct Row {
  std::string id;                         // "demo-basic#3": policy and rule number
  std::vector<Predicate> when;            // all must hold; empty means always
  std::vector<Requirement> requirements;  // when unmet the answer is EPERM
  Action action;
  bool reads_memory = false;  // `when` dereferences pointer arguments
  // The compiler accepted a CONTINUE here even though pointer arguments were
  // read on the way (acknowledged, or no decision for the syscall denies).
  bool continue_ok = false;
  SourceRef source;
  bool operator==(const Row&) const = default;
};

struct SyscallRules {
  std::string name;
  std::vector<Row> rows;
  bool default_continue_ok = false;  // as continue_ok, for the policy default
  bool operator==(const SyscallRules&) const = default;
};

// Glob patterns; an empty selector matches only by name (policy=NAME).
// Every field given must match and, when `any` is not empty, at least one
// of its alternatives (`match: any: [...]`).
struct Selector {
  std::map<std::string, std::string> meta;
  std::map<std::string, std::string> annotations;
  std::string pod_namespace;
  std::string pod_name;
  std::string container_name;
  std::vector<Selector> any;
  bool empty() const;
  bool operator==(const Selector&) const = default;
};

// Where the agent publishes an event for every notification of a container,
// beside its decision (a side channel: what is published decides nothing).
// Falco: Kinvolk's `PublishEvent` to its Falco plugin (MIDDLEWARE=falco).
enum class Sink { Falco };

// `publish: [{to: SINK, when: SELECTOR}]`: the containers of the policy the
// selector matches (every one when it is empty) publish to the sink.
struct Publish {
  Sink to = Sink::Falco;
  Selector when;
  bool operator==(const Publish&) const = default;
};

struct Policy {
  std::string name;
  std::string file;
  std::string description;
  Selector match;
  std::vector<Publish> publish;
  Action default_action;
  SourceRef default_source;
  std::map<std::string, SyscallRules> syscalls;
  bool operator==(const Policy&) const = default;
};

struct Table {
  int version = kSchemaVersion;
  std::string hash;  // "sha256:<hex>" of the canonical JSON without this field
  std::vector<std::string> arches;
  // arch -> syscall number -> name: every syscall some policy intercepts.
  std::map<std::string, std::map<int, std::string>> index;
  // What the base profile does with an intercepted syscall, for containers
  // whose policy has no rule for it (only the union profile notifies them).
  std::map<std::string, Action> passthrough;
  std::vector<Policy> policies;
  bool operator==(const Table&) const = default;
};

}  // namespace sa::table

// The table's own words, as table.json and the trace format write them.
namespace sa {
template <>
struct Vocabulary<table::Field> {
  static constexpr std::size_t count = 11;
  static constexpr std::array<NameEntry<table::Field>, count> names{{
      {table::Field::Arg, "arg"},
      {table::Field::PodNamespace, "pod.namespace"},
      {table::Field::PodName, "pod.name"},
      {table::Field::ContainerName, "container.name"},
      {table::Field::ContainerId, "container.id"},
      {table::Field::Annotation, "annotation"},
      {table::Field::Meta, "meta"},
      {table::Field::Metadata, "metadata"},
      {table::Field::Uid, "caller.uid"},
      {table::Field::Gid, "caller.gid"},
      {table::Field::Pid, "caller.pid"},
  }};
};
template <>
struct Vocabulary<table::Op> {
  static constexpr std::size_t count = 14;
  static constexpr std::array<NameEntry<table::Op>, count> names{{
      {table::Op::Eq, "eq"},
      {table::Op::Ne, "ne"},
      {table::Op::Lt, "lt"},
      {table::Op::Le, "le"},
      {table::Op::Gt, "gt"},
      {table::Op::Ge, "ge"},
      {table::Op::Glob, "glob"},
      {table::Op::Prefix, "prefix"},
      {table::Op::In, "in"},
      {table::Op::NotIn, "not_in"},
      {table::Op::MaskAny, "mask_any"},
      {table::Op::MaskEq, "mask_eq"},
      {table::Op::MaskNe, "mask_ne"},
      {table::Op::Present, "present"},
  }};
};
template <>
struct Vocabulary<table::StopMode> {
  static constexpr std::size_t count = 2;
  static constexpr std::array<NameEntry<table::StopMode>, count> names{{
      {table::StopMode::Kill, "kill"},
      {table::StopMode::Freeze, "freeze"},
  }};
};
template <>
struct Vocabulary<table::Sink> {
  static constexpr std::size_t count = 1;
  static constexpr std::array<NameEntry<table::Sink>, count> names{{
      {table::Sink::Falco, "falco"},
  }};
};
template <>
struct Vocabulary<table::DelayFrom> {
  static constexpr std::size_t count = 2;
  static constexpr std::array<NameEntry<table::DelayFrom>, count> names{{
      {table::DelayFrom::Decision, "decision"},
      {table::DelayFrom::CallerStart, "caller_start"},
  }};
};
template <>
struct Vocabulary<table::Predicate::Kind> {
  static constexpr std::size_t count = 7;
  static constexpr std::array<NameEntry<table::Predicate::Kind>, count> names{{
      {table::Predicate::Kind::Compare, "compare"},
      {table::Predicate::Kind::HasCap, "has_cap"},
      {table::Predicate::Kind::InUserns, "in_userns"},
      {table::Predicate::Kind::IsInit, "is_init"},
      {table::Predicate::Kind::Not, "not"},
      {table::Predicate::Kind::All, "all"},
      {table::Predicate::Kind::Any, "any"},
  }};
};
template <>
struct Vocabulary<table::Response> {
  static constexpr std::size_t count = 5;
  static constexpr std::array<NameEntry<table::Response>, count> names{{
      {table::Response::Continue, "continue"},
      {table::Response::Errno, "errno"},
      {table::Response::Return, "return"},
      {table::Response::Emulate, "emulate"},
      {table::Response::Kill, "kill"},
  }};
};
}  // namespace sa
