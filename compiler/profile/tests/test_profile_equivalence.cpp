// The argument filters are exact: every call a generated profile does not
// notify gets, from the kernel, what the engine would have answered had it
// been notified — a plain continue. Checked against the real engine
// (runtime/engine) on boundary and random register values, for x86_64 and,
// with libseccomp's 32-bit semantics (only the low half of every value and
// mask), for x86.
#define BOOST_TEST_MODULE profile_equivalence
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <random>

#include "engine/engine.hpp"
#include "golden.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa;
using namespace sa::profile;
using namespace sa::profile::test;
using nlohmann::json;

namespace {

class AnyFacts : public engine::FactSource {
 public:
  model::StringRead read_string(int) override { return {model::StringRead::Status::Ok, "x", 0}; }
  std::optional<model::CallerFacts> caller() override {
    model::CallerFacts f;
    f.cap_effective = ~uint64_t{0};
    f.userns_is_container = true;
    return f;
  }
};

using Args = std::array<uint64_t, 6>;

bool cond_holds(const json& a, const Args& args, bool low_half) {
  const uint64_t cut = low_half ? 0xffffffffULL : ~uint64_t{0};
  const uint64_t x = args.at(a.at("index").get<size_t>()) & cut;
  const uint64_t v = a.at("value").get<uint64_t>() & cut;
  const uint64_t two = a.value("valueTwo", uint64_t{0}) & cut;
  const std::string op = a.at("op");
  if (op == "SCMP_CMP_EQ")
    return x == v;
  if (op == "SCMP_CMP_NE")
    return x != v;
  if (op == "SCMP_CMP_LT")
    return x < v;
  if (op == "SCMP_CMP_LE")
    return x <= v;
  if (op == "SCMP_CMP_GT")
    return x > v;
  if (op == "SCMP_CMP_GE")
    return x >= v;
  if (op == "SCMP_CMP_MASKED_EQ")
    return (x & v) == two;
  throw std::runtime_error("unknown op " + op);
}

// Whether the profile's SCMP_ACT_NOTIFY entries catch the call.
bool notified(const json& profile, const std::string& syscall, const Args& args, bool low_half) {
  for (const json& e : profile.at("syscalls")) {
    if (e.at("action") != "SCMP_ACT_NOTIFY")
      continue;
    const json& names = e.at("names");
    if (std::find(names.begin(), names.end(), syscall) == names.end())
      continue;
    if (!e.contains("args"))
      return true;
    bool all = true;
    for (const json& a : e.at("args"))
      all = all && cond_holds(a, args, low_half);
    if (all)
      return true;
  }
  return false;
}

std::vector<uint64_t> interesting_values() {
  const uint64_t garbage = 0x1234567800000000ULL;
  std::vector<uint64_t> v = {0,
                             1,
                             2,
                             5,
                             0700,
                             0750,
                             0755,
                             0777,
                             0x10000 | 0700,
                             0x40,
                             0x20,
                             0x1000,
                             0x4000,
                             0x5000,
                             0x1020,
                             4095,
                             4096,
                             4097,
                             0xffffff9cULL,
                             0xffffffffffffff9cULL,
                             0x7fffffffULL,
                             0x80000000ULL,
                             0xffffffffULL,
                             0x100000000ULL,
                             uint64_t{1} << 63,
                             ~uint64_t{0},
                             ~uint64_t{0} - 1};
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i)
    v.push_back(v[i] | garbage);
  return v;
}

std::vector<Args> samples() {
  const std::vector<uint64_t> values = interesting_values();
  std::mt19937_64 rng(20240601);
  std::vector<Args> out;
  for (int i = 0; i < 4000; ++i) {
    Args a{};
    for (uint64_t& x : a) {
      const uint64_t pick = rng();
      x = (pick % 8 == 0) ? rng() : values[pick % values.size()];
    }
    out.push_back(a);
  }
  return out;
}

bool plain_continue(const engine::Decision& d) {
  return d.is_continue() && !d.log && !d.delay_ms && !d.stops();
}

struct Checked {
  size_t skipped = 0;  // calls not notified, checked against the engine
  size_t notified = 0;
};

// Every policy's containers, under its own profile and under the node profile.
Checked check(const Built& b, const engine::Engine& eng, const catalog::Arch& arch) {
  AnyFacts facts;
  const model::ContainerInfo container;
  const bool low_half = arch.word_bits == 32;
  Checked c;
  const std::vector<Args> all = samples();
  for (const table::Policy& p : eng.table().policies) {
    for (const auto& [syscall, rules] : p.syscalls) {
      const auto nr = catalog::syscall_number(syscall, arch);
      if (!nr)
        continue;
      for (const json* profile : {&b.profiles.policies.at(p.name), &b.profiles.node}) {
        for (const Args& args : all) {
          if (notified(*profile, syscall, args, low_half)) {
            ++c.notified;
            continue;
          }
          model::Notification n;
          n.audit_arch = arch.audit_arch;
          n.nr = *nr;
          std::copy(args.begin(), args.end(), n.args.begin());
          const engine::Decision d = eng.evaluate(&p, container, n, facts);
          ++c.skipped;
          BOOST_TEST_REQUIRE(plain_continue(d), p.name << " " << syscall << " on " << arch.name
                                                       << " args " << json(args).dump() << ": "
                                                       << d.action_text());
        }
      }
    }
  }
  return c;
}

}  // namespace

BOOST_DATA_TEST_CASE(calls_left_to_the_kernel_get_what_the_agent_answers,
                     bdata::make(golden_cases()), c) {
  const auto built = build(c);
  const engine::Engine eng(built->table);
  for (const catalog::Arch& arch : c.arches) {
    if (arch.name == "x32")
      continue;  // shares x86_64's AUDIT_ARCH; see the report
    const Checked r = check(*built, eng, arch);
    BOOST_TEST(r.skipped + r.notified > 0U);
    BOOST_TEST_MESSAGE(c.name << " on " << arch.name << ": " << r.skipped << " calls left to the "
                              << "kernel, " << r.notified << " notified");
  }
}

BOOST_AUTO_TEST_CASE(the_samples_exercise_both_sides) {
  Case c{"registers", {register_rules(), second_policy()}, arches({"x86_64", "x86"}), "", {}};
  const auto built = build(c);
  const engine::Engine eng(built->table);
  for (const catalog::Arch& arch : c.arches) {
    const Checked r = check(*built, eng, arch);
    BOOST_TEST(r.skipped > 1000U);
    BOOST_TEST(r.notified > 1000U);
  }
}
