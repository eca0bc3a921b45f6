// Unit tests for the compiler stages after parsing: what resolve, lower and
// link put into the table, and the table's JSON form.
#define BOOST_TEST_MODULE stages
#include <unistd.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>

#include "model/catalog/arch.hpp"
#include "model/codec/table_json.hpp"
#include "passes/pipeline.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa;

namespace {

const std::vector<catalog::Arch> kArches = {*catalog::find_arch("x86_64"),
                                            *catalog::find_arch("x86")};

// A whole rule file, which must compile.
table::Table compile_file(const std::string& text, diag::Sink* sink_out = nullptr) {
  diag::Sink sink;
  auto src = std::make_shared<passes::SourceFile>("t.yaml", text);
  auto c = passes::Pipeline(kArches).run_sources({src}, sink);
  if (sink_out)
    *sink_out = sink;
  BOOST_TEST_REQUIRE(c.has_value(), diag::format_text(sink.items()));
  return std::move(c->table);
}

table::Table compile(const std::string& rules, diag::Sink* sink_out = nullptr) {
  return compile_file("policy: p\nrules:\n" + rules, sink_out);
}

const table::Row& only_row(const table::Table& t, const std::string& syscall) {
  const auto& rows = t.policies.at(0).syscalls.at(syscall).rows;
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  return rows[0];
}

}  // namespace

BOOST_AUTO_TEST_CASE(index_holds_numbers_per_arch) {
  const auto t = compile("  - mkdir -> errno EPERM\n");
  BOOST_TEST(t.index.at("x86_64").at(83) == "mkdir");
  BOOST_TEST(t.index.at("x86").at(39) == "mkdir");
  BOOST_TEST(t.arches == (std::vector<std::string>{"x86_64", "x86"}));
}

BOOST_AUTO_TEST_CASE(multi_syscall_rule_gives_one_row_each) {
  const auto t = compile("  - chmod|fchmod|fchmodat -> errno EBADMSG\n");
  for (const char* s : {"chmod", "fchmod", "fchmodat"}) {
    const auto& r = only_row(t, s);
    BOOST_TEST(r.id == "p#1");
    BOOST_TEST(r.action.error == 74);
  }
}

BOOST_AUTO_TEST_CASE(arguments_resolve_to_index_and_type) {
  const auto t = compile("  - mount fs=proc flags & MS_BIND -> emulate\n");
  const auto& r = only_row(t, "mount");
  BOOST_TEST_REQUIRE(r.when.size() == 2u);
  BOOST_TEST(r.when[0].lhs.arg == 2);
  BOOST_TEST((r.when[0].lhs.type == catalog::ArgType::Str));
  BOOST_TEST(r.when[0].strings.at(0) == "proc");
  BOOST_TEST(r.when[1].lhs.arg == 3);
  BOOST_TEST(r.when[1].mask == 4096u);
  BOOST_TEST(r.reads_memory);
}

BOOST_AUTO_TEST_CASE(signed_and_narrow_values_are_normalised) {
  const auto t = compile(
      "  - openat dirfd = AT_FDCWD -> errno EPERM\n  - mkdir mode = 0xffff -> errno EPERM\n");
  BOOST_TEST(only_row(t, "openat").when[0].ints.at(0) == static_cast<uint64_t>(-100));
  BOOST_TEST(only_row(t, "mkdir").when[0].ints.at(0) == 0xffffu);
}

BOOST_AUTO_TEST_CASE(unsigned_spelling_of_a_negative_int) {
  const auto t = compile("  - openat dirfd = 0xffffff9c -> errno EPERM\n");
  BOOST_TEST(only_row(t, "openat").when[0].ints.at(0) == static_cast<uint64_t>(-100));
}

BOOST_AUTO_TEST_CASE(requirements_and_caps) {
  const auto t = compile("  - mount fs=cifs requires CAP_SYS_ADMIN in userns -> emulate\n");
  const auto& r = only_row(t, "mount");
  BOOST_TEST_REQUIRE(r.requirements.size() == 1u);
  BOOST_TEST(r.requirements[0].capability == 21);
  BOOST_TEST(r.requirements[0].in_userns);
}

