// The ContainerProcessState a runtime sends (JSON, and fds in SCM_RIGHTS).
// The first byte says how many fds came with it (0-3, /dev/null each); the
// rest is the JSON. Properties: every fd handed in is returned (the notify
// fd) or closed, whatever the bytes; a message that parses has its notify fd.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_check.hpp"
#include "kernel/container_message.hpp"

namespace {

size_t open_fds() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (d != nullptr && ::readdir(d) != nullptr)
    ++n;
  if (d != nullptr)
    ::closedir(d);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  const size_t before = open_fds();
  std::vector<sa::kernel::UniqueFd> fds;
  for (int i = 0; i < data[0] % 4; ++i)
    fds.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  {
    sa::kernel::MessageResult r = sa::kernel::parse_container_message(bytes, std::move(fds));
    if (auto* m = std::get_if<sa::kernel::ContainerMessage>(&r))
      sa::fuzz::require(m->seccomp_fd.get() >= 0, "a parsed message holds its notify fd");
  }
  sa::fuzz::require(open_fds() == before, "every fd handed in is returned or closed");
  return 0;
}
