// Every predicate kind: integer tests at the width of the C type, string
// tests on arguments and container fields, caller credentials, not/all/any.
#define BOOST_TEST_MODULE engine_predicates
#include <linux/capability.h>
#include <sys/mount.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "fixtures.hpp"

namespace sa::engine {
namespace {

namespace bdata = boost::unit_test::data;
using namespace testing;
using table::Field;
using table::Op;
using K = table::Predicate::Kind;

constexpr int kMarker = 74;  // EBADMSG: the row matched

// Whether the row holding `p` decides the notification (else the default).
bool matches(const table::Predicate& p, const std::string& syscall, const model::Notification& n,
             FactSource& facts, const model::ContainerInfo& c = container()) {
  Engine e(make_table({policy("p", {{syscall, {row("p#1", {p}, errno_action(kMarker))}}})}));
  const Decision d = e.evaluate(&e.table().policies.front(), c, n, facts);
  BOOST_TEST_REQUIRE((d.origin == model::Origin::Rule || d.origin == model::Origin::Default),
                     d.summary());
  return d.origin == model::Origin::Rule;
}

struct IntCase {
  std::string name;
  std::string syscall;
  std::string arg;
  Op op;
  std::vector<int64_t> values;
  uint64_t mask;
  uint64_t raw;
  bool expected;
};

std::ostream& operator<<(std::ostream& os, const IntCase& c) {
  return os << c.name;
}

const uint64_t kNeg100 = static_cast<uint64_t>(int64_t{-100});

const IntCase kIntCases[] = {
    {"umode_t equal", "chmod", "mode", Op::Eq, {0777}, 0, 0777, true},
    {"umode_t ignores bits above 16",
     "chmod",
     "mode",
     Op::Eq,
     {0777},
     0,
     0x7'0000'0000'01ffULL,
     true},
    {"umode_t differs", "chmod", "mode", Op::Eq, {0777}, 0, 0755, false},
    {"not equal", "chmod", "mode", Op::Ne, {0777}, 0, 0755, true},
    {"int sign-extends: AT_FDCWD as 32 bits",
     "mkdirat",
     "dirfd",
     Op::Eq,
     {-100},
     0,
     0xffffff9cULL,
     true},
    {"int sign-extends: AT_FDCWD as 64 bits", "mkdirat", "dirfd", Op::Eq, {-100}, 0, kNeg100, true},
    {"signed less: -1 < 0", "kill", "pid", Op::Lt, {0}, 0, 0xffffffffULL, true},
    {"signed less: 5 < 0", "kill", "pid", Op::Lt, {0}, 0, 5, false},
    {"signed less-equal", "kill", "pid", Op::Le, {5}, 0, 5, true},
    {"signed greater", "kill", "pid", Op::Gt, {-2}, 0, 0xffffffffULL, true},
    {"signed greater-equal", "kill", "pid", Op::Ge, {0}, 0, 0xfffffffeULL, false},
    {"unsigned greater: 0x80000000 > 0x1000",
     "unshare",
     "flags",
     Op::Gt,
     {0x1000},
     0,
     0x80000000ULL,
     true},
    {"unsigned long keeps 64 bits", "unshare", "flags", Op::Lt, {1}, 0, 0x1'0000'0000ULL, false},
    {"long is signed and 64-bit", "truncate", "length", Op::Lt, {0}, 0, ~0ULL, true},
    {"in", "kill", "sig", Op::In, {9, 15}, 0, 15, true},
    {"in: absent", "kill", "sig", Op::In, {9, 15}, 0, 1, false},
    {"not in", "kill", "sig", Op::NotIn, {9, 15}, 0, 1, true},
    {"not in: present", "kill", "sig", Op::NotIn, {9, 15}, 0, 9, false},
    {"mask any", "mount", "flags", Op::MaskAny, {}, MS_BIND, MS_BIND | MS_RDONLY, true},
    {"mask any: none", "mount", "flags", Op::MaskAny, {}, MS_BIND, MS_RDONLY, false},
    {"mask eq",
     "mount",
     "flags",
     Op::MaskEq,
     {MS_BIND},
     MS_BIND | MS_REC,
     MS_BIND | MS_RDONLY,
     true},
    {"mask eq: extra bit",
     "mount",
     "flags",
     Op::MaskEq,
     {MS_BIND},
     MS_BIND | MS_REC,
     MS_BIND | MS_REC,
     false},
    {"mask ne", "mount", "flags", Op::MaskNe, {MS_BIND}, MS_BIND | MS_REC, MS_REC, true},
    {"mask ne: equal", "mount", "flags", Op::MaskNe, {MS_BIND}, MS_BIND | MS_REC, MS_BIND, false},
};

BOOST_DATA_TEST_CASE(integer_tests, bdata::make(kIntCases), c) {
  const table::FieldRef f = arg_field(c.syscall, c.arg);
  std::vector<uint64_t> ints;
  for (int64_t v : c.values)
    ints.push_back(literal(v, f.type));
  std::vector<uint64_t> args(6, 0);
  args[static_cast<size_t>(f.arg)] = c.raw;
  CountingFacts facts;
  BOOST_TEST(matches(masked(f, c.op, c.mask, ints), c.syscall, notification(c.syscall, args),
                     facts) == c.expected);
  BOOST_TEST(facts.total_reads() == 0);  // registers only
  BOOST_TEST(facts.caller_calls == 0);
}

BOOST_AUTO_TEST_CASE(long_is_32_bit_on_a_32_bit_architecture) {
  const table::FieldRef f = arg_field("truncate", "length");
  const table::Predicate negative = compare(f, Op::Lt, std::vector<uint64_t>{literal(0, f.type)});
  CountingFacts facts;
  BOOST_TEST(matches(negative, "truncate", notification("truncate", {0, 0xffffffffULL}, 42, "x86"),
                     facts));
  BOOST_TEST(!matches(negative, "truncate", notification("truncate", {0, 0xffffffffULL}), facts));
}

struct StringCase {
  std::string name;
  Op op;
  std::vector<std::string> operands;
  std::string value;
  bool expected;
};

std::ostream& operator<<(std::ostream& os, const StringCase& c) {
  return os << c.name;
}

const StringCase kStringCases[] = {
    {"equal", Op::Eq, {"proc"}, "proc", true},
    {"equal: differs", Op::Eq, {"proc"}, "sysfs", false},
    {"not equal", Op::Ne, {"proc"}, "sysfs", true},
    {"glob", Op::Glob, {"nfs*"}, "nfs4", true},
    {"glob: no match", Op::Glob, {"nfs?"}, "nfs", false},
    {"glob: class", Op::Glob, {"[cs]ifs"}, "cifs", true},
    {"prefix", Op::Prefix, {"smb"}, "smb3", true},
    {"prefix: longer than the value", Op::Prefix, {"smb3x"}, "smb3", false},
    {"in", Op::In, {"cifs", "nfs"}, "nfs", true},
    {"in: absent", Op::In, {"cifs", "nfs"}, "ext4", false},
    {"not in", Op::NotIn, {"cifs", "nfs"}, "ext4", true},
    {"template operand", Op::Eq, {"{meta.FS}"}, "tmpfs", true},
    {"template operand with literal text", Op::Eq, {"x-{container.id}"}, "x-c0ffee", true},
    {"template in a list", Op::In, {"cifs", "{meta.FS}"}, "tmpfs", true},
};

BOOST_DATA_TEST_CASE(string_tests_on_arguments, bdata::make(kStringCases), c) {
  CountingFacts facts;
  facts.with(2, c.value);
  const table::Predicate p = compare(arg_field("mount", "fstype"), c.op, c.operands);
  BOOST_TEST(matches(p, "mount", notification("mount", {1, 2, 3}), facts, container("FS=tmpfs")) ==
             c.expected);
  BOOST_TEST(facts.reads[2] == 1);
}

BOOST_AUTO_TEST_CASE(null_strings_read_as_empty) {
  CountingFacts facts;
  facts.null(2);
  const auto fs = arg_field("mount", "fstype");
  BOOST_TEST(matches(compare(fs, Op::Eq, std::vector<std::string>{""}), "mount",
                     notification("mount"), facts));
  BOOST_TEST(!matches(compare(fs, Op::Eq, std::vector<std::string>{"proc"}), "mount",
                      notification("mount"), facts));
}

struct ListCase {
  std::string list;
  std::string value;
  bool expected;
};

std::ostream& operator<<(std::ostream& os, const ListCase& c) {
  return os << c.list << " / " << c.value;
}

const ListCase kListCases[] = {
    {"cifs,nfs", "nfs", true},   {" cifs , nfs ", "nfs", true},
    {"cifs,,nfs,", "", false},  // empty items are dropped
    {"cifs,nfs", "nfs4", false}, {"", "", false},
};

BOOST_DATA_TEST_CASE(in_a_metadata_list, bdata::make(kListCases), c) {
  table::Predicate p = compare(arg_field("mount", "fstype"), Op::In, std::vector<std::string>{});
  p.list_ref = context_field(Field::Meta, "LIST");
  CountingFacts facts;
  facts.with(2, c.value);
  BOOST_TEST(matches(p, "mount", notification("mount"), facts, container("LIST=" + c.list)) ==
             c.expected);
  p.op = Op::NotIn;
  BOOST_TEST(matches(p, "mount", notification("mount"), facts, container("LIST=" + c.list)) !=
             c.expected);
}

model::ContainerInfo kube_container() {
  model::ContainerInfo c = container(
      "MKDIR_TMPL=-{{.Namespace}}-{{.Pod}}-{{.Container}}\nPIDS={{.Pid}}/{{.Pid1}}\nBAD={{.Node}}");
  c.annotations = {{"io.kubernetes.cri.sandbox-namespace", "default"},
                   {"io.kubernetes.cri.sandbox-name", "mynotifypod"},
                   {"io.kubernetes.cri.container-name", "container1"},
                   {"team", "blue"}};
  identify(c);
  return c;
}

struct ContextCase {
  std::string name;
  Field field;
  std::string key;
  Op op;
  std::string operand;
  bool expected;
};

std::ostream& operator<<(std::ostream& os, const ContextCase& c) {
  return os << c.name;
}

const ContextCase kContextCases[] = {
    {"pod namespace", Field::PodNamespace, "", Op::Eq, "default", true},
    {"pod name glob", Field::PodName, "", Op::Glob, "my*pod", true},
    {"container name", Field::ContainerName, "", Op::Ne, "container1", false},
    {"container id", Field::ContainerId, "", Op::Prefix, "c0f", true},
    {"annotation value", Field::Annotation, "team", Op::Eq, "blue", true},
    {"missing annotation is empty", Field::Annotation, "nope", Op::Eq, "", true},
    {"annotation present", Field::Annotation, "team", Op::Present, "", true},
    {"annotation absent", Field::Annotation, "nope", Op::Present, "", false},
    {"meta Go forms expanded", Field::Meta, "MKDIR_TMPL", Op::Eq, "-default-mynotifypod-container1",
     true},
    {"meta pid forms: caller and init", Field::Meta, "PIDS", Op::Eq, "42/4242", true},
    {"meta present", Field::Meta, "PIDS", Op::Present, "", true},
    {"meta absent", Field::Meta, "NOPE", Op::Present, "", false},
    {"missing meta is empty", Field::Meta, "NOPE", Op::Eq, "", true},
    {"meta alone: the whole metadata as received", Field::Metadata, "", Op::Glob,
     "MKDIR_TMPL=*\nPIDS=*\nBAD=*", true},
    {"meta alone is not a key", Field::Metadata, "", Op::Eq, "-default-mynotifypod-container1",
     false},
};

BOOST_DATA_TEST_CASE(container_fields, bdata::make(kContextCases), c) {
  table::Predicate p = compare(
      context_field(c.field, c.key), c.op,
      c.op == Op::Present ? std::vector<std::string>{} : std::vector<std::string>{c.operand});
  CountingFacts facts;
  BOOST_TEST(matches(p, "chmod", notification("chmod"), facts, kube_container()) == c.expected);
  BOOST_TEST(facts.total_reads() == 0);
}

BOOST_AUTO_TEST_CASE(a_bad_go_template_in_metadata_is_a_warning) {
  Engine e(make_table({policy(
      "p",
      {{"chmod",
        {row("p#1",
             {compare(context_field(Field::Meta, "BAD"), Op::Eq, std::vector<std::string>{"x"})},
             errno_action(kMarker))}}})}));
  CountingFacts facts;
  const Decision d =
      e.evaluate(&e.table().policies[0], kube_container(), notification("chmod"), facts);
  BOOST_TEST(d.origin == model::Origin::Default);
  BOOST_REQUIRE(d.warnings.size() == 1);
  BOOST_TEST(d.warnings[0].find("meta.BAD") != std::string::npos);
}

model::CallerFacts caller(uint32_t uid, uint64_t caps, bool in_container_userns) {
  return model::CallerFacts{uid, uid + 1, caps, "user:[4026532000]", in_container_userns, std::nullopt};
}

BOOST_AUTO_TEST_CASE(caller_ids_and_pid) {
  CountingFacts facts;
  facts.caller_is(caller(1000, 0, false));
  const auto uid = context_field(Field::Uid);
  const auto gid = context_field(Field::Gid);
  BOOST_TEST(matches(compare(uid, Op::Eq, std::vector<uint64_t>{1000}), "chmod",
                     notification("chmod"), facts));
  BOOST_TEST(matches(compare(gid, Op::Ge, std::vector<uint64_t>{1001}), "chmod",
                     notification("chmod"), facts));
  BOOST_TEST(!matches(compare(uid, Op::Lt, std::vector<uint64_t>{1000}), "chmod",
                      notification("chmod"), facts));
  const int calls = facts.caller_calls;
  const auto pid = context_field(Field::Pid);
  BOOST_TEST(matches(compare(pid, Op::Eq, std::vector<uint64_t>{42}), "chmod",
                     notification("chmod", {}, 42), facts));
  BOOST_TEST(facts.caller_calls == calls);  // caller.pid is the notification's pid
}

BOOST_AUTO_TEST_CASE(capabilities_and_user_namespaces) {
  const uint64_t admin = uint64_t{1} << CAP_SYS_ADMIN;
  struct Case {
    model::CallerFacts who;
    bool has, has_in_userns, in_userns;
  };
  const Case cases[] = {
      {caller(0, admin, true), true, true, true},
      {caller(0, admin, false), true, false, false},
      {caller(0, 0, true), false, false, true},
      {caller(0, ~admin, true), false, false, true},
  };
  table::Predicate in_userns;
  in_userns.kind = K::InUserns;
  for (const Case& c : cases) {
    CountingFacts facts;
    facts.caller_is(c.who);
    BOOST_TEST(matches(has_cap(CAP_SYS_ADMIN), "chmod", notification("chmod"), facts) == c.has);
    BOOST_TEST(matches(has_cap(CAP_SYS_ADMIN, true), "chmod", notification("chmod"), facts) ==
               c.has_in_userns);
    BOOST_TEST(matches(in_userns, "chmod", notification("chmod"), facts) == c.in_userns);
  }
}

// `caller is init`: the notification's pid is the OCI state's, and nothing
// is asked of the caller (it is decided on what the kernel and the runtime
// sent). A container whose init pid is unknown (0) has no init.
BOOST_AUTO_TEST_CASE(caller_is_init) {
  table::Predicate init;
  init.kind = K::IsInit;
  CountingFacts facts;
  model::ContainerInfo c = container();  // pid 4242
  BOOST_TEST(matches(init, "execve", notification("execve", {}, 4242), facts, c));
  BOOST_TEST(!matches(init, "execve", notification("execve", {}, 4243), facts, c));
  BOOST_TEST(!matches(group(K::Not, {init}), "execve", notification("execve", {}, 4242), facts, c));
  c.pid = 0;
  BOOST_TEST(!matches(init, "execve", notification("execve", {}, 0), facts, c));
  BOOST_TEST(facts.caller_calls == 0);
  BOOST_TEST(facts.total_reads() == 0);
}

BOOST_AUTO_TEST_CASE(not_all_any) {
  const auto mode = arg_field("chmod", "mode");
  const auto is = [&](int64_t v) {
    return compare(mode, Op::Eq, std::vector<uint64_t>{literal(v, mode.type)});
  };
  const model::Notification n = notification("chmod", {0, 0777});
  CountingFacts facts;
  BOOST_TEST(matches(group(K::Not, {is(0755)}), "chmod", n, facts));
  BOOST_TEST(!matches(group(K::Not, {is(0777)}), "chmod", n, facts));
  BOOST_TEST(matches(group(K::All, {is(0777), group(K::Not, {is(0755)})}), "chmod", n, facts));
  BOOST_TEST(!matches(group(K::All, {is(0777), is(0755)}), "chmod", n, facts));
  BOOST_TEST(matches(group(K::Any, {is(0755), is(0777)}), "chmod", n, facts));
  BOOST_TEST(!matches(group(K::Any, {is(0755), is(0700)}), "chmod", n, facts));
  BOOST_TEST(matches(group(K::All, {}), "chmod", n, facts));
  BOOST_TEST(!matches(group(K::Any, {}), "chmod", n, facts));
}

BOOST_AUTO_TEST_CASE(evaluation_stops_at_the_first_deciding_operand) {
  // `mode = 0777 or path = "/x"`: the register test decides, the string is
  // never read.
  const auto mode = arg_field("chmod", "mode");
  const table::Predicate p =
      group(K::Any, {compare(mode, Op::Eq, std::vector<uint64_t>{0777}),
                     compare(arg_field("chmod", "path"), Op::Eq, std::vector<std::string>{"/x"})});
  CountingFacts facts;  // no strings: a read would throw
  BOOST_TEST(matches(p, "chmod", notification("chmod", {0x1000, 0777}), facts));
  BOOST_TEST(facts.total_reads() == 0);
}

}  // namespace
}  // namespace sa::engine
