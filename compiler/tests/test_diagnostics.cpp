// One test per diagnostic, with its exact text: position inside the YAML,
// source line, caret and hint. The inputs are compiled in memory through the
// same stages rulec runs (load -> resolve -> lower), for x86_64 only so that
// the texts do not depend on the machine's compat architectures.
#define BOOST_TEST_MODULE diagnostics
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "model/catalog/arch.hpp"
#include "passes/pipeline.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa;

namespace {

std::string diagnose(const std::string& yaml, diag::Sink* sink_out = nullptr) {
  diag::Sink sink;
  auto source = std::make_shared<passes::SourceFile>("t.yaml", yaml);
  passes::Pipeline({*catalog::find_arch("x86_64")}).run_sources({source}, sink);
  if (sink_out)
    *sink_out = sink;
  return diag::format_text(sink.items());
}

struct Case {
  const char* name;
  const char* yaml;
  const char* expected;
};
std::ostream& operator<<(std::ostream& o, const Case& c) {
  return o << c.name;
}

const Case kCases[] = {
    {"E0100_yaml_syntax",
     R"__(policy: p
rules: [mkdir -> continue
)__",
     R"__(t.yaml:3:1: error[E0100]: YAML syntax error: end of sequence flow not found
)__"},
    {"E0100_tab",
     R"__(policy: p
rules:
	- mkdir -> continue
)__",
     R"__(t.yaml:3:2: error[E0100]: YAML syntax error: illegal block entry
    	- mkdir -> continue
    	^
  hint: YAML does not allow tabs for indentation; indent with spaces
)__"},
    {"E0101_shape",
     R"__(policy: p
rules: mkdir -> continue
)__",
     R"__(t.yaml:2:8: error[E0101]: `rules` must be a list of rules
    rules: mkdir -> continue
           ^
)__"},
    {"E0101_not_a_map",
     R"__(- mkdir -> continue
)__",
     R"__(t.yaml:1:1: error[E0101]: a rule file is a mapping with `policy:` and `rules:` at the top
    - mkdir -> continue
    ^
)__"},
    {"E0102_unknown_key",
     R"__(policy: p
rule:
  - mkdir -> continue
rules: []
)__",
     R"__(t.yaml:2:1: error[E0102]: unknown key 'rule' in the policy header
    rule:
    ^~~~
  hint: did you mean 'rules'?
)__"},
    {"E0101_match_any_empty",
     R"__(policy: p
match:
  any: []
rules: []
)__",
     R"__(t.yaml:3:8: error[E0101]: `match.any` must be a non-empty list of selectors (meta, annotations, pod, container)
      any: []
           ^
)__"},
    {"E0101_match_any_names_nothing",
     R"__(policy: p
match:
  any:
    - {}
rules: []
)__",
     R"__(t.yaml:4:7: error[E0101]: an item of `match.any` names no field: it would match every container
        - {}
          ^
)__"},
    {"E0102_match_any_nested",
     R"__(policy: p
match:
  any:
    - any: [{meta: {A: b}}]
rules: []
)__",
     R"__(t.yaml:4:7: error[E0102]: unknown key 'any' in an item of `match.any`
        - any: [{meta: {A: b}}]
          ^~~
  hint: known keys: meta, annotations, pod, container
)__"},
    {"E0311_unknown_sink",
     R"__(policy: p
publish:
  - to: syslog
rules: []
)__",
     R"__(t.yaml:3:9: error[E0311]: 'syslog' is not a sink to publish to
      - to: syslog
            ^~~~~~
  hint: known sinks: falco
)__"},
    {"E0101_publish_without_to",
     R"__(policy: p
publish:
  - when: {meta: {MIDDLEWARE: falco}}
rules: []
)__",
     R"__(t.yaml:3:5: error[E0101]: an item of `publish` needs `to:` (the sink: falco)
      - when: {meta: {MIDDLEWARE: falco}}
        ^
)__"},
    {"E0101_publish_when_any_names_nothing",
     R"__(policy: p
publish:
  - to: falco
    when:
      any: [{}]
rules: []
)__",
     R"__(t.yaml:5:13: error[E0101]: an item of `publish.when.any` names no field: it would match every container
          any: [{}]
                ^
)__"},
    {"E0104_bad_name",
     R"__(policy: -bad name
rules: []
)__",
     R"__(t.yaml:1:9: error[E0104]: '-bad name' is not a valid policy name
    policy: -bad name
            ^
  hint: letters, digits, '_', '.', '-'; at most 63 characters; starting with a letter or digit
)__"},
    {"E0105_empty",
     R"__(
  
)__",
     R"__(t.yaml: error[E0105]: the file is empty; a rule file needs at least `policy:` and `rules:`
)__"},
    // Found by fuzz_rules: rulec -o aborted writing table.json when a
    // template held a byte that is not UTF-8.
    {"E0106_not_utf8", "policy: p\nrules:\n  - mkdir -> emulate mkdir path=\"{path}\xff\"\n",
     R"__(t.yaml:3:40: error[E0106]: byte 0xFF is not UTF-8; rule files are UTF-8 text
  hint: save the file as UTF-8
)__"},
    {"E0200_syntax",
     R"__(policy: p
rules:
  - mkdir path = -> continue
)__",
     R"__(t.yaml:3:18: error[E0200]: expected a value
      - mkdir path = -> continue
                     ^
)__"},
    {"E0200_quoted_scalar",
     R"__(policy: p
rules:
  - "mkdir -> errno"
)__",
     R"__(t.yaml:3:20: error[E0200]: expected an errno name or number
      - "mkdir -> errno"
                       ^
)__"},
    {"E0200_as_not_agent",
     R"__(policy: p
rules:
  - mkdir -> emulate path="/x" as root
)__",
     R"__(t.yaml:3:35: error[E0200]: expected 'agent' after 'as' (an emulation runs with the caller's credentials unless it says `as agent`)
      - mkdir -> emulate path="/x" as root
                                      ^
)__"},
    {"E0200_as_agent_not_emulating",
     R"__(policy: p
rules:
  - mkdir -> errno EPERM as agent
)__",
     R"__(t.yaml:3:26: error[E0200]: expected ',' and another action, or the end of the rule
      - mkdir -> errno EPERM as agent
                             ^
)__"},
    {"E0300_unknown_syscall",
     R"__(policy: p
rules:
  - mkdri -> continue
)__",
     R"__(t.yaml:3:5: error[E0300]: unknown syscall 'mkdri'
      - mkdri -> continue
        ^~~~~
  hint: did you mean 'mkdir'?
)__"},
    {"E0300_not_on_target",
     R"__(policy: p
rules:
  - renameat|umount -> continue
)__",
     R"__(t.yaml:3:14: error[E0300]: syscall 'umount' does not exist on the target architectures (x86_64)
      - renameat|umount -> continue
                 ^~~~~~
  hint: choose the architectures with --arch
)__"},
    {"E0301_unknown_arg",
     R"__(policy: p
rules:
  - mkdir fs = x -> continue
)__",
     R"__(t.yaml:3:11: error[E0301]: syscall 'mkdir' has no argument 'fs'
      - mkdir fs = x -> continue
              ^~
  hint: mkdir takes: path, mode
)__"},
    {"E0302_string_on_int",
     R"__(policy: p
rules:
  - mkdir mode glob "07*" -> continue
)__",
     R"__(t.yaml:3:11: error[E0302]: string test 'glob' on integer argument 'mode'
      - mkdir mode glob "07*" -> continue
              ^~~~~~~~~~~~~~~
)__"},
    {"E0302_string_value_on_int",
     R"__(policy: p
rules:
  - mkdir mode = "x" -> errno EPERM
)__",
     R"__(t.yaml:3:18: error[E0302]: string "x" compared with integer argument 'mode'
      - mkdir mode = "x" -> errno EPERM
                     ^~~
  hint: integer arguments take numbers or constants such as MS_BIND
)__"},
    {"E0303_int_on_string",
     R"__(policy: p
rules:
  - mkdir path = 123 -> errno EPERM
)__",
     R"__(t.yaml:3:18: error[E0303]: integer 123 compared with string argument 'path'
      - mkdir path = 123 -> errno EPERM
                     ^~~
  hint: to compare with the text "123", quote it
)__"},
    {"E0303_int_test_on_string",
     R"__(policy: p
rules:
  - mount fs & 4 -> errno EPERM
)__",
     R"__(t.yaml:3:11: error[E0303]: integer test '&' on string argument 'fs'
      - mount fs & 4 -> errno EPERM
              ^~~~~~
)__"},
    {"E0304_errno",
     R"__(policy: p
rules:
  - chmod -> errno EBADMSF
)__",
     R"__(t.yaml:3:20: error[E0304]: unknown errno 'EBADMSF'
      - chmod -> errno EBADMSF
                       ^~~~~~~
  hint: did you mean 'EBADMSG'?
)__"},
    {"E0304_errno_range",
     R"__(policy: p
rules:
  - chmod -> errno 5000
)__",
     R"__(t.yaml:3:20: error[E0311]: errno 5000 is outside 1..4095
      - chmod -> errno 5000
                       ^~~~
)__"},
    {"E0305_capability",
     R"__(policy: p
rules:
  - mount requires SYS_ADMN -> emulate
)__",
     R"__(t.yaml:3:20: error[E0305]: unknown capability 'SYS_ADMN'
      - mount requires SYS_ADMN -> emulate
                       ^~~~~~~~
  hint: did you mean 'CAP_SYS_ADMIN'?
)__"},
    {"E0306_no_emulator",
     R"__(policy: p
rules:
  - chown -> emulate
)__",
     R"__(t.yaml:3:14: error[E0306]: there is no emulator for 'chown'
      - chown -> emulate
                 ^~~~~~~
  hint: emulators exist for: mkdir, mkdirat, mount, chmod, fchmod, fchmodat, mknod, mknodat, setxattr, lsetxattr, fsetxattr, sysinfo, open, openat, openat2
)__"},
    {"E0306_default_emulate",
     R"__(policy: p
default: emulate
rules:
  - mkdir -> continue
)__",
     R"__(t.yaml:2:10: error[E0306]: the policy default cannot emulate: emulation belongs to a rule for a syscall
    default: emulate
             ^~~~~~~
)__"},
    {"E0307_shadowed",
     R"__(policy: p
rules:
  - mkdir -> errno EPERM
  - mkdir mode = 0700 -> continue
)__",
     R"__(t.yaml:4:5: error[E0307]: this rule can never match: rule #1 (line 3) matches every call to mkdir first
      - mkdir mode = 0700 -> continue
        ^~~~~
  hint: move it before rule #1, or give rule #1 a condition
)__"},
    {"W0303_shadowed_part",
     R"__(policy: p
rules:
  - mkdir -> errno EPERM
  - mkdir|chmod mode = 0700 -> continue
)__",
     R"__(t.yaml:4:5: warning[W0303]: this rule never applies to mkdir: rule #1 (line 3) matches every call to mkdir first
      - mkdir|chmod mode = 0700 -> continue
        ^~~~~~~~~~~
  hint: move it before rule #1, or give rule #1 a condition
)__"},
    {"W0304_as_agent",
     R"__(policy: p
rules:
  - mount|mkdir -> emulate as agent
)__",
     R"__(t.yaml:3:28: warning[W0304]: emulated with the agent's full privileges: the caller can do through this rule what the kernel would refuse it
      - mount|mkdir -> emulate as agent
                               ^~~~~~~~
  hint: without `as agent` the call runs with the caller's credentials and only the capability its emulation grants
)__"},
    {"E0308_unsafe_row",
     R"__(policy: p
rules:
  - mkdir path prefix "/tmp/" -> continue
  - mkdir -> errno EPERM
)__",
     R"__(t.yaml:3:34: error[E0308]: unsafe CONTINUE: mkdir is answered CONTINUE after the caller's memory was read, while rule #2 (line 4) denies it; the caller can change the argument between this check and the kernel's own read
      - mkdir path prefix "/tmp/" -> continue
                                     ^~~~~~~~
  hint: write `emulate` instead of `continue`: the agent then carries mkdir out itself on the value it checked; or write `continue unsafe` to acknowledge
)__"},
    {"E0308_unsafe_default",
     R"__(policy: p
rules:
  - mkdir path prefix "/etc/" -> errno EPERM
)__",
     R"__(t.yaml:3:5: error[E0308]: unsafe CONTINUE: calls to mkdir that no rule matches are answered CONTINUE (the policy default) after the caller's memory was read, while this rule denies mkdir; the caller can change the argument between the check and the kernel's own read
      - mkdir path prefix "/etc/" -> errno EPERM
        ^~~~~
  hint: answer the calls it allows with `emulate` and end its rules with a denial (`mkdir -> errno EACCES`), or with `mkdir -> continue unsafe` to acknowledge
)__"},
    {"E0308_unsafe_open_row",
     R"__(policy: p
rules:
  - openat path prefix "/data/" -> continue
  - openat -> errno EACCES
)__",
     R"__(t.yaml:3:36: error[E0308]: unsafe CONTINUE: openat is answered CONTINUE after the caller's memory was read, while rule #2 (line 4) denies it; the caller can change the argument between this check and the kernel's own read
      - openat path prefix "/data/" -> continue
                                       ^~~~~~~~
  hint: write `emulate` instead of `continue`: the agent then carries openat out itself on the value it checked; or write `continue unsafe` to acknowledge
)__"},
    {"E0308_unsafe_row_without_emulator",
     R"__(policy: p
rules:
  - chown path prefix "/tmp/" -> continue
  - chown -> errno EPERM
)__",
     R"__(t.yaml:3:34: error[E0308]: unsafe CONTINUE: chown is answered CONTINUE after the caller's memory was read, while rule #2 (line 4) denies it; the caller can change the argument between this check and the kernel's own read
      - chown path prefix "/tmp/" -> continue
                                     ^~~~~~~~
  hint: chown has no emulator: deny it instead, or write `continue unsafe` to acknowledge
)__"},
    {"E0309_constant",
     R"__(policy: p
rules:
  - mount flags & MS_BNID -> errno EPERM
)__",
     R"__(t.yaml:3:19: error[E0309]: unknown constant 'MS_BNID'
      - mount flags & MS_BNID -> errno EPERM
                      ^~~~~~~
  hint: did you mean 'MS_BIND'?
)__"},
    {"E0310_template",
     R"__(policy: p
rules:
  - mkdir -> emulate path="{path}-{podname}"
)__",
     R"__(t.yaml:3:35: error[E0310]: '{podname}' is neither a placeholder nor an argument of mkdir
      - mkdir -> emulate path="{path}-{podname}"
                                      ^~~~~~~~~
)__"},
    {"E0310_template_filter",
     R"__(policy: p
rules:
  - mkdir -> emulate path="{path}-{meta|base}"
)__",
     R"__(t.yaml:3:35: error[E0310]: unknown filter 'base' in '{meta|base}' (filters: basename)
      - mkdir -> emulate path="{path}-{meta|base}"
                                      ^~~~~~~~~~~
)__"},
    {"E0311_range",
     R"__(policy: p
rules:
  - mkdir mode = 0x10000 -> errno EPERM
)__",
     R"__(t.yaml:3:18: error[E0311]: 65536 does not fit integer argument 'mode' (umode_t)
      - mkdir mode = 0x10000 -> errno EPERM
                     ^~~~~~~
)__"},
    {"E0311_duration",
     R"__(policy: p
rules:
  - mkdir -> delay "2 seconds" then continue
)__",
     R"__(t.yaml:3:20: error[E0311]: "2 seconds" is not a duration
      - mkdir -> delay "2 seconds" then continue
                       ^~~~~~~~~~~
  hint: write it as 2s, 500ms, 1m30s (at most 24h)
)__"},
    {"E0312_emulate_param",
     R"__(policy: p
rules:
  - mkdir -> emulate fs="x"
)__",
     R"__(t.yaml:3:22: error[E0312]: mkdir has no argument 'fs' to set
      - mkdir -> emulate fs="x"
                         ^~
  hint: its arguments are: path, mode
)__"},
    {"E0312_emulate_other_op",
     R"__(policy: p
rules:
  - mkdirat -> emulate mkdir
)__",
     R"__(t.yaml:3:24: error[E0312]: 'emulate mkdir' in a rule for mkdirat: an emulator carries out the intercepted syscall itself
      - mkdirat -> emulate mkdir
                           ^~~~~
  hint: write `emulate` followed by the arguments to change
)__"},
    {"E0313_operand",
     R"__(policy: p
rules:
  - mkdir path -> errno EPERM
)__",
     R"__(t.yaml:3:11: error[E0313]: string argument 'path' alone is not a condition
      - mkdir path -> errno EPERM
              ^~~~
  hint: compare it, e.g. path = ...
)__"},
    {"E0313_metadata_alone",
     R"__(policy: p
rules:
  - mkdir meta -> errno EPERM
)__",
     R"__(t.yaml:3:11: error[E0313]: 'meta' alone is not a condition
      - mkdir meta -> errno EPERM
              ^~~~
  hint: compare it, e.g. meta != "" (not empty)
)__"},
    {"E0314_test",
     R"__(policy: p
rules:
  - mkdir -> errno EPERM
tests:
  - name: t
    syscall: chmodd
    expect: errno EPERM
)__",
     R"__(t.yaml:6:14: error[E0314]: test 't': 'chmodd' does not exist on x86_64
        syscall: chmodd
                 ^~~~~~
)__"},
    {"E0314_test_arg",
     R"__(policy: p
rules:
  - mkdir -> errno EPERM
tests:
  - name: t
    syscall: mkdir
    args: {fs: x}
    expect: errno EPERM
)__",
     R"__(t.yaml:7:16: error[E0314]: test 't': 'mkdir' has no argument 'fs'
        args: {fs: x}
                   ^
)__"},
    {"W0301_constant_group",
     R"__(policy: p
rules:
  - mount flags & O_CREAT -> errno EPERM
)__",
     R"__(t.yaml:3:19: warning[W0301]: O_CREAT is one of the open constants; integer argument 'flags' takes mount constants
      - mount flags & O_CREAT -> errno EPERM
                      ^~~~~~~
)__"},
    {"block_scalar_position",
     R"__(policy: p
rules:
  - |
    mkdir
      mode = 0700
      -> errno EPRM
)__",
     R"__(t.yaml:6:16: error[E0304]: unknown errno 'EPRM'
          -> errno EPRM
                   ^~~~
  hint: did you mean 'EPERM'?
)__"},
};

}  // namespace

