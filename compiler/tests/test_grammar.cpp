#define BOOST_TEST_MODULE grammar
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <tao/pegtl/contrib/analyze.hpp>

#include "dsl/grammar.hpp"
#include "dsl/parser.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa::dsl;

BOOST_AUTO_TEST_CASE(grammar_has_no_cycles_without_progress) {
  BOOST_TEST(tao::pegtl::analyze<grammar::rule>(-1) == 0u);
  BOOST_TEST(tao::pegtl::analyze<grammar::actions_only>(-1) == 0u);
}

static const char* const kAccepted[] = {
    "mount fs=cifs requires CAP_SYS_ADMIN in userns -> emulate",
    "mount fs=cifs requires CAP_SYS_ADMIN in userns \xE2\x86\x92 emulate",
    "chmod|fchmod|fchmodat -> errno EBADMSG",
    "mkdir -> emulate mkdir path=\"{path}-pid-{pid}\"",
    "mount fs=proc -> emulate",
    "mount flags & MS_BIND -> errno EPERM",
    "mount flags & MS_BIND|MS_REC == MS_BIND -> errno EPERM",
    "mount fs in [cifs, nfs, \"9p\"] -> emulate",
    "mount fs not in [cifs] -> errno EPERM",
    "mount fs in meta.MOUNT_OTHER_FS_LIST -> emulate",
    "execve filename glob \"/bin/tr*\" -> delay 2s then continue",
    "execve path = /bin/true -> delay \"{meta.EXEC_DURATION}\" then continue",
    "openat path prefix \"/etc/\" and flags & O_CREAT -> log, errno EACCES",
    "chroot|swapoff -> log, errno ENOSYS, stop container after 5s",
    "chroot -> stop container",
    "chroot -> log, freeze container after 5s",
    "* meta.DEFAULT_ACTION = freeze-container -> errno EPERM, freeze container",
    "ptrace -> kill",
    "getppid -> return 42",
    "getppid -> return -1",
    "mkdir mode > 0700 or mode < 0o100 -> errno 13",
    "mkdir not (mode = 0755) -> errno EPERM",
    "mkdir pod.namespace = default pod.name glob \"web-*\" container.name != sidecar -> continue",
    "mkdir annotation[\"io.kubernetes.pod.name\"] = x -> continue",
    "mkdir meta.MKDIR_TMPL -> emulate path=\"{path}{meta.MKDIR_TMPL}\"",
    "mkdir meta = \"bar\" -> emulate path=\"{path}-{meta}\"",
    "mkdir not meta glob \"*[!/]*\" -> emulate path=\"{path}-{meta|basename}\"",
    "mount fs in meta -> emulate",
    "mkdir uid = 0 gid != 0 caller.pid > 1 -> errno EPERM",
    "mount has CAP_SYS_ADMIN in userns -> emulate",
    "mount in userns, has CAP_SYS_ADMIN -> emulate",
    "mkdir path = \"/x\" -> continue unsafe",
    "* meta.DEFAULT_ACTION = kill-container -> stop container",
    "  mkdir\n  path = \"/multi\"\n  -> errno EPERM  ",
    "mkdir ((((mode = 1)))) -> log",
    "openat dirfd = AT_FDCWD -> continue",
    "mount fs=proc -> emulate as agent",
    "mkdir -> emulate mkdir path=\"/x\" mode=0700 as agent",
    "mkdir -> log, delay 1s then emulate as agent, stop container",
    "execve caller is init container.name not in meta.SIDECARS -> delay until age "
    "\"{meta.SIDECARS_DELAY}\" then continue",
    "execve not caller is init -> delay until age 5s then continue",
    "execve caller.pid = 1 or caller is init -> continue",
};

BOOST_DATA_TEST_CASE(accepts, bdata::make(kAccepted), text) {
  const auto r = parse_rule(text);
  BOOST_TEST(r.ok(), (r.ok() ? std::string() : r.errors.front().message));
}

struct Rejected {
  const char* text;
  const char* message;
  uint32_t offset;
};
std::ostream& operator<<(std::ostream& o, const Rejected& r) {
  return o << r.text;
}

constexpr const char* kAgentAfterAs =
    "expected 'agent' after 'as' (an emulation runs with the caller's credentials unless it says "
    "`as agent`)";