BOOST_AUTO_TEST_CASE(actions_resolve) {
  const auto t = compile(
      "  - chroot -> log, errno ENOSYS, stop container after 5s\n"
      "  - swapoff -> stop container\n"
      "  - getppid -> return -7\n"
      "  - execve -> delay \"{meta.D}\" then kill\n"
      "  - mkdir -> emulate mode=0700 path=\"{path}-{pid}\"\n");
  const auto& chroot = only_row(t, "chroot").action;
  BOOST_TEST(chroot.log);
  BOOST_TEST_REQUIRE(chroot.stop_after.has_value());
  BOOST_TEST(*chroot.stop_after->millis == 5000u);
  const auto& swapoff = only_row(t, "swapoff").action;
  BOOST_TEST((swapoff.response == table::Response::Errno));
  BOOST_TEST(swapoff.error == 38);
  BOOST_TEST(*swapoff.stop_after->millis == 0u);
  BOOST_TEST(only_row(t, "getppid").action.value == -7);
  const auto& exec = only_row(t, "execve").action;
  BOOST_TEST((exec.response == table::Response::Kill));
  BOOST_TEST(exec.delay->template_text == "{meta.D}");
  const auto& mkdir = only_row(t, "mkdir").action;
  BOOST_TEST((mkdir.emulator == sa::model::Emulator::Mkdir));
  BOOST_TEST_REQUIRE(mkdir.params.size() == 2u);
  BOOST_TEST(mkdir.params[0].arg == 1);
  BOOST_TEST(mkdir.params[0].integer == 0700u);
  BOOST_TEST(mkdir.params[1].text == "{path}-{pid}");
}

BOOST_AUTO_TEST_CASE(freeze_container_resolves) {
  const auto t = compile(
      "  - chroot -> errno EPERM, freeze container\n"
      "  - swapoff -> freeze container after 2s\n"
      "  - acct -> stop container\n");
  const auto& chroot = only_row(t, "chroot").action;
  BOOST_TEST((chroot.stop_mode == table::StopMode::Freeze));
  BOOST_TEST(chroot.error == 1);
  BOOST_TEST(*chroot.stop_after->millis == 0u);
  const auto& swapoff = only_row(t, "swapoff").action;
  BOOST_TEST((swapoff.stop_mode == table::StopMode::Freeze));
  BOOST_TEST(swapoff.error == 38);  // no response written: ENOSYS, as with stop
  BOOST_TEST(*swapoff.stop_after->millis == 2000u);
  BOOST_TEST((only_row(t, "acct").action.stop_mode == table::StopMode::Kill));
  // Freezing denies: a CONTINUE decided on memory before it is unsafe.
  diag::Sink sink;
  auto src =
      std::make_shared<passes::SourceFile>("t.yaml",
                                           "policy: p\nrules:\n  - mkdir path = /x -> continue\n"
                                           "  - mkdir -> errno EPERM, freeze container\n");
  BOOST_TEST(!passes::Pipeline(kArches).run_sources({src}, sink).has_value());
  BOOST_TEST(diag::format_text(sink.items()).find("E0308") != std::string::npos);
}

// match: any: one alternative must hold, besides every other field.
BOOST_AUTO_TEST_CASE(match_any_resolves) {
  const table::Table t = compile_file(
      "policy: p\n"
      "match:\n"
      "  pod: {namespace: default}\n"
      "  any:\n"
      "    - meta: {MKDIR_TMPL: \"*\"}\n"
      "    - meta: {DEFAULT_ACTION: kill-*}\n"
      "      container: {name: app}\n"
      "rules:\n  - mkdir -> continue\n");
  const table::Selector& m = t.policies.at(0).match;
  BOOST_TEST(m.pod_namespace == "default");
  BOOST_TEST_REQUIRE(m.any.size() == 2u);
  BOOST_TEST(m.any[0].meta.at("MKDIR_TMPL") == "*");
  BOOST_TEST(m.any[1].meta.at("DEFAULT_ACTION") == "kill-*");
  BOOST_TEST(m.any[1].container_name == "app");
  // The alternatives and a freeze survive table.json.
  const auto back = table::from_json(table::to_json(t));
  BOOST_TEST((back.policies.at(0).match == m));
}

