// The order of evaluation and every origin: rows in order, requirements,
// defaults, passthrough, no policy, unknown syscalls, failed reads, invisible
// callers, lazy reads, and the unsafe-CONTINUE safety net.
#define BOOST_TEST_MODULE engine_flow
#include <linux/capability.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>

#include "fixtures.hpp"

namespace sa::engine {
namespace {

using namespace testing;
using table::Field;
using table::Op;

table::Predicate fstype_is(const std::string& fs) {
  return compare(arg_field("mount", "fstype"), Op::Eq, std::vector<std::string>{fs});
}

table::Predicate source_is(const std::string& s) {
  return compare(arg_field("mount", "source"), Op::Eq, std::vector<std::string>{s});
}

table::Row requiring(table::Row r, int cap, bool in_userns) {
  r.requirements.push_back(table::Requirement{cap, in_userns});
  return r;
}

const uint64_t kAdmin = uint64_t{1} << CAP_SYS_ADMIN;

BOOST_AUTO_TEST_CASE(the_first_matching_row_decides) {
  Engine e(make_table({policy("p", {{"mount",
                                     {row("p#1", {fstype_is("proc")}, errno_action(EACCES)),
                                      row("p#2", {fstype_is("proc")}, errno_action(EBUSY)),
                                      row("p#3", {}, errno_action(EPERM))}}})}));
  CountingFacts facts;
  facts.with(2, "proc");
  const auto* p = &e.table().policies[0];
  Decision d = e.evaluate(p, container(), notification("mount"), facts);
  BOOST_TEST(d.error() == EACCES);
  BOOST_TEST(d.row->id == "p#1");
  facts.with(2, "ext4");
  d = e.evaluate(p, container(), notification("mount"), facts);
  BOOST_TEST(d.row->id == "p#3");
}

BOOST_AUTO_TEST_CASE(strings_are_read_lazily_and_once) {
  // Three rows test fstype, a fourth its source; a template uses fstype too.
  Engine e(make_table({policy("p", {{"mount",
                                     {row("p#1", {fstype_is("cifs")}, errno_action(EACCES)),
                                      row("p#2", {fstype_is("nfs")}, errno_action(EACCES)),
                                      row("p#3", {fstype_is("proc"), source_is("proc")},
                                          emulate_action("mount", {{"target", "/x/{fs}"}})),
                                      row("p#4", {}, errno_action(EPERM))}}})}));
  CountingFacts facts;
  facts.with(0, "proc").with(1, "/proc").with(2, "proc").with(3, "unused").null(4);
  const Decision d = e.evaluate(&e.table().policies[0], container(), notification("mount"), facts);
  BOOST_TEST(d.row->id == "p#3");
  BOOST_TEST(d.emulation()->find("target")->text == "/x/proc");
  BOOST_TEST(facts.reads[2] == 1);
  BOOST_TEST(facts.reads[0] == 1);
  BOOST_TEST(facts.reads[1] == 1);  // the emulation resolves every string argument
  BOOST_TEST(facts.reads[3] == 0);  // flags is an integer
  BOOST_TEST(facts.caller_calls == 0);

  CountingFacts other;
  other.with(2, "cifs");  // decided by row 1: nothing else may be read
  const Decision first =
      e.evaluate(&e.table().policies[0], container(), notification("mount"), other);
  BOOST_TEST(first.row->id == "p#1");
  BOOST_TEST(other.total_reads() == 1);
}

BOOST_AUTO_TEST_CASE(requirements_answer_eperm_when_unmet) {
  Engine e(
      make_table({policy("p", {{"mount",
                                {requiring(row("p#1", {fstype_is("cifs")}, emulate_action("mount")),
                                           CAP_SYS_ADMIN, true)}}})}));
  const auto* p = &e.table().policies[0];
  const auto run = [&](model::CallerFacts who) {
    CountingFacts facts;
    facts.with(0, "//srv/share").with(1, "/mnt").with(2, "cifs").null(4).caller_is(who);
    return e.evaluate(p, container(), notification("mount"), facts);
  };
  const Decision ok = run(model::CallerFacts{0, 0, kAdmin, "user:[1]", true, std::nullopt});
  BOOST_TEST(ok.response() == table::Response::Emulate);
  BOOST_TEST(ok.origin == model::Origin::Rule);
  for (const model::CallerFacts& who : {model::CallerFacts{0, 0, kAdmin, "user:[2]", false, std::nullopt},
                                        model::CallerFacts{65534, 65534, 0, "user:[1]", true, std::nullopt}}) {
    const Decision d = run(who);
    BOOST_TEST(d.response() == table::Response::Errno);
    BOOST_TEST(d.error() == EPERM);
    BOOST_TEST(d.origin == model::Origin::Requirement);
    BOOST_TEST(d.row->id == "p#1");
    BOOST_TEST(d.emulation() == nullptr);
  }
  // Requirements are only looked at once the rest of the row matched.
  CountingFacts ext4;
  ext4.with(2, "ext4");
  const Decision d = e.evaluate(p, container(), notification("mount"), ext4);
  BOOST_TEST(d.origin == model::Origin::Default);
  BOOST_TEST(ext4.caller_calls == 0);
}

BOOST_AUTO_TEST_CASE(invisible_callers_answer_eperm) {
  Engine e(make_table(
      {policy("p", {{"chmod", {row("p#1", {has_cap(CAP_FOWNER)}, continue_action(), true)}}},
              errno_action(EACCES))}));
  CountingFacts facts;  // caller(): nullopt
  const Decision d = e.evaluate(&e.table().policies[0], container(), notification("chmod"), facts);
  BOOST_TEST(d.response() == table::Response::Errno);
  BOOST_TEST(d.error() == EPERM);
  BOOST_TEST(d.origin == model::Origin::FactsUnavailable);
  BOOST_TEST(d.warnings.size() == 1u);
}

// An unreadable string is answered with the read's own errno, as the
// kernel would answer the caller: EFAULT for a bad pointer, ENAMETOOLONG
// for a path without a NUL within PATH_MAX. The log names the same errno.
BOOST_AUTO_TEST_CASE(unreadable_strings_answer_the_reads_errno) {
  Engine e(make_table(
      {policy("p", {{"mount", {row("p#1", {fstype_is("proc")}, emulate_action("mount"))}},
                    {"mkdir", {row("p#2", {}, emulate_action("mkdir"))}}})}));
  const auto* p = &e.table().policies[0];
  CountingFacts facts;
  facts.failing(2, EFAULT);
  Decision d = e.evaluate(p, container(), notification("mount"), facts);
  BOOST_TEST(d.response() == table::Response::Errno);
  BOOST_TEST(d.error() == EFAULT);
  BOOST_TEST(d.origin == model::Origin::ReadFailed);
  BOOST_TEST(d.warnings.at(0).find("argument 2") != std::string::npos);

  // A failure while resolving an emulation's arguments counts the same.
  CountingFacts path;
  path.failing(0, ENAMETOOLONG);
  d = e.evaluate(p, container(), notification("mkdir"), path);
  BOOST_TEST(d.error() == ENAMETOOLONG);
  BOOST_TEST(d.origin == model::Origin::ReadFailed);
  BOOST_TEST(d.warnings.at(0).find("ENAMETOOLONG") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(defaults_apply_when_no_row_matches) {
  table::Action deny = errno_action(EACCES);
  deny.log = true;
  Engine e(make_table({policy(
      "p", {{"mount", {row("p#1", {fstype_is("proc")}, emulate_action("mount"))}}}, deny)}));
  CountingFacts facts;
  facts.with(2, "ext4");
  const Decision d = e.evaluate(&e.table().policies[0], container(), notification("mount"), facts);
  BOOST_TEST(d.origin == model::Origin::Default);
  BOOST_TEST(d.error() == EACCES);
  BOOST_TEST(d.log);
  BOOST_TEST(d.row == nullptr);
  BOOST_TEST(d.policy->name == "p");
  BOOST_TEST(d.summary() == "log, errno EACCES (p default rules/p.yaml:4:10)");
}

BOOST_AUTO_TEST_CASE(the_safety_net_refuses_an_unacknowledged_continue_after_reading) {
  // A hand-edited table: CONTINUE decided on a string, continue_ok false.
  Engine e(make_table({policy("p",
                              {{"mount",
                                {row("p#1", {fstype_is("proc")}, continue_action(), false),
                                 row("p#2", {fstype_is("sysfs")}, continue_action(), true)}}},
                              continue_action(), false)}));
  const auto* p = &e.table().policies[0];
  const auto run = [&](const std::string& fs) {
    CountingFacts facts;
    facts.with(2, fs);
    return e.evaluate(p, container(), notification("mount"), facts);
  };
  Decision d = run("proc");
  BOOST_TEST(d.response() == table::Response::Errno);
  BOOST_TEST(d.error() == EPERM);
  BOOST_TEST(d.origin == model::Origin::UnsafeContinueRefused);
  BOOST_TEST(d.row->id == "p#1");
  BOOST_TEST(d.warnings.size() == 1u);
  d = run("sysfs");  // acknowledged by the compiler
  BOOST_TEST(d.is_continue());
  BOOST_TEST(d.origin == model::Origin::Rule);
  d = run("ext4");  // the default read memory too, and default_continue_ok is false
  BOOST_TEST(d.origin == model::Origin::UnsafeContinueRefused);
}

BOOST_AUTO_TEST_CASE(continue_on_registers_alone_is_never_refused) {
  Engine e(make_table({policy("p", {{"chmod", {row("p#1", {}, continue_action(), false)}}},
                              continue_action(), false)}));
  CountingFacts facts;
  const Decision d = e.evaluate(&e.table().policies[0], container(), notification("chmod"), facts);
  BOOST_TEST(d.is_continue());
  BOOST_TEST(!d.read_memory);
}

BOOST_AUTO_TEST_CASE(passthrough_and_no_policy) {
  table::Table t = make_table({policy("p", {{"chmod", {row("p#1", {}, errno_action(EBADMSG))}}}),
                               policy("q", {{"mkdir", {row("q#1", {}, errno_action(EBADMSG))}}})},
                              {"ptrace"});
  t.passthrough["mkdir"] = errno_action(EPERM);
  Engine e(std::move(t));
  const auto* p = &e.table().policies[0];
  CountingFacts facts;
  Decision d = e.evaluate(p, container(), notification("mkdir"), facts);
  BOOST_TEST(d.origin == model::Origin::Passthrough);
  BOOST_TEST(d.error() == EPERM);
  BOOST_TEST(d.policy == p);
  BOOST_TEST(d.summary() == "errno EPERM [passthrough]");
  d = e.evaluate(p, container(), notification("ptrace"), facts);  // no passthrough entry
  BOOST_TEST(d.origin == model::Origin::Passthrough);
  BOOST_TEST(d.is_continue());
  d = e.evaluate(nullptr, container(), notification("chmod"), facts);
  BOOST_TEST(d.origin == model::Origin::NoPolicy);
  BOOST_TEST(d.is_continue());
  BOOST_TEST(d.policy == nullptr);
  d = e.evaluate(nullptr, container(), notification("mkdir"), facts);
  BOOST_TEST(d.origin == model::Origin::NoPolicy);
  BOOST_TEST(d.error() == EPERM);
}

BOOST_AUTO_TEST_CASE(a_syscall_no_policy_names_gets_the_policy_default) {
  // runc's own test profile notifies read, close, ... which no rule names.
  table::Action log_continue = continue_action();
  log_continue.log = true;
  Engine e(make_table(
      {policy("p", {{"chmod", {row("p#1", {}, errno_action(EBADMSG))}}}, log_continue),
       policy("q", {{"chmod", {row("q#1", {}, errno_action(EBADMSG))}}}, errno_action(ENOSYS))}));
  const auto* p = &e.table().policies[0];
  const auto* q = &e.table().policies[1];
  CountingFacts facts;
  Decision d = e.evaluate(p, container(), notification("read"), facts);
  BOOST_TEST(d.origin == model::Origin::Unnamed);
  BOOST_TEST(d.is_continue());
  BOOST_TEST(d.log);
  BOOST_TEST(d.syscall == "read");
  BOOST_TEST(d.policy == p);
  BOOST_TEST(d.summary() == "log, continue [unnamed-syscall]");
  // `default: errno ENOSYS` keeps failing closed, explicitly.
  d = e.evaluate(q, container(), notification("read"), facts);
  BOOST_TEST(d.origin == model::Origin::Unnamed);
  BOOST_TEST(d.error() == ENOSYS);
  // The compat ABIs find the name by their own numbers.
  d = e.evaluate(p, container(), notification("socketcall", {}, 1, "x86"), facts);
  BOOST_TEST(d.syscall == "socketcall");
  BOOST_TEST(d.origin == model::Origin::Unnamed);
  BOOST_TEST(e.evaluate(p, container(), notification("read", {}, 1, "x32"), facts).syscall ==
             "read");
  // Every such syscall has a slot of its own, for its counters.
  BOOST_TEST(e.syscall_slot(notification("read")) >= 0);
  BOOST_TEST(e.syscall_slot(notification("read")) != e.syscall_slot(notification("close")));
  BOOST_TEST(e.syscall_slot(notification("read")) ==
             e.syscall_slot(notification("read", {}, 1, "x86")));
  BOOST_TEST(facts.total_reads() == 0);
  BOOST_TEST(facts.caller_calls == 0);
}

BOOST_AUTO_TEST_CASE(unknown_syscalls_answer_enosys) {
  Engine e(make_table({policy("p", {{"chmod", {row("p#1", {}, errno_action(EBADMSG))}}})}));
  const auto* p = &e.table().policies[0];
  CountingFacts facts;
  // Unnamed, and no policy to say what the profile meant: fail closed.
  Decision d = e.evaluate(nullptr, container(), notification("mkdir"), facts);
  BOOST_TEST(d.origin == model::Origin::UnknownSyscall);
  BOOST_TEST(d.error() == ENOSYS);
  BOOST_TEST(d.syscall == "mkdir");
  model::Notification foreign = notification("chmod");
  foreign.audit_arch = 0xdeadbeef;  // an architecture the table does not target
  d = e.evaluate(p, container(), foreign, facts);
  BOOST_TEST(d.origin == model::Origin::UnknownSyscall);
  BOOST_TEST(d.syscall == "");
  model::Notification huge = notification("chmod");
  huge.nr = -1;
  BOOST_TEST(e.evaluate(p, container(), huge, facts).origin == model::Origin::UnknownSyscall);
  huge.nr = 4000;  // no syscall by that number on x86_64
  BOOST_TEST(e.evaluate(p, container(), huge, facts).error() == ENOSYS);
  // The same syscall through the compat ABIs is found by its own numbers.
  BOOST_TEST(e.evaluate(p, container(), notification("chmod", {}, 1, "x86"), facts).error() ==
             EBADMSG);
  BOOST_TEST(e.evaluate(p, container(), notification("chmod", {}, 1, "x32"), facts).error() ==
             EBADMSG);
}

BOOST_AUTO_TEST_CASE(a_policy_of_another_table_is_refused) {
  Engine a(make_table({policy("p", {{"chmod", {row("p#1", {}, errno_action(EBADMSG))}}})}));
  Engine b(make_table({policy("p", {{"chmod", {row("p#1", {}, errno_action(EBADMSG))}}})}));
  CountingFacts facts;
  BOOST_CHECK_THROW(a.evaluate(&b.table().policies[0], container(), notification("chmod"), facts),
                    std::invalid_argument);
}

}  // namespace
}  // namespace sa::engine
