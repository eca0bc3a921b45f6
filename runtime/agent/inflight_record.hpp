// The last notification id an agent received from one notify fd, kept in a
// memfd that the holder holds beside the fd (holder_client.hpp): a plain
// memory store per notification, no syscall, and it survives the agent's
// crash because the page belongs to the memfd, not to the process.
//
// Why the last id is enough: the kernel numbers one filter's notifications
// in order (next_id++), a received notification stays "sent" until someone
// answers its id, and RECV never returns it again. An agent started after a
// crash asks SECCOMP_IOCTL_NOTIF_ID_VALID for the ids around the last one
// received (orphans()): those still valid were received by the dead agent
// and never answered, and their callers wait for them.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "kernel/unique_fd.hpp"

namespace sa::agent {

class InflightRecord {
 public:
  // A fresh record and its memfd, to deposit with the holder. Throws
  // kernel::SysError.
  static std::pair<InflightRecord, kernel::UniqueFd> create();
  // The record of a dead agent, as the holder gave it back. Throws
  // kernel::SysError when `fd` is not a record (size, seals).
  static InflightRecord map(const kernel::UniqueFd& fd);

  InflightRecord(InflightRecord&& other) noexcept : words_(std::exchange(other.words_, nullptr)) {}
  InflightRecord& operator=(InflightRecord&&) = delete;
  InflightRecord(const InflightRecord&) = delete;
  ~InflightRecord();

  // On the container's loop, right after each RECV.
  void received(uint64_t id) noexcept;
  // The last id received; nullopt before the first.
  std::optional<uint64_t> last() const noexcept;

 private:
  explicit InflightRecord(uint64_t* words) : words_(words) {}
  uint64_t* words_;  // [0] kSet once an id is there, [1] the id
};

}  // namespace sa::agent
