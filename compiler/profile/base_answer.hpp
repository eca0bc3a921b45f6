// What the base profile does with one syscall, as libseccomp will build it
// (see libseccomp_semantics below), and what that means once the syscall is
// intercepted: the table's passthrough and the W0400 layering warnings.
//
// libseccomp 2.5.4 semantics this relies on (compiler/profile/tests/
// test_libseccomp_semantics.cpp checks each of them against the real library
// and kernel):
//  1. A rule whose action equals the filter's default action is refused
//     (EACCES); runc and crun skip such entries.
//  2. An unconditional rule for a syscall wins over every argument-conditional
//     rule for it, whichever is added first, whatever the actions: the
//     conditional rules are dropped without an error.
//  3. Two unconditional rules with different actions: the first one added wins,
//     the second is dropped without an error.
//  4. Conditional rules with different actions for one syscall are merged into
//     a tree ordered by argument number, comparison and value, not by the
//     order of the entries; where one rule is a prefix of another, adding them
//     either drops the longer one or fails with EEXIST depending on order.
// Hence a generated profile never gives an intercepted syscall any rule other
// than its SCMP_ACT_NOTIFY ones: no base entry survives next to them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/table/table.hpp"
#include "profile/base_profile.hpp"

namespace sa::profile {

struct BaseAnswer {
  bool has_base = false;
  // What a call gets when no conditional or selective entry decides it: the
  // first unconditional entry that is not the default action, or the default.
  ScmpAction action = ScmpAction::Allow;
  std::optional<uint32_t> errno_ret;
  const BaseEntry* entry = nullptr;  // the unconditional entry; nullptr: the default
  // Entries that are not the default action and that the runtime applies only
  // to some calls (argument conditions) or some containers (includes/excludes).
  // With an unconditional entry, argument conditions are dead (rule 2 above)
  // and not listed.
  std::vector<const BaseEntry*> conditional;
  std::vector<const BaseEntry*> selective;

  // The base leaves the syscall to the default action ALLOW: no entry of its
  // own changes any call (or there is no base).
  bool plain_allow() const;
  bool blocks() const;  // ERRNO, TRACE, TRAP or a KILL, for calls no entry decides
};

BaseAnswer base_answer(const BaseProfile* base, const std::string& syscall);

// The table's form of a base answer: ALLOW/LOG -> continue; ERRNO -> errno
// (errnoRet, else EPERM; errnoRet 0 -> return 0, which is what the kernel
// does); KILL/KILL_PROCESS/KILL_THREAD/TRAP -> kill; TRACE -> errno ENOSYS
// (what the kernel answers when no tracer is attached).
table::Action to_table_action(ScmpAction a, std::optional<uint32_t> errno_ret);

// "SCMP_ACT_ERRNO (EPERM)", "SCMP_ACT_KILL_PROCESS".
std::string describe_action(ScmpAction a, std::optional<uint32_t> errno_ret);

// The W0400 warnings for intercepting `syscall` on top of `base`.
void report_layering(const BaseProfile& base, const std::string& syscall, diag::Sink& sink);

// Per intercepted syscall, what the base does when the syscall is not
// notified; no base: continue. Reports the layering warnings, except for
// `expected`: syscalls intercepted because the base denies them.
std::map<std::string, table::Action> passthrough(const BaseProfile* base,
                                                 const std::set<std::string>& intercepted,
                                                 diag::Sink& sink,
                                                 const std::set<std::string>& expected = {});

}  // namespace sa::profile
