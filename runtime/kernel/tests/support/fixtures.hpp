// Captured runtime messages (fixtures/, see capture.sh) and fds to pass
// along with them.
#pragma once

#include <string>
#include <vector>

#include "kernel/unique_fd.hpp"

namespace sa::kernel::testing {

// The text of fixtures/NAME, read relative to the repository root (where
// tests run).
std::string fixture(const std::string& name);

// `count` fresh fds (eventfds) standing in for what a runtime passes.
std::vector<UniqueFd> some_fds(size_t count);

// True when `fd` is an open descriptor of this process.
bool is_open(int fd);

}  // namespace sa::kernel::testing
