#include "profile/arg_filter.hpp"

#include <algorithm>
#include <optional>

namespace sa::profile {
namespace {

// Guards the cross product of two large filters before it is built.
constexpr size_t kMaxProduct = 1024;

bool trivially_true(const ArgCondition& c) {
  return c.op == CompareOp::MaskedEq && c.value == 0 && c.value_two == 0;
}

// Adds `c` to a conjunct. False when the conjunct can no longer hold. Two
// comparisons of one argument are combined exactly where possible (an EQ
// decides the other; two MASKED_EQ combine into one); otherwise the new one
// is dropped, which widens the conjunct.
bool add(Conjunct& conj, const ArgCondition& c) {
  if (trivially_true(c))
    return true;
  auto it = std::find_if(conj.begin(), conj.end(),
                         [&](const ArgCondition& e) { return e.index == c.index; });
  if (it == conj.end()) {
    conj.insert(std::upper_bound(conj.begin(), conj.end(), c), c);
    return true;
  }
  ArgCondition& e = *it;
  if (e == c)
    return true;
  if (e.op == CompareOp::Eq)
    return holds(c, e.value);
  if (c.op == CompareOp::Eq) {
    if (!holds(e, c.value))
      return false;
    e = c;
    return true;
  }
  if (e.op == CompareOp::MaskedEq && c.op == CompareOp::MaskedEq) {
    const uint64_t overlap = e.value & c.value;
    if ((e.value_two & overlap) != (c.value_two & overlap))
      return false;
    e.value |= c.value;
    e.value_two |= c.value_two;
    return true;
  }
  return true;
}

std::optional<Conjunct> conjoin(const Conjunct& a, const Conjunct& b) {
  Conjunct out = a;
  for (const ArgCondition& c : b) {
    if (!add(out, c))
      return std::nullopt;
  }
  return out;
}

// `a` implies nothing `b` does not: b's calls are a subset of a's.
bool subsumes(const Conjunct& a, const Conjunct& b) {
  return std::all_of(a.begin(), a.end(), [&](const ArgCondition& c) {
    return std::find(b.begin(), b.end(), c) != b.end();
  });
}

}  // namespace

ArgFilter ArgFilter::always() {
  ArgFilter f;
  f.always_ = true;
  return f;
}

ArgFilter ArgFilter::never() {
  return ArgFilter{};
}

ArgFilter ArgFilter::of(ArgCondition c) {
  Conjunct conj;
  if (!add(conj, c))
    return never();
  return from({conj});
}

ArgFilter ArgFilter::any(std::vector<ArgCondition> alternatives) {
  ArgFilter out = never();
  for (const ArgCondition& c : alternatives)
    out = any_of(out, of(c));
  return out;
}

// Sorted, without duplicates and without conjuncts another one covers.
ArgFilter ArgFilter::from(std::vector<Conjunct> conjuncts) {
  std::sort(conjuncts.begin(), conjuncts.end());
  conjuncts.erase(std::unique(conjuncts.begin(), conjuncts.end()), conjuncts.end());
  std::vector<Conjunct> kept;
  for (size_t i = 0; i < conjuncts.size(); ++i) {
    if (conjuncts[i].empty())
      return always();
    bool covered = false;
    for (size_t j = 0; j < conjuncts.size() && !covered; ++j) {
      covered = j != i && subsumes(conjuncts[j], conjuncts[i]);
    }
    if (!covered)
      kept.push_back(conjuncts[i]);
  }
  if (kept.size() > kMaxConjuncts)
    return always();
  ArgFilter f;
  f.conjuncts_ = std::move(kept);
  return f;
}

ArgFilter any_of(const ArgFilter& a, const ArgFilter& b) {
  if (a.always_ || b.always_)
    return ArgFilter::always();
  std::vector<Conjunct> all = a.conjuncts_;
  all.insert(all.end(), b.conjuncts_.begin(), b.conjuncts_.end());
  return ArgFilter::from(std::move(all));
}

ArgFilter all_of(const ArgFilter& a, const ArgFilter& b) {
  if (a.always_)
    return b;
  if (b.always_)
    return a;
  if (a.conjuncts_.size() * b.conjuncts_.size() > kMaxProduct)
    return ArgFilter::always();
  std::vector<Conjunct> out;
  for (const Conjunct& x : a.conjuncts_) {
    for (const Conjunct& y : b.conjuncts_) {
      if (auto c = conjoin(x, y))
        out.push_back(std::move(*c));
    }
  }
  return ArgFilter::from(std::move(out));
}

bool holds(const ArgFilter& f, const std::array<uint64_t, 6>& args) {
  if (f.is_always())
    return true;
  return std::any_of(f.conjuncts().begin(), f.conjuncts().end(), [&](const Conjunct& conj) {
    return std::all_of(conj.begin(), conj.end(),
                       [&](const ArgCondition& c) { return holds(c, args.at(c.index)); });
  });
}

}  // namespace sa::profile
