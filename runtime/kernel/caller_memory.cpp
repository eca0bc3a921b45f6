#include "kernel/caller_memory.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "kernel/proc_dir.hpp"
#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

size_t page_size() {
  static const size_t size = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

model::StringRead failed(int err) {
  return {model::StringRead::Status::Failed, {}, err};
}

// Reads [address, address + want) into `out`; returns the byte count or -1
// with errno. A count of 0 means the address space is gone (the caller
// exited), which /proc/PID/mem reports as end of file.
ssize_t read_chunk(int mem, uint64_t address, char* out, size_t want) {
  ssize_t n = 0;
  do {
    n = ::pread(mem, out, want, static_cast<off_t>(address));
  } while (n < 0 && errno == EINTR);
  return n;
}

}  // namespace

size_t mount_data_limit() {
  return page_size();
}

std::optional<CallerMemory> CallerMemory::open(const NotifyFd& notify, const Notification& n) {
  const std::string path = "/proc/" + std::to_string(n.pid) + "/mem";
  UniqueFd mem(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!mem) {
    if (is_process_gone(errno)) {
      return std::nullopt;
    }
    throw_errno("open " + path);
  }
  if (!notify.id_valid(n.id)) {
    return std::nullopt;
  }
  return CallerMemory(std::move(mem));
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
    const ssize_t n = read_chunk(mem_.get(), address, text.data() + old, want);
    if (n < 0) {
      return failed(errno != 0 ? errno : EFAULT);
    }
    if (n == 0) {
      return failed(ESRCH);
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

}  // namespace sa::kernel
