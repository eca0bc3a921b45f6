// How libseccomp 2.5.4 (and the kernel) resolve rules that overlap for one
// syscall: what base_answer.hpp and encode.hpp rely on, checked against the
// real library and, in a forked child, the real kernel. Each filter answers
// lseek(fd, ...) with a distinct errno per rule; fds >= 1000 are not open, so
// a call no rule catches fails with EBADF.
#define BOOST_TEST_MODULE libseccomp_semantics
#include <seccomp.h>
#include <sys/syscall.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <string>

#include "forked.hpp"
#include "libseccomp_loader.hpp"

using namespace sa::profile;
using namespace sa::profile::test;

namespace {

constexpr int kA = 101;  // ENETUNREACH: rule A's answer
constexpr int kB = 102;  // ENETRESET: rule B's answer

struct Rule {
  uint32_t action;
  std::vector<scmp_arg_cmp> cmps;
};

scmp_arg_cmp eq(unsigned arg, uint64_t v) {
  return {arg, SCMP_CMP_EQ, v, 0};
}

struct Filter {
  ScmpFilter ctx{seccomp_init(SCMP_ACT_ALLOW)};
  std::vector<int> rcs;  // what each seccomp_rule_add_array returned
};

Filter make(const std::vector<Rule>& rules, uint32_t arch = SCMP_ARCH_NATIVE) {
  Filter f;
  if (arch != SCMP_ARCH_NATIVE) {
    seccomp_arch_add(f.ctx.get(), arch);
    seccomp_arch_remove(f.ctx.get(), SCMP_ARCH_NATIVE);
  }
  for (const Rule& r : rules) {
    f.rcs.push_back(seccomp_rule_add_array(f.ctx.get(), r.action, SCMP_SYS(lseek),
                                           static_cast<unsigned>(r.cmps.size()),
                                           r.cmps.empty() ? nullptr : r.cmps.data()));
  }
  return f;
}

// What each lseek(a0, a1, 0) returns under the filter.
std::vector<long> run(const Filter& f, const std::vector<std::pair<uint64_t, uint64_t>>& calls) {
  return in_child([&] {
    std::vector<long> out;
    if (seccomp_load(f.ctx.get()) != 0)
      ::_exit(2);
    for (const auto& [a0, a1] : calls)
      out.push_back(result_of(::syscall(SYS_lseek, a0, a1, 0)));
    return out;
  });
}

const std::vector<std::pair<uint64_t, uint64_t>> kCalls = {
    {1005, 7}, {1005, 0}, {1006, 7}, {1006, 0}};

std::string pfc(const Filter& f) {
  FILE* tmp = std::tmpfile();
  seccomp_export_pfc(f.ctx.get(), fileno(tmp));
  std::rewind(tmp);
  std::string out;
  for (int c; (c = std::fgetc(tmp)) != EOF;)
    out.push_back(static_cast<char>(c));
  std::fclose(tmp);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_rule_with_the_default_action_is_refused) {
  const Filter f = make({{SCMP_ACT_ALLOW, {}}});
  BOOST_TEST(f.rcs.at(0) == -EACCES);
}

BOOST_AUTO_TEST_CASE(an_unconditional_rule_beats_conditional_ones_in_either_order) {
  const std::vector<long> all_a(kCalls.size(), -kA);
  const Filter first = make({{SCMP_ACT_ERRNO(kA), {}}, {SCMP_ACT_ERRNO(kB), {eq(0, 1005)}}});
  const Filter last = make({{SCMP_ACT_ERRNO(kB), {eq(0, 1005)}}, {SCMP_ACT_ERRNO(kA), {}}});
  BOOST_TEST(first.rcs == std::vector<int>({0, 0}), boost::test_tools::per_element());
  BOOST_TEST(last.rcs == std::vector<int>({0, 0}), boost::test_tools::per_element());
  BOOST_TEST(run(first, kCalls) == all_a, boost::test_tools::per_element());
  BOOST_TEST(run(last, kCalls) == all_a, boost::test_tools::per_element());
  // The same holds for SCMP_ACT_NOTIFY: an unconditional NOTIFY would silence
  // every conditional base entry, which is why the profile drops them.
}

BOOST_AUTO_TEST_CASE(the_first_of_two_unconditional_rules_wins) {
  const Filter f = make({{SCMP_ACT_ERRNO(kA), {}}, {SCMP_ACT_ERRNO(kB), {}}});
  BOOST_TEST(f.rcs == std::vector<int>({0, 0}), boost::test_tools::per_element());
  BOOST_TEST(run(f, kCalls) == std::vector<long>(kCalls.size(), -kA),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(conditional_rules_are_ordered_by_argument_not_by_entry) {
  const std::vector<long> expected = {-kB, -kA, -kB, -EBADF};
  const Filter ab = make({{SCMP_ACT_ERRNO(kA), {eq(0, 1005)}}, {SCMP_ACT_ERRNO(kB), {eq(1, 7)}}});
  const Filter ba = make({{SCMP_ACT_ERRNO(kB), {eq(1, 7)}}, {SCMP_ACT_ERRNO(kA), {eq(0, 1005)}}});
  BOOST_TEST(run(ab, kCalls) == expected, boost::test_tools::per_element());
  BOOST_TEST(run(ba, kCalls) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_longer_rule_under_a_shorter_one_is_dropped_or_refused) {
  const Filter shorter_first =
      make({{SCMP_ACT_ERRNO(kA), {eq(0, 1005)}}, {SCMP_ACT_ERRNO(kB), {eq(0, 1005), eq(1, 7)}}});
  BOOST_TEST(shorter_first.rcs == std::vector<int>({0, 0}), boost::test_tools::per_element());
  BOOST_TEST(run(shorter_first, kCalls) == std::vector<long>({-kA, -kA, -EBADF, -EBADF}),
             boost::test_tools::per_element());
  const Filter longer_first =
      make({{SCMP_ACT_ERRNO(kB), {eq(0, 1005), eq(1, 7)}}, {SCMP_ACT_ERRNO(kA), {eq(0, 1005)}}});
  BOOST_TEST(longer_first.rcs == std::vector<int>({0, -EEXIST}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(one_argument_compared_twice_in_a_rule_is_refused) {
  const Filter f = make({{SCMP_ACT_ERRNO(kA), {eq(0, 1005), {0, SCMP_CMP_NE, 3, 0}}}});
  BOOST_TEST(f.rcs.at(0) == -EINVAL);
}

BOOST_AUTO_TEST_CASE(masks_ignore_the_upper_half_only_when_asked) {
  // 64-bit filters compare all 64 bits; MASKED_EQ with a 32-bit mask lets a
  // caller's garbage in the upper half through, as the kernel ignores it.
  const uint64_t fdcwd = 0xffffffffffffff9cULL;
  const std::vector<std::pair<uint64_t, uint64_t>> calls = {
      {fdcwd, 0}, {0xffffff9cULL, 0}, {0x12345678ffffff9cULL, 0}};
  const Filter full = make({{SCMP_ACT_ERRNO(kA), {eq(0, fdcwd)}}});
  BOOST_TEST(run(full, calls) == std::vector<long>({-kA, -EBADF, -EBADF}),
             boost::test_tools::per_element());
  const Filter masked =
      make({{SCMP_ACT_ERRNO(kA), {{0, SCMP_CMP_MASKED_EQ, 0xffffffffULL, 0xffffff9cULL}}}});
  BOOST_TEST(run(masked, calls) == std::vector<long>({-kA, -kA, -kA}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(thirty_two_bit_architectures_keep_the_low_half_of_every_value) {
  // This machine cannot run x86 code (no ia32 emulation), so the x86 filter
  // is read in libseccomp's pseudo filter code: values and masks above 32
  // bits are truncated without an error.
  const Filter f = make({{SCMP_ACT_ERRNO(kA), {eq(0, 0x1000000005ULL)}},
                         {SCMP_ACT_ERRNO(kB), {{1, SCMP_CMP_MASKED_EQ, 0x100000001ULL, 1}}}},
                        SCMP_ARCH_X86);
  BOOST_TEST(f.rcs == std::vector<int>({0, 0}), boost::test_tools::per_element());
  const std::string code = pfc(f);
  BOOST_TEST(code.find("if ($a0 == 5)") != std::string::npos, code);
  BOOST_TEST(code.find("if ($a1 & 0x00000001 == 1)") != std::string::npos, code);
}