static const Rejected kRejected[] = {
    {"", "expected a syscall name or '*'", 0},
    {"mkdir", "expected a condition or '->'", 5},
    {"mkdir ->", "expected an action", 8},
    {"mkdir -> errno", "expected an errno name or number", 14},
    {"mkdir -> errno EPERM log", "expected ',' and another action, or the end of the rule", 21},
    {"mkdir -> errno EPERM,", "expected an action after ','", 21},
    {"mkdir path = -> continue", "expected a value", 13},
    {"mkdir path = \"abc -> continue", "unterminated string", 29},
    {"mkdir (mode = 1 -> continue", "expected ')'", 16},
    {"mkdir| -> continue", "expected a syscall name after '|'", 7},
    {"mkdir -> delay 2s continue", "expected 'then' after the delay", 18},
    {"mkdir -> delay forever then continue", "expected a duration such as 2s or 500ms", 15},
    {"mkdir -> stop after 5s", "expected 'container' after 'stop'", 14},
    {"mkdir -> freeze", "expected 'container' after 'freeze'", 15},
    {"mkdir -> freeze container after", "expected a duration such as 2s or 500ms", 31},
    {"mkdir -> stop container, freeze container",
     "an action list stops the container once; this is a second stop or freeze", 25},
    {"mkdir has -> continue", "expected a capability name such as CAP_SYS_ADMIN", 10},
    {"mkdir meta. -> continue", "expected a metadata key after 'meta.'", 11},
    {"mkdir fs in -> continue", "expected '[' or a field after 'in'", 12},
    {"mkdir not -> continue", "expected a condition", 10},
    {"mkdir -> return x", "expected an integer", 16},
    {"mkdir -> errno EPERM, errno EACCES",
     "an action list holds one response; this is a second one", 22},
    {"mkdir not requires CAP_CHOWN -> continue",
     "'requires' cannot appear inside 'not', 'or' or parentheses", 10},
    {"mkdir mode = 0789 -> continue", "0789 is not a valid octal number", 13},
    {"mkdir mode = 99999999999999999999999 -> continue",
     "integer 99999999999999999999999 does not fit in 64 bits", 13},
    {"mkdir path = \"a\\qb\" -> continue", "unknown escape sequence in string", 16},
    {"mkdir -> delay 48h then continue", "duration 48h is longer than a day", 15},
    {"execve caller is root -> continue", "expected 'init' after 'caller is'", 17},
    {"execve -> delay until 2s then continue", "expected 'age' after 'until'", 22},
    {"execve -> delay until age then continue", "expected a duration such as 2s or 500ms", 26},
    {"mkdir -> emulate as root", kAgentAfterAs, 20},
    {"mkdir -> emulate path=\"/x\" as caller", kAgentAfterAs, 30},
    {"mkdir -> emulate as", kAgentAfterAs, 19},
    {"mkdir -> errno EPERM as agent", "expected ',' and another action, or the end of the rule",
     21},
    {"mkdir -> continue as agent", "expected ',' and another action, or the end of the rule", 18},
    {"mkdir -> emulate as agent path=\"/x\"",
     "expected ',' and another action, or the end of the rule", 26},
};

BOOST_DATA_TEST_CASE(rejects, bdata::make(kRejected), c) {
  const auto r = parse_rule(c.text);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.errors.front().message == c.message);
  BOOST_TEST(r.errors.front().span.offset == c.offset);
}

BOOST_AUTO_TEST_CASE(design_card_example_tree) {
  const auto r = parse_rule("mount fs=cifs requires CAP_SYS_ADMIN in userns -> emulate");
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r.value.syscalls.size() == 1u);
  BOOST_TEST(r.value.syscalls[0].text == "mount");
  BOOST_TEST_REQUIRE(r.value.condition != nullptr);
  BOOST_TEST(r.value.condition->lhs.name == "fs");
  BOOST_TEST(r.value.condition->values.at(0).parts.at(0).text == "cifs");
  BOOST_TEST_REQUIRE(r.value.requirements.size() == 1u);
  BOOST_TEST(r.value.requirements[0].capability.text == "CAP_SYS_ADMIN");
  BOOST_TEST(r.value.requirements[0].in_userns);
  BOOST_TEST((r.value.action.response->kind == sa::table::Response::Emulate));
}

