#include "profile/base_denials.hpp"

#include <fmt/format.h>

#include "model/catalog/syscalls.hpp"
#include "profile/base_answer.hpp"

namespace sa::profile {
namespace {

bool denies(ScmpAction a) {
  switch (a) {
    case ScmpAction::Errno:
    case ScmpAction::Trap:
    case ScmpAction::Kill:
    case ScmpAction::KillThread:
    case ScmpAction::KillProcess:
      return true;
    case ScmpAction::Allow:
    case ScmpAction::Log:
    case ScmpAction::Trace:  // a tracer may let it run
    case ScmpAction::Notify:
      return false;
  }
  return false;
}

bool exists_on(const std::string& syscall, const std::vector<catalog::Arch>& arches) {
  for (const catalog::Arch& a : arches) {
    if (catalog::syscall_number(syscall, a))
      return true;
  }
  return false;
}

// Why a syscall is denied only sometimes, or "" when no entry of the base
// denies it for some calls or containers.
std::string partly_why(const BaseAnswer& a) {
  for (const BaseEntry* e : a.selective) {
    if (denies(e->action) || denies(a.action))
      return "for some containers";
  }
  for (const BaseEntry* e : a.conditional) {
    if (denies(e->action) || denies(a.action))
      return "for some arguments";
  }
  return "";
}

}  // namespace

BaseDenials base_denials(const BaseProfile& base, const std::vector<catalog::Arch>& arches) {
  BaseDenials out;
  for (const std::string& syscall : catalog::all_syscall_names()) {
    if (!exists_on(syscall, arches))
      continue;
    const BaseAnswer a = base_answer(&base, syscall);
    const std::string why = partly_why(a);
    if (!why.empty())
      out.partly.push_back(fmt::format("{} ({})", syscall, why));
    else if (denies(a.action))
      out.denied.push_back(syscall);
  }
  return out;
}

void report_partly_denied(const BaseProfile& base, const BaseDenials& d, diag::Sink& sink) {
  if (d.partly.empty())
    return;
  auto& w = sink.warning(
      diag::code::kBasePartlyDenies,
      fmt::format("the base profile denies {} syscall{} only for some calls or containers; "
                  "`intercept_base_denials` leaves {} to the base, whose denials there the "
                  "policy does not see: {}",
                  d.partly.size(), d.partly.size() == 1 ? "" : "s",
                  d.partly.size() == 1 ? "it" : "them", fmt::join(d.partly, ", ")),
      diag::Location{base.path});
  w.hint =
      "name them under `intercept:` to see every call of them (the policy then decides the "
      "calls the base allows too)";
}

}  // namespace sa::profile
