// Output of stage 2 (resolve): every name looked up, every value typed, one
// table::Row per (rule, syscall). Stage 3 (lower) orders the rows per syscall
// and runs the whole-policy checks (shadowing, unsafe CONTINUE).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dsl/ast.hpp"
#include "model/table/table.hpp"
#include "passes/source.hpp"

namespace sa::passes {

struct ResolvedRule {
  int number = 0;
  Scalar text;
  dsl::Span syscalls_span;
  dsl::Span action_span;
  // Parallel: the syscalls the rule applies to, and its row for each.
  std::vector<std::string> syscalls;
  std::vector<table::Row> rows;
};

// An inline test: a notification and the facts around it, and the decision
// the policy must take. The simulator turns it into engine inputs.
struct TestCase {
  std::string name;
  std::string policy;
  table::SourceRef source;
  std::string syscall;
  std::string arch;
  uint32_t pid = 1000;
  std::array<uint64_t, 6> args{};
  std::map<int, std::string> strings;  // string arguments by index
  std::set<int> unreadable;            // arguments whose read fails (EFAULT)
  std::string container_id = "test";
  long container_pid = 1;
  std::string container_name;
  std::string pod_namespace;
  std::string pod_name;
  std::map<std::string, std::string> meta;
  std::string metadata_raw;  // what {meta} and `meta = ...` see
  std::map<std::string, std::string> annotations;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t cap_effective = 0;
  bool userns_is_container = false;
  std::string userns = "host";
  std::optional<uint64_t> age_ms;  // `caller: {age: 3s}`; unknown when not given
  table::Action expect;
  std::string expect_text;
};

struct ResolvedPolicy {
  std::shared_ptr<const SourceFile> file;
  std::string name;
  Scalar name_scalar;
  std::string description;
  table::Selector match;
  std::vector<table::Publish> publish;
  table::Action default_action;
  table::SourceRef default_source;
  std::optional<Scalar> default_text;
  std::vector<std::string> intercepted;  // every syscall the policy intercepts, sorted
  std::vector<ResolvedRule> rules;
  std::vector<TestCase> tests;
};

}  // namespace sa::passes
