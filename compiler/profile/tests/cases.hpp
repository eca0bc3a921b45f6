// The synthetic tables and base profiles the golden, loader and equivalence
// tests share.
#pragma once

#include <sys/mount.h>

#include <ostream>
#include <string>
#include <vector>

#include "model/catalog/constants.hpp"
#include "passes/link.hpp"
#include "profile/build.hpp"
#include "tables.hpp"

namespace sa::profile::test {

inline const std::string kFixtures = "compiler/profile/tests/fixtures/";

inline uint64_t constant(const char* name) {
  return static_cast<uint64_t>(catalog::find_constant(name)->value);
}

// With the index built as rulec does, so that the engine can run it.
inline table::Table linked(std::vector<table::Policy> policies,
                           const std::vector<catalog::Arch>& arch_list) {
  return passes::link(std::move(policies), arch_list, {});
}

// Kinvolk's demo: every rule needs a string or an emulation.
inline table::Policy demo_basic() {
  return policy(
      "demo-basic",
      {{"mount", {row({str(arg("mount", "fstype"), Op::Eq, {"proc"})}, emulate("mount"), true)}},
       {"mkdir", {row({}, emulate("mkdir"))}},
       {"chmod", {row({}, errno_action(EBADMSG))}}});
}

// Register-only rules: filtered where exact.
inline table::Policy register_rules() {
  const uint64_t bind = constant("MS_BIND");
  const uint64_t rec = constant("MS_REC");
  return policy(
      "registers",
      {{"mount",
        {row({cmp(arg("mount", "flags"), Op::MaskEq, {bind}, bind | rec)}, errno_action(EPERM)),
         row({cmp(arg("mount", "flags"), Op::MaskAny, {}, constant("MS_REMOUNT"))},
             errno_action(EBUSY))}},
       {"mkdir", {row({cmp(arg("mkdir", "mode"), Op::Eq, {0700})}, errno_action(EACCES))}},
       {"openat",
        {row({cmp(arg("openat", "dirfd"), Op::Ne, {static_cast<uint64_t>(-100)}),
              cmp(arg("openat", "flags"), Op::MaskAny, {}, constant("O_CREAT"))},
             errno_action(EROFS))}},
       {"unshare", {row({cmp(arg("unshare", "flags"), Op::Ne, {0})}, errno_action(EPERM))}},
       {"truncate", {row({cmp(arg("truncate", "length"), Op::Lt, {4096})}, errno_action(EFBIG))}}});
}

// Another policy on some of the same syscalls, for the node profile's union.
inline table::Policy second_policy() {
  return policy(
      "second",
      {{"mkdir", {row({cmp(arg("mkdir", "mode"), Op::In, {0755, 0750})}, errno_action(EACCES))}},
       {"mount",
        {row({has_cap(21), cmp(arg("mount", "flags"), Op::Eq, {0})}, errno_action(EPERM))}}});
}

// Not filterable whatever the base: the default logs.
inline table::Policy logging_policy() {
  table::Action log;
  log.log = true;
  return policy(
      "logging",
      {{"mkdir", {row({cmp(arg("mkdir", "mode"), Op::Eq, {0777})}, errno_action(EACCES))}}}, log);
}

// Syscalls a runtime default profile treats specially.
inline table::Policy runtime_intercepts() {
  return policy(
      "runtime",
      {{"mount", {row({str(arg("mount", "fstype"), Op::Eq, {"proc"})}, emulate("mount"), true)}},
       {"clone",
        {row({cmp(arg("clone", "flags"), Op::MaskAny, {}, constant("CLONE_NEWUSER"))},
             errno_action(EPERM))}},
       {"personality", {row({}, errno_action(EPERM))}},
       {"mkdir", {row({cmp(arg("mkdir", "mode"), Op::Eq, {0700})}, emulate("mkdir"))}},
       {"socket", {row({}, errno_action(EAFNOSUPPORT))}},
       {"clone3", {row({}, errno_action(ENOSYS))}}});
}

struct Case {
  std::string name;  // golden file stem
  std::vector<table::Policy> policies;
  std::vector<catalog::Arch> arches;
  std::string base;  // fixture file, "" for none
  Options options;
};

// Boost.Test names each data case by it.
inline std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.name;
}

inline std::vector<Case> golden_cases() {
  Options meta;
  meta.metadata = {"MOUNT_PROC=true"};
  Options custom;
  custom.listener_path = "/var/run/agent/notify.sock";
  const auto x64 = arches({"x86_64"});
  const auto x86_all = arches({"x86_64", "x86", "x32"});
  return {
      {"demo-basic", {demo_basic()}, x64, "", meta},
      {"registers-x86_64", {register_rules(), second_policy(), logging_policy()}, x64, "", custom},
      {"registers-x86-x32", {register_rules(), second_policy()}, x86_all, "", {}},
      {"audit-base", {register_rules(), demo_basic()}, x64, "audit.json", {}},
      {"violation-base", {register_rules()}, x64, "violation.json", {}},
      {"fine-grained-base", {register_rules(), demo_basic()}, x64, "fine-grained.json", meta},
      {"runtime-default-base", {runtime_intercepts()}, x64, "runtime-default.json", {}},
  };
}

}  // namespace sa::profile::test
