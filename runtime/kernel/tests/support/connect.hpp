// The client side of the agent's socket, as a container runtime opens it.
#pragma once

#include <string>

#include "kernel/unique_fd.hpp"

namespace sa::kernel::testing {

// A connected unix stream socket; throws SysError (ENAMETOOLONG for a path
// that does not fit sun_path, else connect's errno) with the path.
UniqueFd connect_unix(const std::string& path);

}  // namespace sa::kernel::testing
