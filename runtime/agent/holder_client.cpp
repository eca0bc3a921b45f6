#include "agent/holder_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "agent/log.hpp"
#include "holder/holder_protocol.hpp"
#include "kernel/container_socket.hpp"
#include "kernel/framed_socket.hpp"

namespace sa::agent {
namespace {

using namespace std::chrono_literals;

holder::Message receive(int socket) {
  kernel::Frame f =
      kernel::receive_frame(socket, holder::kMaxBodyBytes, holder::kMaxEntryFds);
  return holder::decode(std::move(f.body), std::move(f.fds));
}

HeldContainer held_of(holder::Message m) {
  HeldContainer h;
  h.key = m.key;
  handover::State s = handover::state_from_json(nlohmann::json::parse(m.blob));
  if (s.containers.size() != 1 || m.fds.size() != s.fds + 1)
    throw std::runtime_error(fmt::format("entry \"{}\": {} containers with {} fds", m.key,
                                         s.containers.size(), m.fds.size()));
  h.state = std::move(s.containers[0]);
  h.inflight = std::move(m.fds.back());
  m.fds.pop_back();
  h.fds = std::move(m.fds);
  return h;
}

// One container's state as the holder keeps it: notify fd 0, init's pidfd 1.
std::string blob_of(const handover::ContainerState& state, bool with_init) {
  handover::State s;
  s.containers.push_back(state);
  s.containers[0].notify_fd = 0;
  s.containers[0].init_fd.reset();
  if (with_init)
    s.containers[0].init_fd = 1;
  s.fds = with_init ? 2 : 1;
  return handover::to_json(s).dump();
}

}  // namespace

HolderClient::HolderClient(std::string path, const std::vector<uid_t>& allowed_uids)
    : path_(std::move(path)) {
  try {
    socket_ = kernel::connect_unix_socket(path_);
    const kernel::PeerCredentials peer = kernel::peer_credentials(socket_.get());
    if (peer.uid != 0 &&
        std::find(allowed_uids.begin(), allowed_uids.end(), peer.uid) == allowed_uids.end())
      throw std::runtime_error(fmt::format("pid {} runs as uid {}, neither root nor an allowed uid",
                                           peer.pid, peer.uid));
    kernel::set_io_timeout(socket_.get(), 10s);
    holder::Message hello = receive(socket_.get());
    if (hello.op != holder::Op::Hello || hello.key != holder::kHello)
      throw std::runtime_error(fmt::format("it said \"{}\", not \"{}\"", hello.key, holder::kHello));
    for (;;) {
      holder::Message m = receive(socket_.get());
      if (m.op == holder::Op::End)
        break;
      if (m.op != holder::Op::Entry)
        throw std::runtime_error("a frame other than an entry before the end");
      held_.push_back(held_of(std::move(m)));
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("--holder {}: {}", path_, e.what()));
  }
}

void HolderClient::deposit(const std::string& key, const handover::ContainerState& state,
                           int notify, int init, int inflight) {
  std::vector<int> fds = {notify};
  if (init >= 0)
    fds.push_back(init);
  fds.push_back(inflight);
  send(holder::encode(holder::Op::Deposit, key, blob_of(state, init >= 0)), fds);
}

void HolderClient::update(const std::string& key, const handover::ContainerState& state,
                          bool with_init) {
  send(holder::encode(holder::Op::Update, key, blob_of(state, with_init)), {});
}

void HolderClient::withdraw(const std::string& key) {
  send(holder::encode(holder::Op::Withdraw, key), {});
}

void HolderClient::detach() {
  const std::lock_guard lock(mutex_);
  socket_.reset();
}

void HolderClient::send(const std::string& body, const std::vector<int>& fds) {
  const std::lock_guard lock(mutex_);
  if (!socket_)
    return;
  try {
    kernel::send_frame(socket_.get(), body, fds);
  } catch (const std::exception& e) {
    // Serving on beats failing every call; the operator must know that a
    // crash would no longer be survived.
    log_event(spdlog::level::err, "holder lost: a crash of the agent is no longer survived",
              {{"holder", path_}, {"error", e.what()}});
    socket_.reset();
  }
}

}  // namespace sa::agent