BOOST_AUTO_TEST_CASE(meta_alone_is_the_whole_metadata_and_meta_dot_a_key) {
  const auto whole = parse_rule("mkdir meta = bar -> continue");
  BOOST_TEST_REQUIRE(whole.ok());
  BOOST_TEST((whole.value.condition->lhs.field == sa::table::Field::Metadata));
  const auto key = parse_rule("mkdir meta.bar -> continue");
  BOOST_TEST_REQUIRE(key.ok());
  BOOST_TEST((key.value.condition->lhs.field == sa::table::Field::Meta));
  BOOST_TEST(key.value.condition->lhs.name == "bar");
  // An argument whose name merely starts with "meta" is still an argument.
  const auto arg = parse_rule("mkdir metadata = 1 -> continue");
  BOOST_TEST_REQUIRE(arg.ok());
  BOOST_TEST((arg.value.condition->lhs.field == sa::table::Field::Arg));
}

BOOST_AUTO_TEST_CASE(emulate_as_agent_after_the_parameters) {
  const auto r = parse_rule("mkdir -> emulate mkdir path=\"/x\" as agent");
  BOOST_TEST_REQUIRE(r.ok());
  const Response& e = *r.value.action.response;
  BOOST_TEST(e.emulate_op->text == "mkdir");
  BOOST_TEST(e.params.size() == 1u);
  BOOST_TEST((e.credentials == sa::model::Credentials::Agent));
  BOOST_TEST(e.as_span.offset == 33u);
  BOOST_TEST(e.as_span.length == 8u);
  const auto plain = parse_rule("mkdir -> emulate mkdir path=\"/x\"");
  BOOST_TEST_REQUIRE(plain.ok());
  BOOST_TEST((plain.value.action.response->credentials == sa::model::Credentials::Caller));
}

BOOST_AUTO_TEST_CASE(action_list_fields) {
  const auto r = parse_rule("chroot -> log, errno ENOSYS, stop container after 5s");
  BOOST_TEST_REQUIRE(r.ok());
  const Action& a = r.value.action;
  BOOST_TEST(a.log);
  BOOST_TEST(a.stop_container);
  BOOST_TEST(*a.stop_after->millis == 5000u);
  BOOST_TEST(a.response->operand.text == "ENOSYS");
  BOOST_TEST((a.stop_mode == sa::table::StopMode::Kill));
  const auto freeze = parse_rule("chroot -> errno EPERM, freeze container");
  BOOST_TEST_REQUIRE(freeze.ok());
  BOOST_TEST(freeze.value.action.stop_container);
  BOOST_TEST((freeze.value.action.stop_mode == sa::table::StopMode::Freeze));
  BOOST_TEST(!freeze.value.action.stop_after.has_value());
}

BOOST_AUTO_TEST_CASE(octal_hex_and_negative_integers) {
  const auto r = parse_rule("mkdir mode in [0755, 0x1ff, 0o700, 17] -> return -5");
  BOOST_TEST_REQUIRE(r.ok());
  const auto& v = r.value.condition->values;
  BOOST_TEST(v.at(0).parts.at(0).integer == 0755u);
  BOOST_TEST(v.at(1).parts.at(0).integer == 0x1ffu);
  BOOST_TEST(v.at(2).parts.at(0).integer == 0700u);
  BOOST_TEST(v.at(3).parts.at(0).integer == 17u);
  BOOST_TEST(r.value.action.response->operand.negative);
}

BOOST_AUTO_TEST_CASE(precedence_and_binds_tighter_than_or) {
  const auto r = parse_rule("mkdir mode = 1 mode = 2 or mode = 3 -> continue");
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST((r.value.condition->kind == Condition::Kind::Or));
  BOOST_TEST((r.value.condition->children.at(0)->kind == Condition::Kind::And));
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_not_a_crash) {
  const std::string deep =
      "mkdir " + std::string(100000, '(') + "mode = 1" + std::string(100000, ')') + " -> continue";
  const auto r = parse_rule(deep.substr(0, 60000));
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.errors.front().code == "E0201");
  BOOST_TEST(r.errors.front().message == "parentheses nested too deeply");
}

BOOST_AUTO_TEST_CASE(huge_rule_text_is_refused) {
  const std::string huge = "mkdir path = \"" + std::string(1 << 20, 'a') + "\" -> continue";
  const auto r = parse_rule(huge);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.errors.front().code == "E0202");
}

BOOST_AUTO_TEST_CASE(actions_alone) {
  BOOST_TEST(parse_actions("errno EPERM").ok());
  BOOST_TEST(parse_actions("  emulate mkdir path=\"/abc-pid-42\" ").ok());
  BOOST_TEST(parse_actions("emulate mkdir path=\"/x\" as agent").ok());
  BOOST_TEST(!parse_actions("mkdir -> errno EPERM").ok());
}
