#include "agent/inflight_record.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>

#include "kernel/sys_error.hpp"

namespace sa::agent {
namespace {

constexpr size_t kBytes = 4096;
constexpr uint64_t kSet = 0x5341'494e'464c'5431;  // "SAINFLT1"

uint64_t* map_shared(int fd) {
  void* p = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    kernel::throw_errno("mmap the in-flight record");
  return static_cast<uint64_t*>(p);
}

}  // namespace

std::pair<InflightRecord, kernel::UniqueFd> InflightRecord::create() {
  kernel::UniqueFd fd(::memfd_create("seccomp-agent-inflight", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd)
    kernel::throw_errno("memfd_create");
  if (::ftruncate(fd.get(), kBytes) != 0)
    kernel::throw_errno("ftruncate the in-flight record");
  // Its size can no longer change: a mapping never faults past the end.
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
    kernel::throw_errno("seal the in-flight record");
  return {InflightRecord(map_shared(fd.get())), std::move(fd)};
}

InflightRecord InflightRecord::map(const kernel::UniqueFd& fd) {
  const int seals = ::fcntl(fd.get(), F_GET_SEALS);
  struct stat st {};
  if (seals < 0 || (seals & F_SEAL_SHRINK) == 0 || ::fstat(fd.get(), &st) != 0 ||
      st.st_size != static_cast<off_t>(kBytes))
    throw kernel::SysError(EINVAL, "the in-flight record given back is not one");
  return InflightRecord(map_shared(fd.get()));
}

InflightRecord::~InflightRecord() {
  if (words_ != nullptr)
    ::munmap(words_, kBytes);
}

void InflightRecord::received(uint64_t id) noexcept {
  std::atomic_ref<uint64_t>(words_[1]).store(id, std::memory_order_release);
  std::atomic_ref<uint64_t>(words_[0]).store(kSet, std::memory_order_release);
}

std::optional<uint64_t> InflightRecord::last() const noexcept {
  if (std::atomic_ref<uint64_t>(words_[0]).load(std::memory_order_acquire) != kSet)
    return std::nullopt;
  return std::atomic_ref<uint64_t>(words_[1]).load(std::memory_order_acquire);
}

}  // namespace sa::agent
