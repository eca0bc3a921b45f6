// The argument filter of every literal kind, encodable or not, and of the
// logic around them (negation normal form, DNF, simplification, limits).
#define BOOST_TEST_MODULE profile_encode
#include <fmt/format.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>

#include "cases.hpp"
#include "profile/encode.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa;
using namespace sa::profile;
using namespace sa::profile::test;

namespace {

std::string render(const ArgFilter& f) {
  if (f.is_always())
    return "always";
  if (f.is_never())
    return "never";
  std::vector<std::string> terms;
  for (const Conjunct& c : f.conjuncts()) {
    std::vector<std::string> parts;
    for (const ArgCondition& a : c)
      parts.push_back(describe(a));
    terms.push_back(fmt::format("[{}]", fmt::join(parts, " and ")));
  }
  return fmt::format("{}", fmt::join(terms, " or "));
}

table::FieldRef typed(int index, catalog::ArgType type) {
  table::FieldRef f;
  f.arg = index;
  f.type = type;
  f.label = fmt::format("arg{}", index);
  return f;
}

const uint64_t kBind = 0x1000;  // MS_BIND
const uint64_t kRec = 0x4000;   // MS_REC
const uint64_t kFdcwd = static_cast<uint64_t>(int64_t{-100});

struct Literal {
  const char* name;
  Predicate predicate;
  const char* on_64;  // all architectures of the profile 64-bit
  const char* mixed;  // x86_64 with x86 and x32
};

std::ostream& operator<<(std::ostream& os, const Literal& l) {
  return os << l.name;
}

std::vector<Literal> literals() {
  const auto mode = arg("mkdir", "mode");         // umode_t: 16 bits
  const auto flags = arg("mount", "flags");       // unsigned long
  const auto dirfd = arg("openat", "dirfd");      // int
  const auto length = arg("truncate", "length");  // long
  const auto owner = arg("chown", "owner");       // uid_t: unsigned 32 bits
  table::FieldRef uid;
  uid.field = table::Field::Uid;
  return {
      {"umode_t equality is masked", cmp(mode, Op::Eq, {0700}), "[arg1 & 0xffff == 448]",
       "[arg1 & 0xffff == 448]"},
      {"int equality keeps the 32-bit pattern", cmp(dirfd, Op::Eq, {kFdcwd}),
       "[arg0 & 0xffffffff == 0xffffff9c]", "[arg0 & 0xffffffff == 0xffffff9c]"},
      {"long equality is register-wide", cmp(flags, Op::Eq, {kBind}), "[arg3 == 0x1000]",
       "[arg3 == 0x1000]"},
      {"a value the type cannot hold never matches", cmp(mode, Op::Eq, {0x10000}), "never",
       "never"},
      {"!= on umode_t has no masked form", cmp(mode, Op::Ne, {0700}), "always", "always"},
      {"!= on int", cmp(dirfd, Op::Ne, {kFdcwd}), "always", "always"},
      {"!= on unsigned long", cmp(flags, Op::Ne, {0}), "[arg3 != 0]", "always"},
      {"< on unsigned long", cmp(flags, Op::Lt, {5}), "[arg3 < 5]", "always"},
      {">= on unsigned long", cmp(flags, Op::Ge, {5}), "[arg3 >= 5]", "always"},
      {"< on uid_t", cmp(owner, Op::Lt, {1000}), "always", "always"},
      {"signed < non-negative", cmp(length, Op::Lt, {4096}),
       "[arg1 < 0x1000] or [arg1 >= 0x8000000000000000]", "always"},
      {"signed <= non-negative", cmp(length, Op::Le, {0}),
       "[arg1 <= 0] or [arg1 >= 0x8000000000000000]", "always"},
      {"signed > non-negative", cmp(length, Op::Gt, {10}), "[arg1 > 10]", "always"},
      {"signed > negative", cmp(length, Op::Gt, {static_cast<uint64_t>(int64_t{-2})}),
       "[arg1 < 0x8000000000000000] or [arg1 > 0xfffffffffffffffe]", "always"},
      {"signed >= negative", cmp(length, Op::Ge, {static_cast<uint64_t>(int64_t{-2})}),
       "[arg1 < 0x8000000000000000] or [arg1 >= 0xfffffffffffffffe]", "always"},
      {"signed < negative", cmp(length, Op::Lt, {static_cast<uint64_t>(int64_t{-2})}),
       "[arg1 < 0xfffffffffffffffe]", "always"},
      {"in is an or of equalities", cmp(mode, Op::In, {0700, 0755}),
       "[arg1 & 0xffff == 448] or [arg1 & 0xffff == 493]",
       "[arg1 & 0xffff == 448] or [arg1 & 0xffff == 493]"},
      {"in an empty list", cmp(mode, Op::In, {}), "never", "never"},
      {"not in on unsigned long keeps one comparison per argument", cmp(flags, Op::NotIn, {1, 2}),
       "[arg3 != 1]", "always"},
      {"not in on umode_t", cmp(mode, Op::NotIn, {0700}), "always", "always"},
      {"any of one bit", cmp(flags, Op::MaskAny, {}, kBind), "[arg3 & 0x1000 == 0x1000]",
       "[arg3 & 0x1000 == 0x1000]"},
      {"any of two bits", cmp(flags, Op::MaskAny, {}, kBind | kRec),
       "[arg3 & 0x1000 == 0x1000] or [arg3 & 0x4000 == 0x4000]",
       "[arg3 & 0x1000 == 0x1000] or [arg3 & 0x4000 == 0x4000]"},
      {"masked equality", cmp(flags, Op::MaskEq, {kBind}, kBind | kRec),
       "[arg3 & 0x5000 == 0x1000]", "[arg3 & 0x5000 == 0x1000]"},
      {"masked equality with bits outside the mask", cmp(flags, Op::MaskEq, {kRec}, kBind), "never",
       "never"},
      {"masked inequality", cmp(flags, Op::MaskNe, {kBind}, kBind | kRec),
       "[arg3 & 0x1000 == 0] or [arg3 & 0x4000 == 0x4000]",
       "[arg3 & 0x1000 == 0] or [arg3 & 0x4000 == 0x4000]"},
      {"int bits above 31 are copies of the sign bit",
       cmp(typed(0, catalog::ArgType::Int), Op::MaskAny, {}, 0xffffffff00000000ULL),
       "[arg0 & 0x80000000 == 0x80000000]", "[arg0 & 0x80000000 == 0x80000000]"},
      {"umode_t bits above 15 are 0",
       cmp(typed(1, catalog::ArgType::UShort), Op::MaskAny, {}, 0x10000ULL), "never", "never"},
      {"strings cannot be tested", str(arg("mount", "fstype"), Op::Eq, {"proc"}), "always",
       "always"},
      {"globs cannot be tested", str(arg("execve", "filename"), Op::Glob, {"/bin/*"}), "always",
       "always"},
      {"container fields cannot be tested", str(meta("MOUNT_PROC"), Op::Eq, {"true"}), "always",
       "always"},
      {"caller facts cannot be tested", cmp(uid, Op::Eq, {0}), "always", "always"},
      {"capabilities cannot be tested", has_cap(21), "always", "always"},
      {"not of any bit", not_(cmp(flags, Op::MaskAny, {}, kBind | kRec)), "[arg3 & 0x5000 == 0]",
       "[arg3 & 0x5000 == 0]"},
      {"not of equality", not_(cmp(flags, Op::Eq, {0})), "[arg3 != 0]", "always"},
      {"not of a masked equality", not_(cmp(flags, Op::MaskEq, {0}, kBind)),
       "[arg3 & 0x1000 == 0x1000]", "[arg3 & 0x1000 == 0x1000]"},
      {"not of a string test", not_(str(arg("mount", "fstype"), Op::Eq, {"proc"})), "always",
       "always"},
      {"not of a capability", not_(has_cap(21)), "always", "always"},
      {"and folds bit tests into one comparison",
       all({cmp(flags, Op::MaskAny, {}, kBind), cmp(flags, Op::MaskAny, {}, kRec)}),
       "[arg3 & 0x5000 == 0x5000]", "[arg3 & 0x5000 == 0x5000]"},
      {"and of contradicting equalities",
       all({cmp(mode, Op::Eq, {0700}), cmp(mode, Op::Eq, {0755})}), "never", "never"},
      {"an equality decides the other test",
       all({cmp(flags, Op::Eq, {kBind}), cmp(flags, Op::MaskAny, {}, kBind)}), "[arg3 == 0x1000]",
       "[arg3 == 0x1000]"},
      {"and across arguments",
       all({cmp(dirfd, Op::Eq, {kFdcwd}), cmp(arg("openat", "flags"), Op::MaskAny, {}, 0100)}),
       "[arg0 & 0xffffffff == 0xffffff9c and arg2 & 0x40 == 64]",
       "[arg0 & 0xffffffff == 0xffffff9c and arg2 & 0x40 == 64]"},
      {"a string test in an and is dropped",
       all({str(arg("mount", "fstype"), Op::Eq, {"proc"}), cmp(flags, Op::MaskAny, {}, kBind)}),
       "[arg3 & 0x1000 == 0x1000]", "[arg3 & 0x1000 == 0x1000]"},
      {"a string test in an or makes it always",
       any({str(arg("mount", "fstype"), Op::Eq, {"proc"}), cmp(flags, Op::MaskAny, {}, kBind)}),
       "always", "always"},
      {"De Morgan",
       not_(all({cmp(flags, Op::MaskAny, {}, kBind), cmp(flags, Op::MaskAny, {}, kRec)})),
       "[arg3 & 0x1000 == 0] or [arg3 & 0x4000 == 0]",
       "[arg3 & 0x1000 == 0] or [arg3 & 0x4000 == 0]"},
      {"double negation", not_(not_(cmp(mode, Op::Eq, {0700}))), "[arg1 & 0xffff == 448]",
       "[arg1 & 0xffff == 448]"},
      {"a weaker alternative absorbs a stronger one",
       any({cmp(flags, Op::MaskAny, {}, kBind),
            all({cmp(flags, Op::MaskAny, {}, kBind), cmp(mode, Op::Eq, {0700})})}),
       "[arg3 & 0x1000 == 0x1000]", "[arg3 & 0x1000 == 0x1000]"},
      {"an empty and", all({}), "always", "always"},
      {"an empty or", any({}), "never", "never"},
  };
}

}  // namespace