// publish: where a policy's containers publish their notifications, for
// the containers its `when` selects (all of them without one).
BOOST_AUTO_TEST_CASE(publish_resolves_and_survives_table_json) {
  const table::Table t = compile_file(
      "policy: p\n"
      "publish:\n"
      "  - to: falco\n"
      "    when:\n"
      "      any:\n"
      "        - meta: {MIDDLEWARE: falco}\n"
      "        - meta: {MIDDLEWARE: \"*,falco\"}\n"
      "  - to: falco\n"
      "rules:\n  - mkdir -> continue\n");
  const auto& publish = t.policies.at(0).publish;
  BOOST_TEST_REQUIRE(publish.size() == 2u);
  BOOST_TEST((publish[0].to == table::Sink::Falco));
  BOOST_TEST_REQUIRE(publish[0].when.any.size() == 2u);
  BOOST_TEST(publish[0].when.any[1].meta.at("MIDDLEWARE") == "*,falco");
  BOOST_TEST(publish[1].when.empty());
  const auto back = table::from_json(table::to_json(t));
  BOOST_TEST((back.policies.at(0).publish == publish));
  // A policy that publishes nothing writes no `publish`: its hash is as
  // before the key existed.
  BOOST_TEST(
      !table::to_json(compile("  - mkdir -> continue\n"))["policies"][0].contains("publish"));
}

BOOST_AUTO_TEST_CASE(constant_duration_template_is_folded) {
  const auto t = compile("  - execve -> delay \"1.5s\" then continue\n");
  BOOST_TEST(*only_row(t, "execve").action.delay->millis == 1500u);
}

BOOST_AUTO_TEST_CASE(star_expands_to_every_intercepted_syscall_in_order) {
  const auto t =
      compile("  - mkdir mode = 1 -> errno EPERM\n  - chmod -> errno EPERM\n  - '* -> log'\n");
  BOOST_TEST(t.policies[0].syscalls.at("mkdir").rows.size() == 2u);
  BOOST_TEST(t.policies[0].syscalls.at("mkdir").rows[1].id == "p#3");
  // chmod's unconditional rule hides the `*` rule for chmod (a warning).
  BOOST_TEST(t.policies[0].syscalls.at("chmod").rows.size() == 1u);
}

BOOST_AUTO_TEST_CASE(continue_ok_marks) {
  // No decision denies: CONTINUE after reading memory is accepted.
  const auto a = compile("  - execve filename = /bin/true -> delay 2s then continue\n");
  BOOST_TEST(only_row(a, "execve").continue_ok);
  BOOST_TEST(a.policies[0].syscalls.at("execve").default_continue_ok);
  // Acknowledged explicitly.
  const auto b = compile("  - mkdir path = /x -> continue unsafe\n  - mkdir -> errno EPERM\n");
  BOOST_TEST(b.policies[0].syscalls.at("mkdir").rows[0].continue_ok);
}

BOOST_AUTO_TEST_CASE(default_acknowledged_in_the_header) {
  diag::Sink sink;
  auto src = std::make_shared<passes::SourceFile>(
      "t.yaml",
      "policy: p\ndefault: continue unsafe\nrules:\n  - mkdir path = /x -> errno EPERM\n");
  auto c = passes::Pipeline(kArches).run_sources({src}, sink);
  BOOST_TEST_REQUIRE(c.has_value(), diag::format_text(sink.items()));
  BOOST_TEST(c->table.policies.at(0).syscalls.at("mkdir").default_continue_ok);
}

BOOST_AUTO_TEST_CASE(intercept_without_rules) {
  diag::Sink sink;
  auto src = std::make_shared<passes::SourceFile>(
      "t.yaml", "policy: p\ndefault: errno EPERM\nintercept: [openat]\nrules: []\n");
  auto c = passes::Pipeline(kArches).run_sources({src}, sink);
  BOOST_TEST_REQUIRE(c.has_value(), diag::format_text(sink.items()));
  BOOST_TEST(c->table.policies.at(0).syscalls.at("openat").rows.empty());
}

