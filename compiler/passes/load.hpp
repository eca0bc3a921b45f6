// Stage 1: a YAML rule file -> PolicyDoc. Only the YAML shape is checked here:
// which keys exist and what kind of node each holds. The rule texts stay
// strings (with their positions); the next stage parses them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "passes/source.hpp"

namespace sa::passes {

inline constexpr size_t kMaxFileBytes = size_t{16} << 20;

struct RuleDoc {
  Scalar text;
  int number = 0;  // 1-based position in `rules:`
  std::string name;
};

struct TestDoc {
  Scalar name;
  Scalar syscall;
  std::optional<Scalar> arch;
  std::map<std::string, Scalar> args;
  std::optional<Scalar> pid;
  std::map<std::string, Scalar> container;  // id, name, pid
  std::map<std::string, Scalar> pod;        // namespace, name
  std::map<std::string, Scalar> meta;
  std::optional<Scalar> metadata;  // the whole listenerMetadata
  std::map<std::string, Scalar> annotations;
  std::map<std::string, Scalar> caller;  // uid, gid, userns
  std::vector<Scalar> caps;
  std::vector<Scalar> unreadable;  // argument names whose read fails
  Scalar expect;
  ScalarPos at;
};

struct SelectorDoc {
  std::map<std::string, Scalar> meta;
  std::map<std::string, Scalar> annotations;
  std::optional<Scalar> pod_namespace;
  std::optional<Scalar> pod_name;
  std::optional<Scalar> container_name;
  std::vector<SelectorDoc> any;  // `any:` alternatives, one level deep
};

// One item of `publish:`: a sink, and which containers of the policy
// publish to it (`when`, a selector as `match` is; absent: all of them).
struct PublishDoc {
  Scalar to;
  SelectorDoc when;
};

struct PolicyDoc {
  std::shared_ptr<const SourceFile> file;
  Scalar name;
  std::string description;
  SelectorDoc match;
  std::vector<PublishDoc> publish;
  std::optional<Scalar> default_action;
  std::vector<Scalar> intercept;
  // `intercept_base_denials: true`: where it is written; absent when false.
  std::optional<Scalar> intercept_base_denials;
  std::vector<RuleDoc> rules;
  std::vector<TestDoc> tests;
};

// Reads a file into memory (at most kMaxFileBytes); nullptr after reporting.
std::shared_ptr<const SourceFile> read_source(const std::string& path, diag::Sink& sink);
// Loads one file; nullopt when nothing usable came out of it (the reasons
// are in the sink).
std::optional<PolicyDoc> load_text(std::shared_ptr<const SourceFile> file, diag::Sink& sink);

}  // namespace sa::passes
