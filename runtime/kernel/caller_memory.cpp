#include "kernel/caller_memory.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sa::kernel {
namespace {

size_t page_size() {
  static const size_t size = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

model::StringRead failed(int err) {
  return {model::StringRead::Status::Failed, {}, err};
}

// Reads [address, address + want) of `pid`'s memory into `out`; returns the
// byte count or -1 with errno.
ssize_t read_chunk(pid_t pid, uint64_t address, char* out, size_t want) {
  const iovec local{out, want};
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a caller's address, never dereferenced here
  const iovec remote{reinterpret_cast<void*>(address), want};
  return ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

}  // namespace

size_t mount_data_limit() {
  return page_size();
}

int CallerMemory::read_bytes(uint64_t address, void* out, size_t size) const {
  auto* bytes = static_cast<char*>(out);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read_chunk(pid_, address + done, bytes + done, size - done);
    if (n < 0)
      return errno;
    if (n == 0)
      return EFAULT;
    done += static_cast<size_t>(n);
  }
  return 0;
}

model::StringRead CallerMemory::read_string(uint64_t address, size_t limit,
                                            Overflow overflow) const {
  using Status = model::StringRead::Status;
  if (address == 0) {
    return {Status::Null, {}, 0};
  }
  std::string text;
  const size_t page = page_size();
  while (text.size() < limit) {
    // Never cross a page boundary in one read: a string that ends before an
    // unmapped page must not fail because of the bytes after it.
    const uint64_t to_page_end = page - (address & (page - 1));
    const size_t want = static_cast<size_t>(std::min<uint64_t>(to_page_end, limit - text.size()));
    const size_t old = text.size();
    text.resize(old + want);
    const ssize_t n = read_chunk(pid_, address, text.data() + old, want);
    if (n < 0) {
      return failed(errno != 0 ? errno : EFAULT);
    }
    if (n == 0) {
      return failed(EFAULT);  // not seen: a read within one page is whole or fails
    }
    const size_t got = static_cast<size_t>(n);
    if (const void* nul = std::memchr(text.data() + old, '\0', got)) {
      text.resize(static_cast<size_t>(static_cast<const char*>(nul) - text.data()));
      return {Status::Ok, std::move(text), 0};
    }
    text.resize(old + got);
    address += got;
  }
  switch (overflow) {
    case Overflow::Fail:
      return failed(ENAMETOOLONG);
    case Overflow::Truncate:
      text.resize(limit > 0 ? limit - 1 : 0);
      return {Status::Ok, std::move(text), 0};
  }
  return failed(ENAMETOOLONG);
}

int CallerMemory::read_bytes(uint64_t address, size_t size, std::vector<char>& out) const {
  out.assign(size, '\0');
  if (size == 0)
    return 0;
  const ssize_t n = read_chunk(pid_, address, out.data(), size);
  if (n < 0)
    return errno != 0 ? errno : EFAULT;
  return static_cast<size_t>(n) == size ? 0 : EFAULT;
}

}  // namespace sa::kernel
