#include "holder/holder.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/signalfd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <utility>

#include "holder/holder_protocol.hpp"
#include "kernel/framed_socket.hpp"
#include "kernel/notify_fd.hpp"
#include "kernel/sys_error.hpp"

namespace sa::holder {
namespace {

using namespace std::chrono_literals;

// Frames come whole from an agent that is alive; one that stalls mid-frame
// is dropped rather than holding up the holder.
constexpr std::chrono::milliseconds kIoTimeout = 10s;

void log_line(const std::string& text) {
  fmt::print(stderr, "seccomp-agent-holder: {}\n", text);
}

}  // namespace

Holder::Holder(HolderOptions options)
    : options_(std::move(options)),
      socket_(kernel::ContainerSocket::listen(options_.socket_path, options_.allowed_uids)),
      alone_since_(std::chrono::steady_clock::now()) {}

int Holder::run(int signal_fd) {
  log_line(fmt::format("listening on {}, giving up after {} ms without an agent",
                       options_.socket_path.string(), options_.give_up.count()));
  for (;;) {
    std::vector<pollfd> fds = {{signal_fd, POLLIN, 0}, {socket_.get(), POLLIN, 0},
                               {agent_ ? agent_.get() : -1, POLLIN, 0}};
    std::vector<std::string> keys;
    for (const auto& [key, entry] : entries_) {
      // No POLLIN: pending notifications are the agent's; only the hang-up
      // (no task left in the filter) is the holder's.
      fds.push_back({entry.fds[0].get(), 0, 0});
      keys.push_back(key);
    }
    int timeout = -1;
    if (alone_since_ && !entries_.empty()) {
      const auto left = options_.give_up - (std::chrono::steady_clock::now() - *alone_since_);
      timeout = static_cast<int>(
          std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
    }
    const int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      kernel::throw_errno("poll");
    if (fds[0].revents != 0) {
      signalfd_siginfo si{};
      [[maybe_unused]] const ssize_t got = ::read(signal_fd, &si, sizeof si);
      log_line(fmt::format("stopping on signal {}, closing the fds of {} containers",
                           si.ssi_signo, entries_.size()));
      return 0;
    }
    std::vector<std::string> hung_up;
    for (size_t i = 3; i < fds.size(); ++i) {
      if ((fds[i].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
        hung_up.push_back(keys[i - 3]);
    }
    drop_hung_up(hung_up);
    if (fds[2].revents != 0)
      on_agent_frame();
    if (fds[1].revents != 0)
      on_connection();
    if (alone_since_ && !entries_.empty() &&
        std::chrono::steady_clock::now() - *alone_since_ >= options_.give_up)
      give_up();
  }
}

void Holder::on_connection() {
  kernel::Accepted a;
  try {
    a = socket_.accept();
  } catch (const std::exception& e) {
    // Never a reason to let go of what it holds.
    log_line(fmt::format("accept failed: {}", e.what()));
    return;
  }
  switch (a.outcome) {
    case kernel::AcceptOutcome::NoConnection:
    case kernel::AcceptOutcome::OutOfFds:
      return;
    case kernel::AcceptOutcome::Refused:
      log_line(fmt::format("refused pid {} uid {}: neither root nor an allowed uid", a.peer.pid,
                           a.peer.uid));
      return;
    case kernel::AcceptOutcome::Accepted:
      break;
  }
  if (agent_)
    log_line(fmt::format("agent pid {} replaced by pid {}", agent_pid_, a.peer.pid));
  agent_ = std::move(a.connection);
  agent_pid_ = a.peer.pid;
  alone_since_.reset();
  hand_back();
}

// Everything held goes to the agent that just connected; the holder keeps
// its own duplicates.
void Holder::hand_back() {
  try {
    kernel::set_io_timeout(agent_.get(), kIoTimeout);
    kernel::send_frame(agent_.get(), encode(Op::Hello, kHello));
    for (const auto& [key, entry] : entries_) {
      std::vector<int> fds;
      for (const auto& fd : entry.fds)
        fds.push_back(fd.get());
      kernel::send_frame(agent_.get(), encode(Op::Entry, key, entry.blob), fds);
    }
    kernel::send_frame(agent_.get(), encode(Op::End, ""));
  } catch (const std::exception& e) {
    agent_gone(fmt::format("handing back failed: {}", e.what()));
    return;
  }
  log_line(fmt::format("agent pid {} connected, handed back {} containers", agent_pid_,
                       entries_.size()));
}

void Holder::on_agent_frame() {
  Message m;
  try {
    kernel::Frame f = kernel::receive_frame(agent_.get(), kMaxBodyBytes, kMaxEntryFds);
    m = decode(std::move(f.body), std::move(f.fds));
  } catch (const kernel::SysError& e) {
    agent_gone(e.err() == ECONNRESET ? "disconnected" : e.what());
    return;
  } catch (const std::exception& e) {
    agent_gone(e.what());
    return;
  }
  switch (m.op) {
    case Op::Deposit:
      if (m.fds.empty() || !kernel::is_notify_fd(m.fds[0].get())) {
        agent_gone(fmt::format("deposit \"{}\" without a notify fd first", m.key));
        return;
      }
      entries_[m.key] = Entry{std::move(m.blob), std::move(m.fds)};
      return;
    case Op::Update:
      if (const auto it = entries_.find(m.key); it != entries_.end())
        it->second.blob = std::move(m.blob);
      return;  // fds that came with it close
    case Op::Withdraw:
      entries_.erase(m.key);
      return;
    case Op::Hello:
    case Op::Entry:
    case Op::End:
      agent_gone("sent an op only the holder sends");
      return;
  }
}

void Holder::agent_gone(const std::string& why) {
  log_line(fmt::format("agent pid {} gone ({}), holding {} containers", agent_pid_, why,
                       entries_.size()));
  agent_.reset();
  agent_pid_ = 0;
  alone_since_ = std::chrono::steady_clock::now();
}

void Holder::drop_hung_up(const std::vector<std::string>& keys) {
  for (const std::string& key : keys)
    entries_.erase(key);
}

void Holder::give_up() {
  log_line(fmt::format(
      "no agent for {} ms: closing the fds of {} containers (their intercepted calls fail with "
      "ENOSYS from now on)",
      options_.give_up.count(), entries_.size()));
  entries_.clear();
}

}  // namespace sa::holder
