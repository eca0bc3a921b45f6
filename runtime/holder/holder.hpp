// seccomp-agent-holder: keeps a duplicate of every notify fd the agent
// serves, so that the fds outlive a crash of the agent (issue 12 part 2).
// One agent at a time is its client (holder_protocol.hpp); a new connection
// replaces the previous one, which is how a restarted agent, or the
// successor of a --takeover, becomes the client.
//
// Per entry (a key the agent chose) it keeps the fds deposited (the notify
// fd first, then the init's pidfd and the agent's in-flight record, as the
// agent sends them) and the agent's blob. It drops an entry whose notify fd
// hangs up (the container is gone), and when no agent has been connected
// for `give_up` it closes every fd it holds: callers then get ENOSYS, as
// without a holder, instead of waiting for ever for an agent that does not
// come back.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kernel/container_socket.hpp"
#include "kernel/unique_fd.hpp"

namespace sa::holder {

struct HolderOptions {
  std::filesystem::path socket_path;
  std::vector<uid_t> allowed_uids;  // besides root
  std::chrono::milliseconds give_up{60000};
};

class Holder {
 public:
  // Binds the socket; throws kernel::SysError.
  explicit Holder(HolderOptions options);

  // Serves until a signal arrives on `signal_fd` (a signalfd); 0 then.
  int run(int signal_fd);

 private:
  struct Entry {
    std::string blob;
    std::vector<kernel::UniqueFd> fds;  // fds[0]: the notify fd
  };

  void on_connection();
  void hand_back();
  void on_agent_frame();
  void agent_gone(const std::string& why);
  void drop_hung_up(const std::vector<std::string>& keys);
  void give_up();

  HolderOptions options_;
  kernel::ContainerSocket socket_;
  kernel::UniqueFd agent_;
  pid_t agent_pid_ = 0;
  std::map<std::string, Entry> entries_;
  // Since when no agent is connected; nullopt while one is.
  std::optional<std::chrono::steady_clock::time_point> alone_since_;
};

}  // namespace sa::holder
