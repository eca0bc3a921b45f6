#include "profile_gen.hpp"

#include "model/catalog/arch.hpp"

namespace sa::sim {

void ProfileBuilder::add(trace::TraceReader& reader) {
  trace::TraceItem item;
  while (reader.next(item)) {
    if (item.kind == trace::TraceItem::Kind::Notification)
      add(item.notification);
  }
}

void ProfileBuilder::add(const trace::NotificationRecord& n) {
  arches_.insert(n.call.audit_arch);
  if (n.syscall.empty())
    unnamed_.insert(n.arch + " " + std::to_string(n.call.nr));
  else
    syscalls_.insert(n.syscall);
}

nlohmann::ordered_json ProfileBuilder::profile() const {
  nlohmann::ordered_json p;
  p["defaultAction"] = "SCMP_ACT_ERRNO";
  auto arches = nlohmann::ordered_json::array();
  // In libseccomp's order, as runtimes list them (native first).
  for (const catalog::Arch& a : catalog::all_arches()) {
    if (arches_.count(a.audit_arch) != 0)
      arches.push_back(a.oci_name);
  }
  p["architectures"] = std::move(arches);
  auto rules = nlohmann::ordered_json::array();
  if (!syscalls_.empty()) {
    rules.push_back({{"names", syscalls_}, {"action", "SCMP_ACT_ALLOW"}});
  }
  p["syscalls"] = std::move(rules);
  return p;
}

}  // namespace sa::sim
