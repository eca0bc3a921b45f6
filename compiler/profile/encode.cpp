#include "profile/encode.hpp"

#include <bit>

#include "model/catalog/syscalls.hpp"

namespace sa::profile {
namespace {

using table::Op;
using Kind = table::Predicate::Kind;

constexpr uint64_t kSignBit = uint64_t{1} << 63;

// An integer argument as the engine reads it on a 64-bit architecture: `bits`
// wide, sign-extended above that when signed.
struct ArgView {
  unsigned index = 0;
  catalog::ArgType type{};
  unsigned bits = 64;
  bool is_signed = false;
  uint64_t mask = ~uint64_t{0};
};

ArgView view(const table::FieldRef& f) {
  ArgView v;
  v.index = static_cast<unsigned>(f.arg);
  v.type = f.type;
  v.mask = catalog::type_mask(f.type, 64);
  v.bits = v.mask == ~uint64_t{0} ? 64 : static_cast<unsigned>(std::popcount(v.mask));
  v.is_signed = catalog::is_signed(f.type);
  return v;
}

// A value the normalised argument can take at all.
bool representable(const ArgView& a, uint64_t v) {
  if (a.is_signed)
    return static_cast<uint64_t>(catalog::normalize_signed(v, a.type, 64)) == v;
  return catalog::normalize_unsigned(v, a.type, 64) == v;
}

ArgCondition cond(const ArgView& a, CompareOp op, uint64_t value, uint64_t value_two = 0) {
  return ArgCondition{a.index, op, value, value_two};
}

// Bit `b` of the normalised argument equals `set`. Above the type's width that
// bit is a copy of the sign bit (signed types) or 0 (unsigned ones).
ArgFilter bit_is(const ArgView& a, unsigned b, bool set) {
  unsigned physical = b;
  if (b >= a.bits) {
    if (!a.is_signed)
      return set ? ArgFilter::never() : ArgFilter::always();
    physical = a.bits - 1;
  }
  const uint64_t bit = uint64_t{1} << physical;
  return ArgFilter::of(cond(a, CompareOp::MaskedEq, bit, set ? bit : 0));
}

ArgFilter equal(const ArgView& a, uint64_t v) {
  if (!representable(a, v))
    return ArgFilter::never();
  if (a.bits == 64)
    return ArgFilter::of(cond(a, CompareOp::Eq, v));
  return ArgFilter::of(cond(a, CompareOp::MaskedEq, a.mask, v & a.mask));
}

ArgFilter not_equal(const ArgView& a, uint64_t v, const EncodeOptions& o) {
  if (!representable(a, v))
    return ArgFilter::always();
  if (a.bits == 64 && o.registers_64)
    return ArgFilter::of(cond(a, CompareOp::Ne, v));
  return ArgFilter::always();
}

// libseccomp compares unsigned. A signed comparison with a non-negative bound
// is the unsigned one plus "negative" (x >= 2^63) for < and <=; with a
// negative bound, > and >= add "non-negative" (x < 2^63). The other two cases
// keep only the unsigned comparison, which holds for every value the signed
// one does.
ArgFilter ordered(const ArgView& a, Op op, uint64_t c, const EncodeOptions& o) {
  if (a.bits != 64 || !o.registers_64)
    return ArgFilter::always();
  const CompareOp base = op == Op::Lt   ? CompareOp::Lt
                         : op == Op::Le ? CompareOp::Le
                         : op == Op::Gt ? CompareOp::Gt
                                        : CompareOp::Ge;
  const ArgFilter plain = ArgFilter::of(cond(a, base, c));
  if (!a.is_signed)
    return plain;
  const bool non_negative = (c & kSignBit) == 0;
  const bool below = op == Op::Lt || op == Op::Le;
  if (below && non_negative)
    return any_of(plain, ArgFilter::of(cond(a, CompareOp::Ge, kSignBit)));
  if (!below && !non_negative) {
    return any_of(plain, ArgFilter::of(cond(a, CompareOp::Lt, kSignBit)));
  }
  return plain;
}

// (x & m) != 0: any bit of the mask set.
ArgFilter mask_any(const ArgView& a, uint64_t m) {
  ArgFilter out = ArgFilter::never();
  for (unsigned b = 0; b < 64; ++b) {
    if ((m >> b) & 1U)
      out = any_of(out, bit_is(a, b, true));
  }
  return out;
}

// (x & m) == v, bit by bit; the conjunction folds into one MASKED_EQ.
ArgFilter mask_equal(const ArgView& a, uint64_t m, uint64_t v) {
  if ((v & ~m) != 0)
    return ArgFilter::never();
  ArgFilter out = ArgFilter::always();
  for (unsigned b = 0; b < 64; ++b) {
    if ((m >> b) & 1U)
      out = all_of(out, bit_is(a, b, ((v >> b) & 1U) != 0));
  }
  return out;
}

// (x & m) != v: some bit of the mask differs from v's.
ArgFilter mask_differs(const ArgView& a, uint64_t m, uint64_t v) {
  if ((v & ~m) != 0)
    return ArgFilter::always();
  ArgFilter out = ArgFilter::never();
  for (unsigned b = 0; b < 64; ++b) {
    if ((m >> b) & 1U)
      out = any_of(out, bit_is(a, b, ((v >> b) & 1U) == 0));
  }
  return out;
}

Op negation(Op op) {
  switch (op) {
    case Op::Eq:
      return Op::Ne;
    case Op::Ne:
      return Op::Eq;
    case Op::Lt:
      return Op::Ge;
    case Op::Le:
      return Op::Gt;
    case Op::Gt:
      return Op::Le;
    case Op::Ge:
      return Op::Lt;
    case Op::In:
      return Op::NotIn;
    case Op::NotIn:
      return Op::In;
    case Op::MaskEq:
      return Op::MaskNe;
    case Op::MaskNe:
      return Op::MaskEq;
    default:
      return op;  // MaskAny is handled by the caller; strings never get here
  }
}

bool encodable(const table::Predicate& p) {
  return p.lhs.field == table::Field::Arg && !table::is_string_field(p.lhs) && !p.list_ref &&
         p.lhs.arg >= 0 && p.lhs.arg < 6;
}

}  // namespace

ArgFilter encode_compare(const table::Predicate& p, bool negated, const EncodeOptions& o) {
  if (!encodable(p))
    return ArgFilter::always();
  const ArgView a = view(p.lhs);
  const uint64_t first = p.ints.empty() ? 0 : p.ints.front();
  const bool needs_value = p.op != Op::MaskAny && p.op != Op::In && p.op != Op::NotIn;
  if (needs_value && p.ints.empty())
    return ArgFilter::always();
  if (p.op == Op::MaskAny)
    return negated ? mask_equal(a, p.mask, 0) : mask_any(a, p.mask);
  const Op op = negated ? negation(p.op) : p.op;
  switch (op) {
    case Op::Eq:
      return equal(a, first);
    case Op::Ne:
      return not_equal(a, first, o);
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      return ordered(a, op, first, o);
    case Op::In: {
      ArgFilter out = ArgFilter::never();
      for (uint64_t v : p.ints)
        out = any_of(out, equal(a, v));
      return out;
    }
    case Op::NotIn: {
      ArgFilter out = ArgFilter::always();
      for (uint64_t v : p.ints)
        out = all_of(out, not_equal(a, v, o));
      return out;
    }
    case Op::MaskEq:
      return mask_equal(a, p.mask, first);
    case Op::MaskNe:
      return mask_differs(a, p.mask, first);
    default:
      return ArgFilter::always();
  }
}

ArgFilter encode_predicate(const table::Predicate& p, bool negated, const EncodeOptions& o) {
  switch (p.kind) {
    case Kind::Compare:
      return encode_compare(p, negated, o);
    case Kind::HasCap:
    case Kind::InUserns:
    case Kind::IsInit:
      return ArgFilter::always();
    case Kind::Not:
      if (p.children.empty())
        return ArgFilter::always();
      return encode_predicate(p.children.front(), !negated, o);
    case Kind::All:
    case Kind::Any:
      break;
  }
  // De Morgan: a negated All is an Any of negated children, and vice versa.
  const bool conjunction = (p.kind == Kind::All) != negated;
  ArgFilter out = conjunction ? ArgFilter::always() : ArgFilter::never();
  for (const table::Predicate& child : p.children) {
    const ArgFilter f = encode_predicate(child, negated, o);
    out = conjunction ? all_of(out, f) : any_of(out, f);
    if (conjunction ? out.is_never() : out.is_always())
      break;
  }
  return out;
}

ArgFilter encode_when(const std::vector<table::Predicate>& when, const EncodeOptions& o) {
  ArgFilter out = ArgFilter::always();
  for (const table::Predicate& p : when) {
    out = all_of(out, encode_predicate(p, false, o));
    if (out.is_never())
      break;
  }
  return out;
}

ArgFilter encode_rows(const table::SyscallRules& rules, const EncodeOptions& o) {
  ArgFilter out = ArgFilter::never();
  for (const table::Row& row : rules.rows) {
    out = any_of(out, encode_when(row.when, o));
    if (out.is_always())
      break;
  }
  return out;
}

}  // namespace sa::profile