BOOST_DATA_TEST_CASE(literal_encodings, bdata::make(literals()), l) {
  BOOST_TEST(render(encode_predicate(l.predicate, false, EncodeOptions{true})) == l.on_64);
  BOOST_TEST(render(encode_predicate(l.predicate, false, EncodeOptions{false})) == l.mixed);
}

BOOST_AUTO_TEST_CASE(more_than_32_conjuncts_notify_every_call) {
  std::vector<uint64_t> modes;
  for (uint64_t m = 0; m < kMaxConjuncts; ++m)
    modes.push_back(m);
  const auto mode = arg("mkdir", "mode");
  BOOST_TEST(encode_predicate(cmp(mode, Op::In, modes), false, {}).conjuncts().size() ==
             kMaxConjuncts);
  modes.push_back(kMaxConjuncts);
  BOOST_TEST(encode_predicate(cmp(mode, Op::In, modes), false, {}).is_always());
  // Bit tests of every bit of a long: 64 alternatives.
  BOOST_TEST(encode_predicate(cmp(arg("mount", "flags"), Op::MaskAny, {}, ~uint64_t{0}), false, {})
                 .is_always());
}

BOOST_AUTO_TEST_CASE(rows_are_ored_and_whens_anded) {
  const auto mode = arg("mkdir", "mode");
  table::SyscallRules rules;
  BOOST_TEST(encode_rows(rules, {}).is_never());
  rules.rows.push_back(row({cmp(mode, Op::Eq, {0700})}));
  rules.rows.push_back(row({cmp(mode, Op::Eq, {0750}), has_cap(21)}));
  BOOST_TEST(render(encode_rows(rules, {})) == "[arg1 & 0xffff == 448] or [arg1 & 0xffff == 488]");
  rules.rows.push_back(row({}));
  BOOST_TEST(encode_rows(rules, {}).is_always());
}

BOOST_AUTO_TEST_CASE(filters_evaluate_like_the_kernel) {
  const ArgFilter f = encode_predicate(cmp(arg("mkdir", "mode"), Op::Eq, {0700}), false, {});
  BOOST_TEST(holds(f, {0, 0700, 0, 0, 0, 0}));
  BOOST_TEST(holds(f, {0, 0x1234567800000000ULL | 0700, 0, 0, 0, 0}));
  BOOST_TEST(holds(f, {0, 0x10000ULL | 0700, 0, 0, 0, 0}));
  BOOST_TEST(!holds(f, {0, 0755, 0, 0, 0, 0}));
  BOOST_TEST(holds(ArgFilter::always(), {}));
  BOOST_TEST(!holds(ArgFilter::never(), {}));
}