BOOST_AUTO_TEST_CASE(inline_tests_are_resolved) {
  diag::Sink sink;
  auto src = std::make_shared<passes::SourceFile>("t.yaml", R"(policy: p
rules:
  - mount flags & MS_BIND -> errno EPERM
tests:
  - name: bind
    syscall: mount
    arch: x86
    pid: 7
    args: {target: /mnt, flags: MS_BIND|MS_REC}
    caller: {uid: 5, caps: [CAP_SYS_ADMIN, SYS_CHROOT], userns: container}
    meta: {A: b}
    expect: errno EPERM
)");
  auto c = passes::Pipeline(kArches).run_sources({src}, sink);
  BOOST_TEST_REQUIRE(c.has_value(), diag::format_text(sink.items()));
  BOOST_TEST_REQUIRE(c->tests.size() == 1u);
  const auto& t = c->tests[0];
  BOOST_TEST(t.arch == "x86");
  BOOST_TEST(t.pid == 7u);
  BOOST_TEST(t.args[3] == (4096u | 16384u));
  BOOST_TEST(t.strings.at(1) == "/mnt");
  BOOST_TEST(t.args[1] != 0u);
  BOOST_TEST(t.args[0] == 0u);  // source not given: a NULL pointer
  BOOST_TEST(t.cap_effective == ((uint64_t{1} << 21) | (uint64_t{1} << 18)));
  BOOST_TEST(t.userns_is_container);
  BOOST_TEST(t.meta.at("A") == "b");
  BOOST_TEST(t.expect.error == 1);
}

BOOST_AUTO_TEST_CASE(inline_tests_take_the_whole_metadata) {
  diag::Sink sink;
  auto src = std::make_shared<passes::SourceFile>("t.yaml", R"(policy: p
rules:
  - mkdir meta = "a=1" -> errno EPERM
tests:
  - name: raw
    syscall: mkdir
    metadata: "a=1"
    meta: {b: "2"}
    expect: errno EPERM
  - name: keys only
    syscall: mkdir
    meta: {a: "1", b: "2"}
    expect: errno EPERM
  - name: a syscall the policy does not intercept
    syscall: read
    expect: continue
)");
  auto c = passes::Pipeline(kArches).run_sources({src}, sink);
  BOOST_TEST_REQUIRE(c.has_value(), diag::format_text(sink.items()));
  BOOST_TEST_REQUIRE(c->tests.size() == 3u);
  BOOST_TEST(c->tests[0].metadata_raw == "a=1");
  BOOST_TEST(c->tests[0].meta.at("a") == "1");
  BOOST_TEST(c->tests[0].meta.at("b") == "2");
  BOOST_TEST(c->tests[1].metadata_raw == "a=1\nb=2");
  BOOST_TEST(c->tests[2].syscall == "read");
}

BOOST_AUTO_TEST_CASE(the_whole_metadata_is_a_string_field) {
  const auto t = compile("  - mkdir meta glob \"b*\" -> emulate path=\"{path}-{meta|basename}\"\n");
  const auto& r = only_row(t, "mkdir");
  BOOST_TEST_REQUIRE(r.when.size() == 1u);
  BOOST_TEST((r.when[0].lhs.field == table::Field::Metadata));
  BOOST_TEST(r.when[0].lhs.label == "meta");
  BOOST_TEST(!r.reads_memory);
  const auto j = table::to_json(t);
  BOOST_TEST(j["policies"][0]["syscalls"]["mkdir"]["rows"][0]["when"][0]["field"]["kind"] ==
             "metadata");
  BOOST_TEST((table::from_json(j).policies == t.policies));
}

BOOST_AUTO_TEST_CASE(table_json_round_trips) {
  const auto t = compile(
      "  - mount fs in [cifs, nfs] requires CAP_SYS_ADMIN in userns -> emulate\n"
      "  - mount flags & MS_BIND|MS_REC == MS_BIND -> log, errno EPERM\n"
      "  - mkdir not (mode = 0700 or mode = 0755) meta.X -> emulate path=\"{path}.x\"\n"
      "  - mkdir meta = bar -> emulate path=\"{path}-{meta|basename}\"\n"
      "  - openat dirfd = AT_FDCWD -> delay 10ms then return 3\n"
      "  - chroot -> stop container after 5s\n"
      "  - swapoff -> errno EPERM, freeze container\n"
      "  - chmod -> emulate mode=0700 as agent\n"
      "  - execve caller is init -> delay until age \"{meta.D}\" then continue\n");
  const auto j = table::to_json(t);
  const table::Table back = table::from_json(j);
  BOOST_TEST((back == t) == false);  // the hash is filled in on the way out
  table::Table with_hash = t;
  with_hash.hash = back.hash;
  BOOST_TEST((back == with_hash));
}

