#include "agent/registry.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <string>

#include "kernel/sys_error.hpp"

namespace sa::agent {
namespace {

// The binding `g` gives a container: the policy its engine selects for
// `info` (`why` receives the reason) and whether that policy publishes the
// container's notifications to Falco.
Binding binding_for(const Generation& g, const model::ContainerInfo& info, std::string* why) {
  const table::Policy* policy = g.engine->select_policy(info, why);
  return Binding{g, policy, engine::Engine::publishes(policy, info, table::Sink::Falco)};
}

}  // namespace

Registry::Registry(Telemetry& telemetry, Generation initial)
    : telemetry_(telemetry), current_(std::move(initial)) {}

Generation Registry::generation() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

std::shared_ptr<Container> Registry::add(kernel::ContainerMessage m, Loop& loop,
                                         bool sync_wake_up) {
  const int watch_fd = ::dup(m.seccomp_fd.get());
  if (watch_fd < 0) {
    telemetry_.dropped(m.state.id, std::strerror(errno));
    return nullptr;
  }
  auto c = std::make_shared<Container>(loop, kernel::NotifyFd(std::move(m.seccomp_fd)), watch_fd);
  c->info.id = m.state.id;
  c->info.pid = m.state.pid;
  c->filter_pid = m.pid;
  c->info.bundle = m.state.bundle;
  c->info.status = std::string(name_of(m.state.status));
  c->info.annotations = m.state.annotations;
  c->info.metadata_raw = m.metadata;
  model::complete(c->info);
  if (m.state.pid > 0) {
    // Opened now, while the init is surely the container's, so that a later
    // stop cannot hit a process that reused the pid.
    try {
      if (auto fd = kernel::Pidfd::open(m.state.pid))
        c->init = std::make_shared<const kernel::Pidfd>(std::move(*fd));
    } catch (const std::exception& e) {
      telemetry_.init_unavailable(c->info.id, e.what());
    }
    c->init_userns = kernel::user_namespace_of(m.state.pid);
    c->cgroup = std::make_shared<const std::variant<kernel::ContainerCgroup, std::string>>(
        kernel::cgroup_of(m.state.pid));
  }
  c->protections = runtime_protections(c->info);
  if (sync_wake_up)
    c->sync_wake_up = !c->notify.enable_sync_wake_up().has_value();
  const auto [g, count] = enlist(c, m.state.pid <= 0);
  // Set before the container's first watch is posted to its loop.
  std::string why;
  c->binding = binding_for(g, c->info, &why);
  telemetry_.registered(*c, c->binding.policy, why, false, count);
  return c;
}

std::shared_ptr<Container> Registry::adopt(const handover::ContainerState& s,
                                           kernel::NotifyFd notify,
                                           std::shared_ptr<const kernel::Pidfd> init, Loop& loop,
                                           bool taken_back) {
  const int watch_fd = ::dup(notify.get());
  if (watch_fd < 0)
    kernel::throw_errno("dup the notify fd of container \"" + s.info.id + "\"");
  auto c = std::make_shared<Container>(loop, std::move(notify), watch_fd);
  c->info = s.info;
  c->filter_pid = s.filter_pid;
  c->init = std::move(init);
  c->init_userns = s.init_userns;
  c->protections = std::make_shared<const kernel::RuntimeProtections>(s.protections);
  c->sync_wake_up = s.sync_wake_up;
  c->notifications = s.notifications;
  for (const auto& [syscall, times] : s.forbidden)
    c->forbidden.hit(syscall, times);
  if (s.stop_in)
    c->stop_at = std::chrono::steady_clock::now() + *s.stop_in;
  c->stop_mode = s.stop_mode;
  if (s.cgroup)
    c->cgroup = std::make_shared<const std::variant<kernel::ContainerCgroup, std::string>>(*s.cgroup);
  c->stopped = s.stopped;
  const auto [g, count] = enlist(c, false);
  std::string why;
  c->binding = binding_for(g, c->info, &why);
  telemetry_.taken_over(*c, s.policy, c->binding.policy, why, count, taken_back);
  return c;
}

std::pair<Generation, size_t> Registry::enlist(const std::shared_ptr<Container>& c,
                                              bool find_init) {
  const std::lock_guard lock(mutex_);
  if (find_init)
    adopt_init(*c);
  c->serial = next_serial_++;
  containers_[c->serial] = c;
  return {current_, containers_.size()};
}

std::shared_ptr<const kernel::RuntimeProtections> Registry::runtime_protections(
    const model::ContainerInfo& info) const {
  kernel::ProtectionsRead read = kernel::read_runtime_protections(info.bundle);
  if (!read.problem.empty())
    telemetry_.protections_defaulted(info.id, read.problem);
  return std::make_shared<const kernel::RuntimeProtections>(std::move(read.protections));
}

// A runtime that does not name the init (crun's exec sends pid 0): it is the
// init of the fd already registered under the same container id.
void Registry::adopt_init(Container& c) const {
  for (const auto& [serial, other] : containers_) {
    if (other->info.id == c.info.id && other->init) {
      c.init = other->init;
      c.init_userns = other->init_userns;
      c.cgroup = other->cgroup;
      c.info.pid = other->info.pid;
      return;
    }
  }
}

bool Registry::remove(const std::shared_ptr<Container>& c, std::string_view why) {
  if (c->closed)
    return false;
  c->closed = true;
  size_t count = 0;
  {
    const std::lock_guard lock(mutex_);
    containers_.erase(c->serial);
    count = containers_.size();
  }
  c->stop_timer.cancel();
  c->loop.unwatched(c->notify.get());
  if (c->loop.followed() == c->serial)
    c->loop.unfollow();
  boost::system::error_code ignored;
  c->watch.close(ignored);
  if (holder_ != nullptr && !c->holder_key.empty())
    holder_->withdraw(c->holder_key);
  // The notify fd itself closes when the last answer in flight lets go.
  telemetry_.gone(*c, why, count);
  return true;
}

void Registry::rebind(const Generation& g) {
  std::vector<std::shared_ptr<Container>> containers;
  {
    const std::lock_guard lock(mutex_);
    current_ = g;
    for (const auto& [serial, c] : containers_)
      containers.push_back(c);
  }
  for (const auto& c : containers) {
    std::string why;
    Binding b = binding_for(g, c->info, &why);
    telemetry_.registered(*c, b.policy, why, true, 0);
    boost::asio::post(c->loop.io(), [c, b = std::move(b)] { c->binding = b; });
  }
}

std::vector<std::shared_ptr<Container>> Registry::all() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Container>> out;
  for (const auto& [serial, c] : containers_)
    out.push_back(c);
  return out;
}

}  // namespace sa::agent
