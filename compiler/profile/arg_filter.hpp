// Which calls of one syscall the kernel notifies, as conditions on register
// arguments in disjunctive normal form: the OCI profile gets one syscalls
// entry per conjunct (OCI ANDs the args of an entry and ORs entries).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "profile/scmp.hpp"

namespace sa::profile {

// All must hold. Sorted by argument index, at most one condition per index:
// libseccomp refuses two comparisons of one argument in a rule (EINVAL), and
// runc and crun then split the entry into one rule per comparison, which ORs
// them instead of ANDing.
using Conjunct = std::vector<ArgCondition>;

// More conjuncts than this and the syscall is notified unconditionally.
inline constexpr size_t kMaxConjuncts = 32;

class ArgFilter {
 public:
  static ArgFilter always();  // every call
  static ArgFilter never();   // no call
  static ArgFilter of(ArgCondition c);
  static ArgFilter any(std::vector<ArgCondition> alternatives);  // c1 or c2 or ...

  bool is_always() const { return always_; }
  bool is_never() const { return !always_ && conjuncts_.empty(); }
  const std::vector<Conjunct>& conjuncts() const { return conjuncts_; }

  // Both only ever widen what they are given when they simplify (a dropped
  // comparison, too many conjuncts -> always): a filter may notify more
  // calls than needed, never fewer.
  friend ArgFilter any_of(const ArgFilter& a, const ArgFilter& b);
  friend ArgFilter all_of(const ArgFilter& a, const ArgFilter& b);

  bool operator==(const ArgFilter&) const = default;

 private:
  static ArgFilter from(std::vector<Conjunct> conjuncts);
  bool always_ = false;
  std::vector<Conjunct> conjuncts_;
};

// Whether the kernel would notify a call with these 64-bit arguments.
bool holds(const ArgFilter& f, const std::array<uint64_t, 6>& args);

}  // namespace sa::profile
