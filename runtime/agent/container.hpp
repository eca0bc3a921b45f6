// One container the agent serves: the notify fd its runtime handed over, what
// the engine knows about it, its policy, and the CRI-O-style stop state.
// Owned by the Agent; async handlers hold a shared_ptr so that an answer in
// flight (a delay, an emulation) outlives the container's registration.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "agent/forbidden_syscalls.hpp"
#include "engine/engine.hpp"
#include "kernel/caller_facts.hpp"
#include "kernel/notify_fd.hpp"
#include "kernel/pidfd.hpp"
#include "model/call/container_info.hpp"

namespace sa::agent {

struct Container {
  Container(boost::asio::io_context& io, kernel::NotifyFd fd, int watch_fd)
      : notify(std::move(fd)), watch(io, watch_fd), stop_timer(io) {}

  uint64_t serial = 0;  // registration order, unique for the agent's life
  model::ContainerInfo info;
  kernel::NotifyFd notify;
  // A duplicate of the notify fd registered with the reactor: readiness only.
  boost::asio::posix::stream_descriptor watch;
  // The container's init, to stop it; shared by every fd of one container
  // (an exec brings its own fd, and crun's exec does not name the init).
  std::shared_ptr<const kernel::Pidfd> init;
  std::optional<kernel::NamespaceId> init_userns;
  bool sync_wake_up = false;

  // The engine in force and the policy it chose; swapped together on reload.
  std::shared_ptr<const engine::Engine> engine;
  const table::Policy* policy = nullptr;

  ForbiddenSyscalls forbidden;
  boost::asio::steady_timer stop_timer;
  bool stopped = false;
  bool closed = false;
  uint64_t notifications = 0;

  std::string label() const { return info.id.empty() ? "#" + std::to_string(serial) : info.id; }
};

}  // namespace sa::agent
