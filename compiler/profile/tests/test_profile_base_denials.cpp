// `intercept_base_denials`: which syscalls a base profile denies for every
// call in every container (intercepted), which only for some (left to the
// base, W0401), and what a policy then intercepts and warns about.
#define BOOST_TEST_MODULE profile_base_denials
#include <algorithm>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "model/catalog/arch.hpp"
#include "parse_base.hpp"
#include "profile/base_denials.hpp"
#include "profile/with_base.hpp"

namespace sa::profile {
namespace {

namespace bdata = boost::unit_test::data;

const std::vector<catalog::Arch> kX86_64 = {*catalog::find_arch("x86_64")};

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct Case {
  const char* name;
  const char* profile;
  std::vector<std::string> denied;      // among them
  std::vector<std::string> not_denied;  // none of them
  std::vector<std::string> partly;      // "chroot (for some containers)"
};
std::ostream& operator<<(std::ostream& o, const Case& c) {
  return o << c.name;
}

const Case kCases[] = {
    {"entries that deny",
     R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
        {"names":["chroot","swapoff"],"action":"SCMP_ACT_ERRNO","errnoRet":1},
        {"names":["reboot"],"action":"SCMP_ACT_KILL_PROCESS"},
        {"names":["acct"],"action":"SCMP_ACT_TRAP"},
        {"names":["ptrace"],"action":"SCMP_ACT_TRACE"},
        {"names":["mkdir"],"action":"SCMP_ACT_LOG"}]})",
     {"chroot", "swapoff", "reboot", "acct"},
     {"ptrace", "mkdir", "getpid", "openat"},
     {}},
    {"the default action denies what no entry allows",
     R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"syscalls":[
        {"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]})",
     {"chroot", "swapoff", "mkdir", "openat"},
     {"read", "write", "exit_group"},
     {}},
    {"denied for some arguments or containers only",
     R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
        {"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
        {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]},
        {"names":["chroot"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_CHROOT"]}}]})",
     {"swapoff"},
     {"read", "personality", "chroot"},
     {"personality (for some arguments)", "chroot (for some containers)"}},
};

BOOST_DATA_TEST_CASE(what_the_base_denies, bdata::make(kCases), c) {
  const BaseProfile base = test::parse_or_throw(c.profile);
  const BaseDenials d = base_denials(base, kX86_64);
  for (const std::string& s : c.denied)
    BOOST_TEST(has(d.denied, s), s);
  for (const std::string& s : c.not_denied)
    BOOST_TEST(!has(d.denied, s), s);
  for (const std::string& s : c.partly)
    BOOST_TEST(has(d.partly, s), s);
  if (c.partly.empty())
    BOOST_TEST(d.partly.empty());
  BOOST_TEST(std::is_sorted(d.denied.begin(), d.denied.end()));
}

// A policy that names neither chroot nor swapoff intercepts both, and the
// layering warning (W0400) is not given for them: they are the point.
BOOST_AUTO_TEST_CASE(a_policy_intercepts_what_its_base_denies) {
  const auto dir = std::filesystem::temp_directory_path() / "sa-base-denials-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "base.json") << R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
        {"names":["chroot","swapoff"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]})";
  std::ofstream(dir / "p.yaml") << "policy: p\nintercept_base_denials: true\n"
                                   "rules:\n  - '* -> log, errno ENOSYS'\n";
  diag::Sink sink;
  auto c =
      compile_with_base({(dir / "p.yaml").string()}, kX86_64, (dir / "base.json").string(), sink);
  BOOST_TEST_REQUIRE(c.has_value(), diag::format_text(sink.items()));
  const auto& syscalls = c->compiled.table.policies.at(0).syscalls;
  BOOST_TEST(syscalls.size() == 2u);
  BOOST_TEST(syscalls.count("chroot") == 1u);
  BOOST_TEST(syscalls.count("swapoff") == 1u);
  BOOST_TEST(c->compiled.table.passthrough.at("chroot").error == 1);
  BOOST_TEST(sink.items().empty(), diag::format_text(sink.items()));
  BOOST_TEST(c->base_denied.count("swapoff") == 1u);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(without_a_base_it_is_an_error) {
  const auto dir = std::filesystem::temp_directory_path() / "sa-base-denials-none";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "p.yaml") << "policy: p\nintercept_base_denials: true\n"
                                   "rules:\n  - '* -> log, errno ENOSYS'\n";
  diag::Sink sink;
  auto c = compile_with_base({(dir / "p.yaml").string()}, kX86_64, "", sink);
  BOOST_TEST(!c.has_value());
  const std::string text = diag::format_text(sink.items());
  BOOST_TEST(text.find("error[E0400]: `intercept_base_denials` intercepts what the base profile "
                       "denies, and there is no base profile") != std::string::npos,
             text);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sa::profile