// Kinvolk's SIDECARS: `caller is init` is a predicate of its own, decided on
// what the kernel and the runtime sent (no memory read), and `delay until
// age` a delay counted from the caller's start; table.json says so only
// where it is not the plain delay every older table meant.
BOOST_AUTO_TEST_CASE(caller_is_init_and_delay_until_age_resolve) {
  const auto t = compile(
      "  - execve caller is init container.name not in meta.SIDECARS -> delay until age "
      "\"{meta.SIDECARS_DELAY}\" then continue\n"
      "  - execve -> delay 2s then continue\n");
  const auto& rows = t.policies.at(0).syscalls.at("execve").rows;
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST_REQUIRE(rows[0].when.size() == 2u);
  BOOST_TEST((rows[0].when[0].kind == table::Predicate::Kind::IsInit));
  BOOST_TEST(!rows[0].reads_memory);
  BOOST_TEST((rows[0].action.delay_from == table::DelayFrom::CallerStart));
  BOOST_TEST((rows[1].action.delay_from == table::DelayFrom::Decision));
  const auto j = table::to_json(t);
  const auto& jrows = j["policies"][0]["syscalls"]["execve"]["rows"];
  BOOST_TEST(jrows[0]["when"][0]["kind"] == "is_init");
  BOOST_TEST(jrows[0]["action"]["delay_from"] == "caller_start");
  BOOST_TEST(!jrows[1]["action"].contains("delay_from"));
  BOOST_TEST((table::from_json(j).policies == t.policies));
}

