// The name of one of this process's fds under /proc ("self/fd/N",
// "thread-self/fd/N"), for opening the file again by that name relative to
// an fd of /proc. Written without allocating: the emulators call it on a
// thread acting as a caller and in children between fork and exit.
#pragma once

#include <cstddef>

namespace sa::kernel {

// Room for the longest prefix below and any fd number.
constexpr std::size_t kProcFdLinkSize = 32;

// `prefix` is "self/fd/" or "thread-self/fd/"; `fd` is not negative.
inline void proc_fd_link(const char* prefix, int fd, char (&out)[kProcFdLinkSize]) {
  char digits[12];
  int count = 0;
  auto v = static_cast<unsigned>(fd);
  do {
    digits[count++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  std::size_t i = 0;
  for (; prefix[i] != '\0'; ++i)
    out[i] = prefix[i];
  while (count > 0)
    out[i++] = digits[--count];
  out[i] = '\0';
}

}  // namespace sa::kernel
