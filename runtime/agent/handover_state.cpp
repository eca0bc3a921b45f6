#include "agent/handover_state.hpp"

#include <stdexcept>
#include <variant>

#include "model/names.hpp"
#include "model/overloaded.hpp"

namespace sa::agent::handover {
namespace {

using nlohmann::json;

json notification_json(const model::Notification& n) {
  return {{"id", n.id},       {"pid", n.pid},
          {"flags", n.flags}, {"audit_arch", n.audit_arch},
          {"nr", n.nr},       {"instruction_pointer", n.instruction_pointer},
          {"args", n.args}};
}

model::Notification notification_of(const json& j) {
  model::Notification n;
  n.id = j.at("id").get<uint64_t>();
  n.pid = j.at("pid").get<uint32_t>();
  n.flags = j.at("flags").get<uint32_t>();
  n.audit_arch = j.at("audit_arch").get<uint32_t>();
  n.nr = j.at("nr").get<int>();
  n.instruction_pointer = j.at("instruction_pointer").get<uint64_t>();
  n.args = j.at("args").get<std::array<uint64_t, 6>>();
  return n;
}

json answer_json(const engine::Answer& a) {
  return std::visit(Overloaded{[](const engine::Continue&) -> json {
                                 return {{"kind", "continue"}};
                               },
                               [](const engine::Fail& f) -> json {
                                 return {{"kind", "errno"}, {"error", f.error}};
                               },
                               [](const engine::Return& r) -> json {
                                 return {{"kind", "return"}, {"value", r.value}};
                               },
                               [](const engine::Emulate&) -> json {
                                 throw std::logic_error("a delayed emulation is never handed over");
                               },
                               [](const engine::Kill&) -> json {
                                 return {{"kind", "kill"}};
                               }},
                    a);
}

engine::Answer answer_of(const json& j) {
  const auto kind = j.at("kind").get<std::string>();
  if (kind == "continue")
    return engine::Continue{};
  if (kind == "errno")
    return engine::Fail{j.at("error").get<int>()};
  if (kind == "return")
    return engine::Return{j.at("value").get<int64_t>()};
  if (kind == "kill")
    return engine::Kill{};
  throw std::runtime_error("unknown delayed answer \"" + kind + "\"");
}

json protections_json(const kernel::RuntimeProtections& p) {
  return {{"masked_paths", p.masked_paths},
          {"readonly_paths", p.readonly_paths},
          {"mounted_types", p.mounted_types},
          {"from_config", p.from_config}};
}

kernel::RuntimeProtections protections_of(const json& j) {
  kernel::RuntimeProtections p;
  p.masked_paths = j.at("masked_paths").get<std::vector<std::string>>();
  p.readonly_paths = j.at("readonly_paths").get<std::vector<std::string>>();
  p.mounted_types = j.at("mounted_types").get<std::map<std::string, bool>>();
  p.from_config = j.at("from_config").get<bool>();
  return p;
}

json namespace_json(const kernel::NamespaceId& ns) {
  return {{"device", ns.device}, {"inode", ns.inode}, {"kind", ns.kind}};
}

kernel::NamespaceId namespace_of(const json& j) {
  return {j.at("device").get<uint64_t>(), j.at("inode").get<uint64_t>(),
          j.at("kind").get<std::string>()};
}

// {"path", "dir", "pidns"} for a cgroup, {"problem"} for why there is none.
json cgroup_json(const std::variant<kernel::ContainerCgroup, std::string>& g) {
  return std::visit(Overloaded{[](const kernel::ContainerCgroup& c) -> json {
                                 return {{"path", c.path},
                                         {"dir", c.dir},
                                         {"pidns", namespace_json(c.pidns)}};
                               },
                               [](const std::string& problem) -> json {
                                 return {{"problem", problem}};
                               }},
                    g);
}

std::variant<kernel::ContainerCgroup, std::string> cgroup_of(const json& j) {
  if (j.contains("problem"))
    return j.at("problem").get<std::string>();
  return kernel::ContainerCgroup{j.at("path").get<std::string>(), j.at("dir").get<std::string>(),
                                 namespace_of(j.at("pidns"))};
}

table::StopMode stop_mode_of(const json& j) {
  const auto name = j.get<std::string>();
  if (auto mode = value_of<table::StopMode>(name))
    return *mode;
  throw std::runtime_error("unknown stop mode \"" + name + "\"");
}

json container_json(const ContainerState& c) {
  json delayed = json::array();
  for (const DelayedAnswer& d : c.delayed) {
    delayed.push_back({{"notification", notification_json(d.notification)},
                       {"answer", answer_json(d.answer)},
                       {"remaining_ms", d.remaining.count()},
                       {"syscall", d.syscall}});
  }
  json j = {{"id", c.info.id},
            {"pid", c.info.pid},
            {"bundle", c.info.bundle},
            {"status", c.info.status},
            {"annotations", c.info.annotations},
            {"metadata", c.info.metadata_raw},
            {"filter_pid", c.filter_pid},
            {"notify_fd", c.notify_fd},
            {"init_fd", c.init_fd ? json(*c.init_fd) : json()},
            {"init_userns", json()},
            {"protections", protections_json(c.protections)},
            {"sync_wake_up", c.sync_wake_up},
            {"notifications", c.notifications},
            {"forbidden", c.forbidden},
            {"stop_in_ms", c.stop_in ? json(c.stop_in->count()) : json()},
            {"stop_mode", name_of(c.stop_mode)},
            {"cgroup", c.cgroup ? cgroup_json(*c.cgroup) : json()},
            {"stopped", c.stopped},
            {"policy", c.policy},
            {"delayed", std::move(delayed)}};
  if (c.init_userns)
    j["init_userns"] = namespace_json(*c.init_userns);
  return j;
}

size_t fd_index(const json& j, size_t fds) {
  const auto i = j.get<size_t>();
  if (i >= fds)
    throw std::runtime_error("fd index " + std::to_string(i) + " of " + std::to_string(fds));
  return i;
}

ContainerState container_of(const json& j, size_t fds) {
  ContainerState c;
  c.info.id = j.at("id").get<std::string>();
  c.info.pid = j.at("pid").get<long>();
  c.info.bundle = j.at("bundle").get<std::string>();
  c.info.status = j.at("status").get<std::string>();
  c.info.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
  c.info.metadata_raw = j.at("metadata").get<std::string>();
  model::complete(c.info);
  // An agent built before it was kept does not send it: not known (0).
  c.filter_pid = j.value("filter_pid", 0L);
  c.notify_fd = fd_index(j.at("notify_fd"), fds);
  if (!j.at("init_fd").is_null())
    c.init_fd = fd_index(j.at("init_fd"), fds);
  if (const json& ns = j.at("init_userns"); !ns.is_null())
    c.init_userns = namespace_of(ns);
  c.protections = protections_of(j.at("protections"));
  c.sync_wake_up = j.at("sync_wake_up").get<bool>();
  c.notifications = j.at("notifications").get<uint64_t>();
  c.forbidden = j.at("forbidden").get<std::vector<std::pair<std::string, unsigned>>>();
  if (!j.at("stop_in_ms").is_null())
    c.stop_in = std::chrono::milliseconds(j.at("stop_in_ms").get<int64_t>());
  c.stop_mode = stop_mode_of(j.at("stop_mode"));
  if (const json& g = j.at("cgroup"); !g.is_null())
    c.cgroup = cgroup_of(g);
  c.stopped = j.at("stopped").get<bool>();
  c.policy = j.at("policy").get<std::string>();
  for (const json& d : j.at("delayed")) {
    c.delayed.push_back({notification_of(d.at("notification")), answer_of(d.at("answer")),
                         std::chrono::milliseconds(d.at("remaining_ms").get<int64_t>()),
                         d.at("syscall").get<std::string>()});
  }
  return c;
}

}  // namespace

json to_json(const State& s) {
  json containers = json::array();
  for (const ContainerState& c : s.containers)
    containers.push_back(container_json(c));
  return {{"table_hash", s.table_hash},
          {"record_path", s.record_path},
          {"record_seq", s.record_seq},
          {"fds", s.fds},
          {"containers", std::move(containers)}};
}

State state_from_json(const json& j) {
  try {
    State s;
    s.table_hash = j.at("table_hash").get<std::string>();
    s.record_path = j.at("record_path").get<std::string>();
    s.record_seq = j.at("record_seq").get<uint64_t>();
    s.fds = j.at("fds").get<size_t>();
    const json& containers = j.at("containers");
    for (size_t i = 0; i < containers.size(); ++i) {
      try {
        s.containers.push_back(container_of(containers.at(i), s.fds));
      } catch (const std::exception& e) {
        throw std::runtime_error("containers[" + std::to_string(i) + "]: " + e.what());
      }
    }
    return s;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("the hand-over state: ") + e.what());
  }
}

}  // namespace sa::agent::handover