BOOST_AUTO_TEST_CASE(table_with_a_changed_byte_is_refused) {
  auto j = table::to_json(compile("  - chmod -> errno EBADMSG\n"));
  j["policies"][0]["syscalls"]["chmod"]["rows"][0]["action"]["errno"] = 1;
  BOOST_CHECK_EXCEPTION(table::from_json(j), table::TableError, [](const table::TableError& e) {
    return std::string(e.what()).find("content hash mismatch") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(a_table_file_with_a_number_out_of_range_is_refused) {
  // Found by fuzz_table: nlohmann reports 1e999 as out_of_range, not as a
  // parse_error; the agent loading such a table.json aborted.
  const std::string path = "/tmp/sa-test-table-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path);
    out << R"({"schema": "x", "version": 1e999})";
  }
  BOOST_CHECK_EXCEPTION(table::load_table_file(path), table::TableError,
                        [](const table::TableError& e) {
                          return std::string(e.what()).find("not valid JSON") != std::string::npos;
                        });
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(table_of_another_version_is_refused) {
  auto j = table::to_json(compile("  - chmod -> errno EBADMSG\n"));
  j["version"] = 2;
  BOOST_CHECK_EXCEPTION(table::from_json(j), table::TableError, [](const table::TableError& e) {
    return std::string(e.what()) ==
           "version: schema version 2 is not supported (this build reads 1)";
  });
}

// A table with one field of a row's action changed (its hash made to match
// again) is refused when read, with the field's JSON path.
struct BadField {
  const char* rules;
  const char* syscall;
  const char* key;
  const char* value;
  const char* message;
};
std::ostream& operator<<(std::ostream& o, const BadField& c) {
  return o << c.key << "=" << c.value;
}

static const BadField kBadFields[] = {
    {"  - chmod -> errno EBADMSG\n", "chmod", "response", "explode",
     "policies[0].syscalls.chmod.rows[0].action.response: unknown value \"explode\""},
    // There is no emulator for getcwd: refused before any engine sees it.
    {"  - mkdir -> emulate\n", "mkdir", "emulate", "getcwd",
     "policies[0].syscalls.mkdir.rows[0].action.emulate: unknown value \"getcwd\""},
    {"  - mkdir -> emulate as agent\n", "mkdir", "as", "root",
     "policies[0].syscalls.mkdir.rows[0].action.as: unknown value \"root\""},
    {"  - chroot -> freeze container\n", "chroot", "stop_mode", "melt",
     "policies[0].syscalls.chroot.rows[0].action.stop_mode: unknown value \"melt\""},
};

// `any` alternatives hold no alternatives of their own, in a table too.
BOOST_AUTO_TEST_CASE(table_with_nested_any_is_refused) {
  auto j = table::to_json(compile("  - chmod -> errno EBADMSG\n"));
  nlohmann::json inner = j["policies"][0]["match"];
  inner["any"] = nlohmann::json::array({j["policies"][0]["match"]});
  j["policies"][0]["match"]["any"] = nlohmann::json::array({inner});
  j.erase("hash");
  j["hash"] = table::compute_hash(j);
  BOOST_CHECK_EXCEPTION(table::from_json(j), table::TableError, [](const table::TableError& e) {
    return std::string(e.what()) ==
           "policies[0].match.any[0].any: an alternative of `any` cannot hold alternatives";
  });
}

BOOST_AUTO_TEST_CASE(table_with_an_unknown_sink_is_refused) {
  auto j = table::to_json(compile("  - chmod -> errno EBADMSG\n"));
  j["policies"][0]["publish"] =
      nlohmann::json::array({{{"to", "syslog"}, {"when", j["policies"][0]["match"]}}});
  j.erase("hash");
  j["hash"] = table::compute_hash(j);
  BOOST_CHECK_EXCEPTION(table::from_json(j), table::TableError, [](const table::TableError& e) {
    return std::string(e.what()) == "policies[0].publish[0].to: unknown value \"syslog\"";
  });
}

BOOST_DATA_TEST_CASE(table_with_a_bad_field_names_its_path, bdata::make(kBadFields), c) {
  auto j = table::to_json(compile(c.rules));
  j["policies"][0]["syscalls"][c.syscall]["rows"][0]["action"][c.key] = c.value;
  j.erase("hash");
  j["hash"] = table::compute_hash(j);
  BOOST_CHECK_EXCEPTION(table::from_json(j), table::TableError, [&](const table::TableError& e) {
    return e.what() == std::string(c.message);
  });
}

// `as agent` is written only when present, so tables without it (every
// table written before it existed) keep their bytes and hash.
BOOST_AUTO_TEST_CASE(table_json_writes_as_only_for_the_agent) {
  const auto j = table::to_json(
      compile("  - mkdir -> emulate\n  - chmod -> emulate as agent\n  - fchmod -> errno EPERM\n"));
  const auto& syscalls = j["policies"][0]["syscalls"];
  BOOST_TEST(!syscalls["mkdir"]["rows"][0]["action"].contains("as"));
  BOOST_TEST(syscalls["chmod"]["rows"][0]["action"]["as"] == "agent");
  BOOST_TEST(!syscalls["fchmod"]["rows"][0]["action"].contains("as"));
}

struct CredentialsCase {
  const char* rules;
  const char* syscall;
  model::Credentials expected;
};
std::ostream& operator<<(std::ostream& o, const CredentialsCase& c) {
  return o << c.rules;
}

static const CredentialsCase kCredentials[] = {
    {"  - mkdir -> emulate\n", "mkdir", model::Credentials::Caller},
    {"  - mkdir -> emulate path=\"/x\"\n", "mkdir", model::Credentials::Caller},
    {"  - mkdir -> emulate as agent\n", "mkdir", model::Credentials::Agent},
    {"  - mkdir -> emulate mkdir path=\"{path}-{pid}\" mode=0700 as agent\n", "mkdir",
     model::Credentials::Agent},
    {"  - mount fs=proc -> log, emulate as agent\n", "mount", model::Credentials::Agent},
    {"  - chmod|fchmod -> delay 1s then emulate as agent\n", "fchmod", model::Credentials::Agent},
};

BOOST_DATA_TEST_CASE(emulate_credentials, bdata::make(kCredentials), c) {
  diag::Sink sink;
  const auto t = compile(c.rules, &sink);
  const auto& a = only_row(t, c.syscall).action;
  BOOST_TEST((a.response == table::Response::Emulate));
  BOOST_TEST((a.credentials == c.expected));
  // Every `as agent` is warned about, once per rule; nothing else warns here.
  BOOST_TEST(sink.warning_count() == (c.expected == model::Credentials::Agent ? 1u : 0u),
             diag::format_text(sink.items()));
}

struct RejectedCase {
  const char* yaml;
  const char* code;
};
std::ostream& operator<<(std::ostream& o, const RejectedCase& c) {
  return o << c.yaml;
}

static const RejectedCase kRejectedAsAgent[] = {
    {"policy: p\nrules:\n  - mkdir -> emulate as root\n", "E0200"},
    {"policy: p\nrules:\n  - mkdir -> errno EPERM as agent\n", "E0200"},
    {"policy: p\nrules:\n  - chown -> emulate as agent\n", "E0306"},
    {"policy: p\ndefault: emulate as agent\nrules:\n  - mkdir -> continue\n", "E0306"},
};

BOOST_DATA_TEST_CASE(as_agent_rejected, bdata::make(kRejectedAsAgent), c) {
  diag::Sink sink;
  auto src = std::make_shared<passes::SourceFile>("t.yaml", c.yaml);
  const auto out = passes::Pipeline(kArches).run_sources({src}, sink);
  BOOST_TEST(!out.has_value());
  BOOST_TEST_REQUIRE(sink.error_count() == 1u, diag::format_text(sink.items()));
  BOOST_TEST(sink.items().front().code == c.code);
}

BOOST_AUTO_TEST_CASE(inline_test_expects_as_agent) {
  diag::Sink sink;
  auto src = std::make_shared<passes::SourceFile>("t.yaml", R"(policy: p
rules:
  - mkdir -> emulate as agent
tests:
  - name: as agent
    syscall: mkdir
    args: {path: /x, mode: 0700}
    expect: emulate mkdir path="/x" as agent
  - name: as the caller
    syscall: mkdir
    args: {path: /x, mode: 0700}
    expect: emulate mkdir path="/x"
)");
  auto c = passes::Pipeline(kArches).run_sources({src}, sink);
  BOOST_TEST_REQUIRE(c.has_value(), diag::format_text(sink.items()));
  BOOST_TEST_REQUIRE(c->tests.size() == 2u);
  BOOST_TEST((c->tests[0].expect.credentials == model::Credentials::Agent));
  BOOST_TEST((c->tests[1].expect.credentials == model::Credentials::Caller));
  // The rule is warned about; the expectations are not rules and are not.
  BOOST_TEST(sink.warning_count() == 1u, diag::format_text(sink.items()));
}

struct UnsafeCase {
  const char* rules;
  bool accepted;
};
std::ostream& operator<<(std::ostream& o, const UnsafeCase& c) {
  return o << c.rules;
}

static const UnsafeCase kUnsafe[] = {
    // The design card's example: the EPERM of a failed requirement only withholds the emulation.
    {"  - mount fs=cifs requires CAP_SYS_ADMIN in userns -> emulate\n", true},
    // A register-only denial before the default cannot be dodged by rewriting memory.
    {"  - mount fs=proc -> emulate\n  - mount flags & MS_BIND -> errno EPERM\n", true},
    {"  - mkdir mode = 0700 -> errno EPERM\n  - mkdir path = /x -> continue\n", true},
    // Nothing denies: the delay is not a security decision.
    {"  - execve filename = /bin/true -> delay 2s then continue\n", true},
    // A denial after a CONTINUE decided on memory.
    {"  - mkdir path = /x -> continue\n  - mkdir mode = 0700 -> errno EPERM\n", false},
    {"  - mkdir path prefix /tmp/ -> continue\n  - mkdir -> errno EPERM\n", false},
    // A denial that reads memory, then the default CONTINUE.
    {"  - mkdir path prefix /etc/ -> errno EPERM\n", false},
    {"  - mkdir path prefix /etc/ -> kill\n", false},
    {"  - mkdir path prefix /etc/ -> return 0\n", false},
    {"  - mkdir path prefix /etc/ -> stop container\n", false},
    {"  - mkdir path prefix /etc/ requires CAP_CHOWN -> continue\n", false},
    // Acknowledged.
    {"  - mkdir path prefix /etc/ -> errno EPERM\n  - mkdir -> continue unsafe\n", true},
    {"  - mkdir path = /x -> continue unsafe\n  - mkdir -> errno EPERM\n", true},
};

BOOST_DATA_TEST_CASE(unsafe_continue, bdata::make(kUnsafe), c) {
  diag::Sink sink;
  auto src =
      std::make_shared<passes::SourceFile>("t.yaml", std::string("policy: p\nrules:\n") + c.rules);
  passes::Pipeline(kArches).run_sources({src}, sink);
  const bool flagged = std::any_of(sink.items().begin(), sink.items().end(),
                                   [](const diag::Diagnostic& d) { return d.code == "E0308"; });
  BOOST_TEST(flagged == !c.accepted, diag::format_text(sink.items()));
}
