#include "profile/scmp.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <utility>

namespace sa::profile {
namespace {

// Small numbers read best in decimal, masks and flag words in hex.
std::string number(uint64_t v) {
  return v < 4096 ? fmt::format("{}", v) : fmt::format("{:#x}", v);
}

}  // namespace

bool takes_errno(ScmpAction a) {
  return a == ScmpAction::Errno || a == ScmpAction::Trace;
}

uint32_t libseccomp_action(ScmpAction a, std::optional<uint32_t> errno_ret) {
  const auto ret = static_cast<uint16_t>(errno_ret.value_or(EPERM));
  switch (a) {
    case ScmpAction::Allow:
      return SCMP_ACT_ALLOW;
    case ScmpAction::Log:
      return SCMP_ACT_LOG;
    case ScmpAction::Errno:
      return SCMP_ACT_ERRNO(ret);
    case ScmpAction::Trace:
      return SCMP_ACT_TRACE(ret);
    case ScmpAction::Trap:
      return SCMP_ACT_TRAP;
    case ScmpAction::Kill:
    case ScmpAction::KillThread:
      return SCMP_ACT_KILL_THREAD;
    case ScmpAction::KillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case ScmpAction::Notify:
      return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare libseccomp_op(CompareOp op) {
  switch (op) {
    case CompareOp::Ne:
      return SCMP_CMP_NE;
    case CompareOp::Lt:
      return SCMP_CMP_LT;
    case CompareOp::Le:
      return SCMP_CMP_LE;
    case CompareOp::Eq:
      return SCMP_CMP_EQ;
    case CompareOp::Ge:
      return SCMP_CMP_GE;
    case CompareOp::Gt:
      return SCMP_CMP_GT;
    case CompareOp::MaskedEq:
      return SCMP_CMP_MASKED_EQ;
  }
  return SCMP_CMP_EQ;
}

bool holds(const ArgCondition& c, uint64_t arg) {
  switch (c.op) {
    case CompareOp::Ne:
      return arg != c.value;
    case CompareOp::Lt:
      return arg < c.value;
    case CompareOp::Le:
      return arg <= c.value;
    case CompareOp::Eq:
      return arg == c.value;
    case CompareOp::Ge:
      return arg >= c.value;
    case CompareOp::Gt:
      return arg > c.value;
    case CompareOp::MaskedEq:
      return (arg & c.value) == c.value_two;
  }
  return false;
}

std::string describe(const ArgCondition& c) {
  const std::string arg = fmt::format("arg{}", c.index);
  switch (c.op) {
    case CompareOp::Ne:
      return fmt::format("{} != {}", arg, number(c.value));
    case CompareOp::Lt:
      return fmt::format("{} < {}", arg, number(c.value));
    case CompareOp::Le:
      return fmt::format("{} <= {}", arg, number(c.value));
    case CompareOp::Eq:
      return fmt::format("{} == {}", arg, number(c.value));
    case CompareOp::Ge:
      return fmt::format("{} >= {}", arg, number(c.value));
    case CompareOp::Gt:
      return fmt::format("{} > {}", arg, number(c.value));
    case CompareOp::MaskedEq:
      return fmt::format("{} & {:#x} == {}", arg, c.value, number(c.value_two));
  }
  return arg;
}

}  // namespace sa::profile