BOOST_DATA_TEST_CASE(exact_text, bdata::make(kCases), c) {
  BOOST_TEST(diagnose(c.yaml) == c.expected);
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_a_diagnostic) {
  const std::string yaml = "policy: p\nrules:\n  - mkdir " + std::string(5000, '(') + "mode = 1" +
                           std::string(5000, ')') + " -> continue\n";
  const std::string text = diagnose(yaml);
  BOOST_TEST(text.rfind("t.yaml:3:43: error[E0201]: parentheses nested too deeply\n", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(a_one_megabyte_rule_is_a_diagnostic) {
  const std::string yaml =
      "policy: p\nrules:\n  - mkdir path = \"" + std::string(1 << 20, 'a') + "\" -> continue\n";
  const std::string text = diagnose(yaml);
  BOOST_TEST(
      text.rfind("t.yaml:3:5: error[E0202]: rule text is 1048603 bytes; the limit is 65536\n", 0) ==
      0u);
}

BOOST_AUTO_TEST_CASE(deep_yaml_is_a_diagnostic) {
  const std::string yaml = "policy: p\nrules: " + std::string(100000, '[') + "\n";
  diag::Sink sink;
  diagnose(yaml, &sink);
  BOOST_TEST_REQUIRE(sink.items().size() == 1u);
  BOOST_TEST(sink.items()[0].code == "E0100");
}

BOOST_AUTO_TEST_CASE(binary_garbage_is_a_diagnostic) {
  std::string yaml(4096, '\0');
  for (size_t i = 0; i < yaml.size(); ++i)
    yaml[i] = static_cast<char>((i * 131) % 256);
  diag::Sink sink;
  diagnose(yaml, &sink);
  BOOST_TEST(sink.has_errors());
}

BOOST_AUTO_TEST_CASE(duplicate_policy_names) {
  diag::Sink sink;
  auto a =
      std::make_shared<passes::SourceFile>("a.yaml", "policy: p\nrules:\n  - mkdir -> continue\n");
  auto b =
      std::make_shared<passes::SourceFile>("b.yaml", "policy: p\nrules:\n  - chmod -> continue\n");
  passes::Pipeline({*catalog::find_arch("x86_64")}).run_sources({a, b}, sink);
  BOOST_TEST(diag::format_text(sink.items()) ==
             "b.yaml:1:9: error[E0103]: policy 'p' is already defined in a.yaml:1\n"
             "    policy: p\n"
             "            ^\n"
             "  hint: policy names select policies (policy=NAME); they must be unique\n");
}

BOOST_AUTO_TEST_CASE(syscall_missing_on_some_targets_is_a_warning) {
  diag::Sink sink;
  auto a =
      std::make_shared<passes::SourceFile>("a.yaml", "policy: p\nrules:\n  - mkdir -> continue\n");
  passes::Pipeline({*catalog::find_arch("x86_64"), *catalog::find_arch("aarch64")})
      .run_sources({a}, sink);
  BOOST_TEST(diag::format_text(sink.items()) ==
             "a.yaml:3:5: warning[W0300]: 'mkdir' does not exist on aarch64; there the rule does "
             "not apply\n"
             "      - mkdir -> continue\n"
             "        ^~~~~\n");
}

BOOST_AUTO_TEST_CASE(json_format_carries_the_dsl_offset) {
  diag::Sink sink;
  diagnose("policy: p\nrules:\n  - \"chmod -> errno EBADMSF\"\n", &sink);
  const std::string json = diag::format_json(sink.items());
  BOOST_TEST(json.find("\"code\": \"E0304\"") != std::string::npos);
  BOOST_TEST(json.find("\"offset\": 15") != std::string::npos);
  BOOST_TEST(json.find("\"scalar_column\": 5") != std::string::npos);
  BOOST_TEST(json.find("\"column\": 21") != std::string::npos);
}
