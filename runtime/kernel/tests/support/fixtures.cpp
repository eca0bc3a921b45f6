#include "fixtures.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "kernel/sys_error.hpp"

namespace sa::kernel::testing {

std::string fixture(const std::string& name) {
  const std::string path = "runtime/kernel/tests/fixtures/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open " + path + " (run tests from the repository root)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<UniqueFd> some_fds(size_t count) {
  std::vector<UniqueFd> fds;
  for (size_t i = 0; i < count; ++i) {
    UniqueFd fd(::eventfd(0, EFD_CLOEXEC));
    if (!fd) {
      throw_errno("eventfd");
    }
    fds.push_back(std::move(fd));
  }
  return fds;
}

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

}  // namespace sa::kernel::testing
