#include "kernel/caller_facts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <string_view>

#include "kernel/sys_error.hpp"

namespace sa::kernel {
namespace {

// What the kernel shows for an id the namespace cannot represent.
uint32_t overflow_id(const char* file) {
  std::ifstream in(file);
  uint32_t id = 0;
  if (!(in >> id)) {
    throw SysError(EIO, std::string("read ") + file);
  }
  return id;
}

uint32_t overflow_uid() {
  static const uint32_t id = overflow_id("/proc/sys/kernel/overflowuid");
  return id;
}

uint32_t overflow_gid() {
  static const uint32_t id = overflow_id("/proc/sys/kernel/overflowgid");
  return id;
}

// A process's id map (uid_map or gid_map); nullopt when it is gone.
std::optional<std::vector<IdRange>> id_map(const ProcDir& proc, const char* map_file) {
  const auto text = proc.read_text(map_file);
  if (!text) {
    return std::nullopt;
  }
  return parse_id_map(*text);
}

}  // namespace

std::string NamespaceId::name() const {
  return kind + ":[" + std::to_string(inode) + "]";
}

namespace {

// Every namespace is an inode of the one nsfs: its device, from our own.
dev_t nsfs_device() {
  static const dev_t device = [] {
    struct stat st {};
    if (::stat("/proc/self/ns/user", &st) != 0) {
      throw_errno("stat /proc/self/ns/user");
    }
    return st.st_dev;
  }();
  return device;
}

// The inode in a namespace link's text, "KIND:[INODE]".
std::optional<ino_t> link_inode(std::string_view text, std::string_view kind) {
  if (text.size() < kind.size() + 3 || text.substr(0, kind.size()) != kind ||
      text.substr(kind.size(), 2) != ":[" || text.back() != ']') {
    return std::nullopt;
  }
  const std::string_view digits = text.substr(kind.size() + 2, text.size() - kind.size() - 3);
  ino_t inode = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return inode;
}

}  // namespace

// The link's text rather than a stat through it: the same inode number,
// without resolving the link to the namespace's file (a tenth of an
// emulated mkdir's system time went there).
std::optional<NamespaceId> namespace_of(const ProcDir& proc, const char* kind) {
  const std::string relative = std::string("ns/") + kind;
  char text[64];
  const ssize_t n = ::readlinkat(proc.get(), relative.c_str(), text, sizeof text);
  if (n < 0) {
    if (is_process_gone(errno)) {
      return std::nullopt;
    }
    throw_errno("readlink /proc/" + std::to_string(proc.pid()) + "/" + relative);
  }
  const auto inode = link_inode(std::string_view(text, static_cast<size_t>(n)), kind);
  if (!inode) {
    throw SysError(EIO, "unexpected /proc/" + std::to_string(proc.pid()) + "/" + relative + ": " +
                            std::string(text, static_cast<size_t>(n)));
  }
  return NamespaceId{nsfs_device(), *inode, kind};
}

const NamespaceId& own_user_namespace() {
  static const NamespaceId own = [] {
    struct stat st {};
    if (::stat("/proc/self/ns/user", &st) != 0) {
      throw_errno("stat /proc/self/ns/user");
    }
    return NamespaceId{st.st_dev, st.st_ino, "user"};
  }();
  return own;
}

std::optional<NamespaceId> user_namespace_of(pid_t pid) {
  const auto proc = ProcDir::open(pid);
  if (!proc) {
    return std::nullopt;
  }
  return namespace_of(*proc, "user");
}

std::optional<ProcessIdentity> read_process_identity(
    const ProcDir& proc, const std::optional<NamespaceId>& container_userns) {
  const auto status = proc.read_text("status");
  auto userns = namespace_of(proc, "user");
  if (!status || !userns) {
    return std::nullopt;
  }
  ProcessIdentity identity{parse_status(*status), {}};
  const StatusFields& fields = identity.status;
  CallerFacts& facts = identity.facts;
  facts.cap_effective = fields.cap_effective;
  facts.umask = fields.umask;
  if (*userns == own_user_namespace()) {
    // The maps of our own namespace are relative to its parent: the ids in
    // status are already the ones the caller sees.
    facts.uid = fields.euid;
    facts.gid = fields.egid;
    identity.ns_fsuid = fields.fsuid;
    identity.ns_fsgid = fields.fsgid;
  } else {
    const auto uids = id_map(proc, "uid_map");
    const auto gids = id_map(proc, "gid_map");
    if (!uids || !gids) {
      return std::nullopt;
    }
    facts.uid = map_into_namespace(fields.euid, *uids).value_or(overflow_uid());
    facts.gid = map_into_namespace(fields.egid, *gids).value_or(overflow_gid());
    identity.ns_fsuid = map_into_namespace(fields.fsuid, *uids).value_or(overflow_uid());
    identity.ns_fsgid = map_into_namespace(fields.fsgid, *gids).value_or(overflow_gid());
  }
  identity.own_user_namespace = !(*userns == own_user_namespace());
  facts.userns_is_container =
      container_userns && *userns == *container_userns && !(*userns == own_user_namespace());
  facts.userns = std::move(*userns);
  return identity;
}

std::optional<CallerFacts> read_process_facts(const ProcDir& proc,
                                              const std::optional<NamespaceId>& container_userns) {
  auto identity = read_process_identity(proc, container_userns);
  if (!identity) {
    return std::nullopt;
  }
  return std::move(identity->facts);
}

std::optional<uint64_t> process_age_ms(const ProcDir& proc) {
  const auto stat = proc.read_text("stat");
  if (!stat)
    return std::nullopt;
  const auto start = stat_start_time(*stat);
  struct timespec now {};
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (!start || ticks <= 0 || ::clock_gettime(CLOCK_BOOTTIME, &now) != 0)
    return std::nullopt;
  const uint64_t started_ms = *start / static_cast<uint64_t>(ticks) * 1000U +
                              *start % static_cast<uint64_t>(ticks) * 1000U /
                                  static_cast<uint64_t>(ticks);
  const uint64_t now_ms =
      static_cast<uint64_t>(now.tv_sec) * 1000U + static_cast<uint64_t>(now.tv_nsec) / 1000000U;
  // Ticks are coarser than the clock: a process started in this tick may
  // look a few milliseconds younger than 0.
  return now_ms > started_ms ? now_ms - started_ms : 0;
}

CallerFactsResult read_caller_facts(const NotifyFd& notify, const Notification& n,
                                    const std::optional<NamespaceId>& container_userns) {
  const auto proc = ProcDir::open(static_cast<pid_t>(n.pid));
  if (!proc || !notify.id_valid(n.id)) {
    return {FactsOutcome::TargetGone, {}};
  }
  auto facts = read_process_facts(*proc, container_userns);
  if (!facts) {
    return {FactsOutcome::TargetGone, {}};
  }
  facts->age_ms = process_age_ms(*proc);
  return {FactsOutcome::Read, std::move(*facts)};
}

}  // namespace sa::kernel
