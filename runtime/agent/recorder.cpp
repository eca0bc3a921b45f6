#include "agent/recorder.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "agent/log.hpp"
#include "model/catalog/arch.hpp"
#include "model/catalog/syscalls.hpp"
#include "model/codec/trace_json.hpp"

namespace sa::agent {
namespace {

// A trace holds one header and one table (the reader refuses a second
// header). A trace file that already has records - an agent started again
// after a crash or by hand, or a successor with another table - is moved
// aside to PATH.N, never appended to, so that each file replays on its own.
// Anything but a regular file (a FIFO, /dev/stdout) is written as it is.
void move_aside(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
    return;
  for (unsigned n = 1; n < 100000; ++n) {
    const std::string aside = fmt::format("{}.{}", path, n);
    // RENAME_NOREPLACE: a trace kept before is never replaced.
    if (::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, aside.c_str(), RENAME_NOREPLACE) == 0) {
      log_event(spdlog::level::info, "earlier trace moved aside",
                {{"file", path}, {"kept_as", aside}});
      return;
    }
    if (errno != EEXIST) {
      throw std::runtime_error(fmt::format("cannot move the earlier trace {} aside to {}: {}", path,
                                           aside, std::strerror(errno)));
    }
  }
  throw std::runtime_error(fmt::format("cannot move the earlier trace {} aside: {}.1 to {}.99999 "
                                       "are all taken",
                                       path, path, path));
}

std::string moved_aside_unless(bool continued, const std::string& path) {
  if (!continued)
    move_aside(path);
  return path;
}

}  // namespace

Recorder::Recorder(const std::string& path, const std::string& table_hash,
                   std::optional<uint64_t> after_seq)
    : path_(path),
      file_(moved_aside_unless(after_seq.has_value(), path), std::ios::app),
      seq_(after_seq.value_or(0)),
      continued_(after_seq.has_value()) {
  if (!file_) {
    throw std::runtime_error(
        fmt::format("cannot open {} for recording: {}", path, std::strerror(errno)));
  }
  trace::Header h;
  h.table_hash = table_hash;
  if (continued_)
    writer_.emplace(file_);
  else
    writer_.emplace(file_, h);
  file_.flush();
}

uint64_t Recorder::last_seq() {
  const std::lock_guard lock(mutex_);
  return seq_;
}

void Recorder::check() {
  file_.flush();
  if (!writer_->ok() || !file_) {
    log_event(spdlog::level::err, "recording failed", {{"file", path_}});
    file_.clear();
  }
}

// Recording serves the operator; it must never take the agent down with
// it (the containers would get ENOSYS): a record that cannot be written is
// logged and dropped.
template <typename Write>
void Recorder::write(const Write& w) {
  try {
    w();
  } catch (const std::exception& e) {
    log_event(spdlog::level::err, "recording failed", {{"file", path_}, {"error", e.what()}});
  }
  check();
}

void Recorder::container(const model::ContainerInfo& c) {
  const std::lock_guard lock(mutex_);
  write([&] { writer_->container(c); });
}

void Recorder::notification(trace::NotificationRecord& r) {
  const std::lock_guard lock(mutex_);
  r.seq = ++seq_;
  write([&] { writer_->notification(r); });
}

std::string syscall_name(const model::Notification& n, std::string_view decided) {
  if (!decided.empty())
    return std::string(decided);
  const auto arch = catalog::find_arch_by_audit(n.audit_arch);
  return arch ? catalog::syscall_name(*arch, n.nr) : std::string();
}

trace::NotificationRecord start_record(const model::ContainerInfo& c, const model::Notification& n,
                                       const engine::Decision& d, engine::RecordingFacts& facts) {
  trace::NotificationRecord r;
  r.time = trace::rfc3339_utc(std::chrono::system_clock::now());
  r.container = c.id;
  r.call = n;
  const auto arch = catalog::find_arch_by_audit(n.audit_arch);
  r.arch = arch ? arch->name : fmt::format("{:#x}", n.audit_arch);
  r.syscall = syscall_name(n, d.syscall);
  const catalog::SyscallSignature* sig = catalog::find_signature(r.syscall);
  facts.complete(sig, /*with_caller=*/true);
  facts.fill(r, sig);
  r.decision = d.record();
  return r;
}

}  // namespace sa::agent
