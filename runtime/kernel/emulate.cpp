#include "kernel/emulate.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "kernel/caller_context.hpp"

namespace sa::kernel {
namespace {

// ---- The calls, as run in the child. Arguments are prepared by the agent.

SyscallResult result_of(long ret) {
  return ret < 0 ? SyscallResult{ret, errno} : SyscallResult{ret, 0};
}

struct PathCall {
  int dirfd;  // AT_FDCWD or the borrowed fd
  const char* path;
  mode_t mode;
};

SyscallResult do_mkdirat(const void* raw) {
  const auto& a = *static_cast<const PathCall*>(raw);
  return result_of(::syscall(SYS_mkdirat, a.dirfd, a.path, a.mode));
}

SyscallResult do_fchmodat(const void* raw) {
  const auto& a = *static_cast<const PathCall*>(raw);
  return result_of(::syscall(SYS_fchmodat, a.dirfd, a.path, a.mode));
}

SyscallResult do_fchmod(const void* raw) {
  const auto& a = *static_cast<const PathCall*>(raw);
  return result_of(::syscall(SYS_fchmod, a.dirfd, a.mode));
}

struct MountCall {
  const char* source;
  const char* target;
  const char* fstype;
  unsigned long flags;
  const char* data;
};

SyscallResult do_mount(const void* raw) {
  const auto& a = *static_cast<const MountCall*>(raw);
  return result_of(::syscall(SYS_mount, a.source, a.target, a.fstype, a.flags, a.data));
}

const char* c_str_or_null(const std::optional<std::string>& s) {
  return s ? s->c_str() : nullptr;
}

// ---- The agent's side: open the context, run the call, report.

EmulationResult done(SyscallResult r) {
  return {EmulationOutcome::Done, r, std::nullopt};
}

EmulationResult gone() {
  return {EmulationOutcome::TargetGone, {}, std::nullopt};
}

EmulationResult failed(const SysError& e) {
  return {EmulationOutcome::Failed, {}, e};
}

EmulationResult from_report(const ChildReport& report) {
  // Every other step is where the child failed to get into the caller's
  // context, and names the call that failed.
  if (report.step == ChildStep::Done)
    return done(report.result);
  if (report.step == ChildStep::TargetGone)
    return gone();
  return failed(SysError(report.err, "emulation: " + std::string(name_of(report.step))));
}

// Opens what `needs` asks for and runs `op` on `call` there. When an fd was
// borrowed, its number (valid in the child, which shares or copies the
// agent's fd table) goes into `*borrowed_slot` first.
EmulationResult run(const NotifyFd& notify, const Notification& n, ContextNeeds needs,
                    const EmulateOptions& options, CallerOperation op, const void* call,
                    int* borrowed_slot) {
  needs.user_ns = options.enter_user_namespace;
  try {
    OpenedContext opened = CallerContext::open(notify, n, needs);
    switch (opened.outcome) {
      case ContextOutcome::TargetGone:
        return gone();
      case ContextOutcome::BadFd:
        return done({-1, EBADF});
      case ContextOutcome::Opened:
        break;
    }
    if (borrowed_slot != nullptr) {
      *borrowed_slot = opened.context->borrowed_fd();
    }
    return from_report(run_in_caller(opened.context->environment(), op, call));
  } catch (const SysError& e) {
    return failed(e);
  } catch (const std::runtime_error& e) {
    // Unparsable /proc content: no emulation, and the daemon is told why.
    return failed(SysError(EPROTO, e.what()));
  }
}

// mkdirat and fchmodat: a path relative to a dirfd or the cwd. As in the
// kernel, dirfd matters only for a relative path; AT_FDCWD means the cwd,
// any other dirfd is borrowed from the caller.
EmulationResult run_at(const NotifyFd& notify, const Notification& n, int dirfd,
                       const std::string& path, mode_t mode, bool uses_umask,
                       const EmulateOptions& options, CallerOperation op) {
  const bool uses_dirfd = !path.empty() && path.front() != '/' && dirfd != AT_FDCWD;
  if (uses_dirfd && dirfd < 0) {
    return done({-1, EBADF});
  }
  ContextNeeds needs;
  needs.umask = uses_umask;
  needs.borrow_fd = uses_dirfd ? dirfd : ContextNeeds::kNoFd;
  PathCall call{AT_FDCWD, path.c_str(), mode};
  return run(notify, n, needs, options, op, &call, uses_dirfd ? &call.dirfd : nullptr);
}

// The namespaces whose view a filesystem type shows.
void namespaces_for(const std::optional<std::string>& fstype, ContextNeeds& needs) {
  if (!fstype) {
    return;
  }
  needs.pid_ns = *fstype == "proc";
  needs.net_ns = *fstype == "sysfs";
  needs.cgroup_ns = *fstype == "cgroup" || *fstype == "cgroup2";
  needs.ipc_ns = *fstype == "mqueue";
}

}  // namespace

Response EmulationResult::response() const {
  return result.err != 0 ? Response::fail(result.err) : Response::return_value(result.value);
}

EmulationResult emulate_mkdir(const NotifyFd& notify, const Notification& n,
                              const std::string& path, mode_t mode, const EmulateOptions& options) {
  return emulate_mkdirat(notify, n, AT_FDCWD, path, mode, options);
}

EmulationResult emulate_mkdirat(const NotifyFd& notify, const Notification& n, int dirfd,
                                const std::string& path, mode_t mode,
                                const EmulateOptions& options) {
  return run_at(notify, n, dirfd, path, mode, /*uses_umask=*/true, options, do_mkdirat);
}

EmulationResult emulate_chmod(const NotifyFd& notify, const Notification& n,
                              const std::string& path, mode_t mode, const EmulateOptions& options) {
  return emulate_fchmodat(notify, n, AT_FDCWD, path, mode, options);
}

EmulationResult emulate_fchmodat(const NotifyFd& notify, const Notification& n, int dirfd,
                                 const std::string& path, mode_t mode,
                                 const EmulateOptions& options) {
  return run_at(notify, n, dirfd, path, mode, /*uses_umask=*/false, options, do_fchmodat);
}

EmulationResult emulate_fchmod(const NotifyFd& notify, const Notification& n, int fd, mode_t mode,
                               const EmulateOptions& options) {
  if (fd < 0) {
    return done({-1, EBADF});
  }
  ContextNeeds needs;
  needs.cwd = false;
  needs.borrow_fd = fd;
  PathCall call{-1, nullptr, mode};
  return run(notify, n, needs, options, do_fchmod, &call, &call.dirfd);
}

EmulationResult emulate_mount(const NotifyFd& notify, const Notification& n, const MountArgs& args,
                              const EmulateOptions& options) {
  ContextNeeds needs;
  namespaces_for(args.fstype, needs);
  const MountCall call{c_str_or_null(args.source), c_str_or_null(args.target),
                       c_str_or_null(args.fstype), args.flags, c_str_or_null(args.data)};
  return run(notify, n, needs, options, do_mount, &call, nullptr);
}

namespace {

// The resolved arguments by the catalog's names. The engine builds every
// argument of the emulator's signature, so a missing one is a broken table.
const model::ResolvedArg& arg(const model::Emulation& e, std::string_view name) {
  const model::ResolvedArg* a = e.find(name);
  if (a == nullptr) {
    throw std::logic_error("emulation of " + std::string(name_of(e.op)) + " lacks " +
                           std::string(name));
  }
  return *a;
}

std::optional<std::string> optional_text(const model::ResolvedArg& a) {
  if (a.is_null)
    return std::nullopt;
  return a.text;
}

mode_t mode_arg(const model::Emulation& e) {
  return static_cast<mode_t>(arg(e, "mode").integer);
}

int fd_arg(const model::Emulation& e, std::string_view name) {
  return static_cast<int>(static_cast<int64_t>(arg(e, name).integer));
}

}  // namespace

EmulationResult emulate(const NotifyFd& notify, const Notification& n, const model::Emulation& e,
                        const EmulateOptions& options) {
  if (const model::ResolvedArg* path = e.find("path"); path != nullptr && path->is_null)
    return done({-1, EFAULT});
  switch (e.op) {
    case model::Emulator::Mkdir:
      return emulate_mkdir(notify, n, arg(e, "path").text, mode_arg(e), options);
    case model::Emulator::Mkdirat:
      return emulate_mkdirat(notify, n, fd_arg(e, "dirfd"), arg(e, "path").text, mode_arg(e),
                             options);
    case model::Emulator::Chmod:
      return emulate_chmod(notify, n, arg(e, "path").text, mode_arg(e), options);
    case model::Emulator::Fchmod:
      return emulate_fchmod(notify, n, fd_arg(e, "fd"), mode_arg(e), options);
    case model::Emulator::Fchmodat:
      return emulate_fchmodat(notify, n, fd_arg(e, "dirfd"), arg(e, "path").text, mode_arg(e),
                              options);
    case model::Emulator::Mount: {
      MountArgs m;
      m.source = optional_text(arg(e, "source"));
      m.target = optional_text(arg(e, "target"));
      m.fstype = optional_text(arg(e, "fstype"));
      m.flags = static_cast<unsigned long>(arg(e, "flags").integer);
      m.data = optional_text(arg(e, "data"));
      return emulate_mount(notify, n, m, options);
    }
  }
  throw std::logic_error("no emulator for value " + std::to_string(static_cast<int>(e.op)));
}

}  // namespace sa::kernel
