// Runs a function in a forked child (where a seccomp filter can be loaded
// without touching the test process) and returns the numbers it produced,
// over the kernel tests' Child and its channel.
#pragma once

#include <cerrno>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/child.hpp"

namespace sa::profile::test {

// A syscall's result as the caller sees it: the return value, or -errno.
inline long result_of(long rc) {
  return rc == -1 ? -errno : rc;
}

// `values` as two messages, their count then the values (none when empty:
// an empty message reads as the child's exit).
inline void send_longs(const kernel::testing::Channel& channel, const std::vector<long>& values) {
  channel.put(values.size());
  if (!values.empty())
    channel.send(values.data(), values.size() * sizeof(long));
}

inline std::vector<long> receive_longs(const kernel::testing::Channel& channel) {
  std::vector<long> out(channel.get<size_t>());
  if (!out.empty())
    channel.receive(out.data(), out.size() * sizeof(long));
  return out;
}

// Throws when the child does not exit normally with status 0.
inline void expect_success(kernel::testing::Child& child) {
  const int status = child.wait();
  if (status != 0)
    throw std::runtime_error("child failed with status " + std::to_string(status));
}

// `body` runs in the child; its results come back over the channel.
inline std::vector<long> in_child(const std::function<std::vector<long>()>& body) {
  kernel::testing::Child child =
      kernel::testing::Child::spawn([&](const kernel::testing::Channel& channel) {
        send_longs(channel, body());
        return 0;
      });
  std::vector<long> out = receive_longs(child.channel());
  expect_success(child);
  return out;
}

}  // namespace sa::profile::test
