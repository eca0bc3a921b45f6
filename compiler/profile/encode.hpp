// From a syscall's rules to the argument filter that notifies every call a
// rule may match: the rules' conditions in negation normal form, every
// literal the kernel cannot test on registers (strings, container fields,
// caller facts, capabilities) replaced by TRUE, the rest encoded as exact
// libseccomp comparisons of the argument's kernel-visible bits.
//
// Widths. The kernel reads an int/unsigned int/umode_t parameter from the low
// 32/16 bits of the register; a caller may set the others freely. Those
// arguments are tested with SCMP_CMP_MASKED_EQ on their own bits only, so that
// garbage above them changes nothing; NE and the ordered comparisons have no
// masked form and are encoded only for register-wide types (long, unsigned
// long, pointers) and only when every architecture of the profile has 64-bit
// registers.
//
// 32-bit architectures (x86, x32, arm) in the same profile. libseccomp builds
// their filters from the low 32 bits of every value and mask, silently
// (checked in test_libseccomp_semantics.cpp), and the engine reads
// register-wide arguments there as 32-bit values too. An equality or bit test
// therefore keeps holding wherever the engine's does (it may hold more often,
// which only notifies more); an ordered comparison would not, hence the rule
// above.
#pragma once

#include <vector>

#include "model/table/table.hpp"
#include "profile/arg_filter.hpp"

namespace sa::profile {

struct EncodeOptions {
  bool registers_64 = true;  // every architecture of the profile has 64-bit registers
};

// One comparison (kind Compare), negated or not.
ArgFilter encode_compare(const table::Predicate& p, bool negated, const EncodeOptions& o);
// Any predicate tree.
ArgFilter encode_predicate(const table::Predicate& p, bool negated, const EncodeOptions& o);
// A row's `when`: all must hold (empty: always).
ArgFilter encode_when(const std::vector<table::Predicate>& when, const EncodeOptions& o);
// Any row may match (requirements do not matter: an unmet one still answers).
ArgFilter encode_rows(const table::SyscallRules& rules, const EncodeOptions& o);

}  // namespace sa::profile
