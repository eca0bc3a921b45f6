#include "kernel/emulate.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "kernel/acting_as_caller.hpp"
#include "kernel/caller_context.hpp"
#include "kernel/caller_memory.hpp"
#include "kernel/cgroup_paths.hpp"
#include "kernel/container_sysinfo.hpp"
#include "kernel/open_call.hpp"
#include "kernel/open_flags.hpp"
#include "kernel/path_call.hpp"
#include "kernel/proc_dir.hpp"
#include "kernel/unique_fd.hpp"
#include "model/catalog/arch.hpp"

namespace sa::kernel {
namespace {

EmulationResult result_of(EmulationOutcome outcome, SyscallResult r, std::optional<SysError> e) {
  EmulationResult out;
  out.outcome = outcome;
  out.result = r;
  out.failure = std::move(e);
  return out;
}

EmulationResult done(SyscallResult r) {
  return result_of(EmulationOutcome::Done, r, std::nullopt);
}

EmulationResult fails_with(int err) {
  return done({-1, err});
}

EmulationResult gone() {
  return result_of(EmulationOutcome::TargetGone, {}, std::nullopt);
}

EmulationResult failed(const SysError& e) {
  return result_of(EmulationOutcome::Failed, {}, e);
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

// Opens the caller's context; the result to give when it cannot be had.
std::optional<EmulationResult> open_context(const NotifyFd& notify, const Notification& n,
                                            const ContextNeeds& needs,
                                            std::optional<CallerContext>& out) {
  OpenedContext opened = CallerContext::open(notify, n, needs);
  switch (opened.outcome) {
    case ContextOutcome::TargetGone:
      return gone();
    case ContextOutcome::BadFd:
      return fails_with(EBADF);
    case ContextOutcome::Opened:
      break;
  }
  out = std::move(opened.context);
  return std::nullopt;
}

// Runs the work of a path emulator as the caller: on this thread, or in a
// child that joins the caller's own user namespace.
template <typename Call, SyscallResult (*Run)(Call&)>
SyscallResult run_in_child(void* raw) {
  return Run(*static_cast<Call*>(raw));
}

// A path walk on an agent thread enters the caller's root at its first "..".
void enter_root_for_dotdot(PathCall& call, DotDotRoot& root) {
  call.from.dotdot_root = &root;
}
void enter_root_for_dotdot(OpenCall& call, DotDotRoot& root) {
  call.from.dotdot_root = &root;
}
void enter_root_for_dotdot(FdModeCall& /*no path*/, DotDotRoot& /*root*/) {}
void enter_root_for_dotdot(XattrCall& call, DotDotRoot& root) {
  call.from.dotdot_root = &root;
}

// The work of a path emulator in a child set up as `env` says.
template <typename Call, SyscallResult (*Run)(Call&)>
EmulationResult in_child(const CallerEnvironment& env, Call& call, const EmulateOptions& options) {
  const ChildReport report = run_in_caller(env, run_in_child<Call, Run>, &call, options.children);
  if (report.step != ChildStep::Done)
    return from_report(report);
  return call.gone ? gone() : done(report.result);
}

template <typename Call, SyscallResult (*Run)(Call&)>
EmulationResult act_as_caller(const CallerContext& c, Call& call, const EmulateOptions& options) {
  if (!options.as_agent && c.own_user_namespace())
    return in_child<Call, Run>(c.environment(ChildCredentials::CallerUserNs, 0), call, options);
  SyscallResult r;
  {
    ActingAsCaller acting(c.identity(), c.root(), options.as_agent);
    enter_root_for_dotdot(call, acting);
    r = Run(call);
  }  // the agent's identity is back
  return call.gone ? gone() : done(r);
}

// Anything but the caller's death keeping the agent from acting: the
// daemon is told why.
template <typename F>
EmulationResult guarded(F&& f) {
  try {
    return f();
  } catch (const SysError& e) {
    return failed(e);
  } catch (const std::runtime_error& e) {
    return failed(SysError(EPROTO, e.what()));
  }
}

// mkdirat, fchmodat, mknodat and openat: a path relative to a dirfd or the
// cwd. As in the kernel, dirfd matters only for a relative path (or, with
// `scoped`, for any: openat2's resolve flags); AT_FDCWD means the cwd, any
// other dirfd is borrowed from the caller. `run` carries the call out as the
// caller, once its context is open.
template <typename Call, typename Run>
EmulationResult run_at(const NotifyFd& notify, const Notification& n, int dirfd,
                       const std::string& path, Call call, const Run& run, bool scoped = false) {
  const bool relative = scoped || (!path.empty() && path.front() != '/');
  const bool uses_dirfd = relative && dirfd != AT_FDCWD;
  if (uses_dirfd && dirfd < 0)
    return fails_with(EBADF);
  return guarded([&] {
    ContextNeeds needs;
    needs.cwd = relative && !uses_dirfd;
    needs.borrow_fd = uses_dirfd ? dirfd : ContextNeeds::kNoFd;
    std::optional<CallerContext> c;
    if (auto early = open_context(notify, n, needs, c))
      return std::move(*early);
    call.from.root = c->root();
    call.from.start = uses_dirfd ? c->borrowed_fd() : relative ? c->cwd() : c->root();
    call.from.pids = &c->pids();
    call.path = path.c_str();
    call.notify_fd = notify.get();
    call.notification_id = n.id;
    return run(*c, call);
  });
}

EmulationResult run_at(const NotifyFd& notify, const Notification& n, int dirfd,
                       const std::string& path, mode_t mode, PathOp op,
                       const EmulateOptions& options) {
  PathCall call;
  call.op = op;
  call.mode = mode;
  return run_at(notify, n, dirfd, path, call, [&](const CallerContext& c, PathCall& ready) {
    return act_as_caller<PathCall, run_path_call>(c, ready, options);
  });
}

// The namespaces whose view a filesystem type shows.
void namespaces_for(const std::optional<std::string>& fstype, ContextNeeds& needs) {
  if (!fstype)
    return;
  needs.pid_ns = *fstype == "proc";
  needs.net_ns = *fstype == "sysfs";
  needs.cgroup_ns = *fstype == "cgroup" || *fstype == "cgroup2";
  needs.ipc_ns = *fstype == "mqueue";
}

FsKind kind_of(const std::optional<std::string>& fstype) {
  if (!fstype)
    return FsKind::Unknown;
  std::ifstream in("/proc/filesystems");
  std::stringstream text;
  text << in.rdbuf();
  if (!in)
    throw SysError(EIO, "read /proc/filesystems");
  return filesystem_kind(text.str(), *fstype);
}

SyscallResult run_mount_in_child(void* raw) {
  return run_mount_call(*static_cast<MountCall*>(raw));
}

constexpr uint64_t kCapSysAdmin = uint64_t{1} << CAP_SYS_ADMIN;
constexpr uint64_t kCapMknod = uint64_t{1} << CAP_MKNOD;

// The kernel's bounds on setxattr's arguments (XATTR_NAME_MAX,
// XATTR_SIZE_MAX) and the namespace that needs CAP_SYS_ADMIN
// (XATTR_TRUSTED_PREFIX), from <linux/xattr.h>, which clashes with glibc's.
constexpr size_t kXattrNameMax = 255;
constexpr uint64_t kXattrSizeMax = 65536;
constexpr std::string_view kTrustedPrefix = "trusted.";

// A capability the kernel asks for in the initial user namespace
// (capable(), not ns_capable()): CAP_MKNOD for a device node, CAP_SYS_ADMIN
// for a trusted.* attribute. Granting it is what the emulation exists for,
// so the call runs in a child in the agent's user namespace with the
// caller's kernel ids and groups, its own capabilities where held there,
// and `granted` - never in the caller's user namespace, where it would
// count for nothing. Everything else (the path's permissions, the umask,
// ownership) is the caller's.
template <typename Call, SyscallResult (*Run)(Call&)>
EmulationResult with_capability(const CallerContext& c, Call& call, uint64_t granted,
                                const EmulateOptions& options) {
  const uint64_t own = c.own_user_namespace() ? 0 : c.identity().capabilities;
  const CallerEnvironment env = c.environment(
      options.as_agent ? ChildCredentials::Agent : ChildCredentials::Caller, own | granted);
  return in_child<Call, Run>(env, call, options);
}

// What the kernel checks and copies before it looks at the path or the fd
// (setxattr_copy): the flags, the name, then the value, which is read here,
// once, and vouched for by ID_VALID. nullopt when the call may go on.
std::optional<EmulationResult> copy_xattr_value(const NotifyFd& notify, const Notification& n,
                                                const XattrArgs& a, std::vector<char>& value) {
  if ((a.flags & ~(XATTR_CREATE | XATTR_REPLACE)) != 0)
    return fails_with(EINVAL);
  if (!a.name)
    return fails_with(EFAULT);
  if (a.name->empty() || a.name->size() > kXattrNameMax)
    return fails_with(ERANGE);
  if (a.size > kXattrSizeMax)
    return fails_with(E2BIG);
  const int err = CallerMemory(n).read_bytes(a.value, a.size, value);
  if (!notify.id_valid(n.id))
    return gone();
  if (err != 0)
    return fails_with(err);
  return std::nullopt;
}

// setxattr, lsetxattr (`path`) and fsetxattr (`fd`).
EmulationResult set_xattr(const NotifyFd& notify, const Notification& n, const std::string* path,
                          int fd, bool follow, const XattrArgs& a, const EmulateOptions& options) {
  std::vector<char> value;
  if (auto early = copy_xattr_value(notify, n, a, value))
    return std::move(*early);
  if (path == nullptr && fd < 0)
    return fails_with(EBADF);
  // Only the trusted.* namespace asks for CAP_SYS_ADMIN in the initial user
  // namespace; any other name is set with the caller's own privileges.
  const bool trusted = a.name->starts_with(kTrustedPrefix);
  const auto run = [&](const CallerContext& c, XattrCall& ready) {
    if (trusted)
      return with_capability<XattrCall, run_xattr_call>(c, ready, kCapSysAdmin, options);
    return act_as_caller<XattrCall, run_xattr_call>(c, ready, options);
  };
  return guarded([&] {
    const UniqueFd proc(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (proc.get() < 0)
      throw SysError(errno, "open /proc");
    XattrCall call;
    call.follow = follow;
    call.proc = proc.get();
    call.name = a.name->c_str();
    call.value = value.data();
    call.size = value.size();
    call.flags = a.flags;
    if (path != nullptr)
      return run_at(notify, n, AT_FDCWD, *path, call, run);
    ContextNeeds needs;
    needs.borrow_fd = fd;
    std::optional<CallerContext> c;
    if (auto early = open_context(notify, n, needs, c))
      return std::move(*early);
    call.fd = c->borrowed_fd();
    call.notify_fd = notify.get();
    call.notification_id = n.id;
    return run(*c, call);
  });
}

// The struct a caller of architecture `audit_arch` expects: the native one,
// the 32-bit one of a compat caller (i386 on x86_64: the same byte order,
// no __AUDIT_ARCH_64BIT), or none the agent knows.
enum class SysinfoLayout { Native, Compat, Unknown };

SysinfoLayout sysinfo_layout(uint32_t audit_arch) {
  const uint32_t native = catalog::default_arches().front().audit_arch;
  if (audit_arch == native)
    return SysinfoLayout::Native;
  const bool same_order = ((audit_arch ^ native) & __AUDIT_ARCH_LE) == 0;
  if (same_order && (native & __AUDIT_ARCH_64BIT) != 0 && (audit_arch & __AUDIT_ARCH_64BIT) == 0)
    return SysinfoLayout::Compat;
  return SysinfoLayout::Unknown;
}

// The caller's sysinfo into its memory: /proc/PID/mem is opened first (the
// fd then writes to that process whatever becomes of its pid), ID_VALID
// vouches for it and for every file read through /proc/PID, and is checked
// again right before the write, which lands only where the kernel's
// copy_to_user would (a /proc/PID/mem write would also reach read-only
// pages): anything else is EFAULT, as the kernel answers.
EmulationResult write_sysinfo(const NotifyFd& notify, const Notification& n, uint64_t info,
                              SysinfoLayout layout) {
  if (n.pid == 0)
    throw SysError(ESRCH, "sysinfo: the caller is not visible in the agent's pid namespace");
  const auto proc = ProcDir::open(static_cast<pid_t>(n.pid));
  if (!proc)
    return gone();
  const UniqueFd mem = proc->open_at("mem", O_WRONLY);
  const int mem_err = errno;
  const auto proc_cgroup = proc->read_text("cgroup");
  const auto timens = proc->read_text("timens_offsets");
  if (!notify.id_valid(n.id) || !proc_cgroup)
    return gone();
  if (mem.get() < 0)
    throw SysError(mem_err, "open /proc/PID/mem");
  struct sysinfo host {};
  if (::sysinfo(&host) != 0)
    throw SysError(errno, "sysinfo");
  const auto mountinfo = read_file("/proc/self/mountinfo");
  if (!mountinfo)
    throw SysError(EIO, "read /proc/self/mountinfo");
  struct sysinfo answer = container_sysinfo(host, read_cgroup_figures(*proc_cgroup, *mountinfo));
  answer.uptime += boottime_offset(timens.value_or(""));
  const CompatSysinfo compat =
      compat_sysinfo(answer, static_cast<uint32_t>(::sysconf(_SC_PAGESIZE)));
  const void* bytes = layout == SysinfoLayout::Native ? static_cast<const void*>(&answer) : &compat;
  const size_t size = layout == SysinfoLayout::Native ? sizeof answer : sizeof compat;
  const auto maps = proc->read_text("maps");
  if (!notify.id_valid(n.id) || !maps)
    return gone();
  if (!writable_range(*maps, info, size))
    return fails_with(EFAULT);
  const ssize_t wrote = ::pwrite(mem.get(), bytes, size, static_cast<off_t>(info));
  if (wrote != static_cast<ssize_t>(size))
    return fails_with(EFAULT);
  return done({0, 0});
}

// An fd the caller's open would have had: the responder installs it.
EmulationResult to_install(EmulationResult r, bool cloexec) {
  if (r.outcome != EmulationOutcome::Done || r.result.err != 0)
    return r;
  EmulationResult out;
  out.outcome = EmulationOutcome::InstallFd;
  out.fd.reset(static_cast<int>(r.result.value));
  out.newfd_flags = cloexec ? O_CLOEXEC : 0;
  return out;
}

// open, openat and openat2 once their flags are known: the file opened as
// the caller (open_call.hpp), on this thread or, for resolve flags, in a
// child whose root is the caller's.
EmulationResult open_as_caller(const NotifyFd& notify, const Notification& n, int dirfd,
                               const std::string& path, const OpenRequest& request,
                               const EmulateOptions& options) {
  if (const int err = open_request_error(request); err != 0)
    return fails_with(err);
  if ((request.flags & O_TMPFILE & ~O_DIRECTORY) != 0)
    return fails_with(EOPNOTSUPP);
  // ADDFD cannot install an O_PATH file (open_call.hpp).
  if ((request.flags & O_PATH) != 0)
    return fails_with(EPERM);
  UniqueFd proc(::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!proc)
    return failed(SysError(errno, "open /proc"));
  OpenCall call;
  call.flags = request.flags & ~static_cast<uint64_t>(O_CLOEXEC);
  call.mode = static_cast<mode_t>(request.mode);
  call.resolve = request.resolve;
  call.proc_dir = proc.get();
  const bool scoped = request.resolve != 0;
  EmulationResult r = run_at(
      notify, n, dirfd, path, call,
      [&](const CallerContext& c, OpenCall& ready) {
        if (!scoped)
          return act_as_caller<OpenCall, run_open_call>(c, ready, options);
        const ChildCredentials who = options.as_agent         ? ChildCredentials::Agent
                                     : c.own_user_namespace() ? ChildCredentials::CallerUserNs
                                                              : ChildCredentials::Caller;
        return in_child<OpenCall, run_open_call>(c.environment(who, c.identity().capabilities),
                                                 ready, options);
      },
      scoped);
  return to_install(std::move(r), (request.flags & O_CLOEXEC) != 0);
}

}  // namespace

EmulationResult emulate_sysinfo(const NotifyFd& notify, const Notification& n, uint64_t info,
                                const EmulateOptions& /*options*/) {
  const SysinfoLayout layout = sysinfo_layout(n.audit_arch);
  switch (layout) {
    case SysinfoLayout::Native:
    case SysinfoLayout::Compat:
      return guarded([&] { return write_sysinfo(notify, n, info, layout); });
    case SysinfoLayout::Unknown:
      break;
  }
  return fails_with(ENOSYS);
}

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
  return run_at(notify, n, dirfd, path, mode, PathOp::MakeDirectory, options);
}

EmulationResult emulate_chmod(const NotifyFd& notify, const Notification& n,
                              const std::string& path, mode_t mode, const EmulateOptions& options) {
  return emulate_fchmodat(notify, n, AT_FDCWD, path, mode, options);
}

EmulationResult emulate_fchmodat(const NotifyFd& notify, const Notification& n, int dirfd,
                                 const std::string& path, mode_t mode,
                                 const EmulateOptions& options) {
  return run_at(notify, n, dirfd, path, mode, PathOp::ChangeMode, options);
}

EmulationResult emulate_mknod(const NotifyFd& notify, const Notification& n,
                              const std::string& path, mode_t mode, dev_t dev,
                              const EmulateOptions& options) {
  return emulate_mknodat(notify, n, AT_FDCWD, path, mode, dev, options);
}

EmulationResult emulate_mknodat(const NotifyFd& notify, const Notification& n, int dirfd,
                                const std::string& path, mode_t mode, dev_t dev,
                                const EmulateOptions& options) {
  PathCall call;
  call.op = PathOp::MakeNode;
  call.mode = mode;
  call.dev = dev;
  // A regular file, a FIFO or a socket needs no privilege: made as the
  // caller, as mkdir is. The kernel refuses a bad type itself (EINVAL, or
  // EPERM for a directory), as it would the caller.
  const mode_t type = mode & S_IFMT;
  const bool device = type == S_IFCHR || type == S_IFBLK;
  return run_at(notify, n, dirfd, path, call, [&](const CallerContext& c, PathCall& ready) {
    if (device)
      return with_capability<PathCall, run_path_call>(c, ready, kCapMknod, options);
    return act_as_caller<PathCall, run_path_call>(c, ready, options);
  });
}

EmulationResult emulate_setxattr(const NotifyFd& notify, const Notification& n,
                                 const std::string& path, const XattrArgs& args,
                                 const EmulateOptions& options) {
  return set_xattr(notify, n, &path, -1, true, args, options);
}

EmulationResult emulate_lsetxattr(const NotifyFd& notify, const Notification& n,
                                  const std::string& path, const XattrArgs& args,
                                  const EmulateOptions& options) {
  return set_xattr(notify, n, &path, -1, false, args, options);
}

EmulationResult emulate_fsetxattr(const NotifyFd& notify, const Notification& n, int fd,
                                  const XattrArgs& args, const EmulateOptions& options) {
  return set_xattr(notify, n, nullptr, fd, true, args, options);
}

EmulationResult emulate_open(const NotifyFd& notify, const Notification& n, const std::string& path,
                             int flags, mode_t mode, const EmulateOptions& options) {
  return emulate_openat(notify, n, AT_FDCWD, path, flags, mode, options);
}

EmulationResult emulate_openat(const NotifyFd& notify, const Notification& n, int dirfd,
                               const std::string& path, int flags, mode_t mode,
                               const EmulateOptions& options) {
  return open_as_caller(notify, n, dirfd, path, open_request(flags, mode), options);
}

EmulationResult emulate_openat2(const NotifyFd& notify, const Notification& n, int dirfd,
                                const std::string& path, uint64_t how, uint64_t size,
                                const EmulateOptions& options) {
  return guarded([&] {
    OpenRequest request;
    const int err = read_open_how(n, how, size, request);
    // What was read was the caller's only if the caller was there throughout.
    if (!notify.id_valid(n.id))
      return gone();
    if (err != 0)
      return fails_with(err);
    return open_as_caller(notify, n, dirfd, path, request, options);
  });
}

EmulationResult emulate_fchmod(const NotifyFd& notify, const Notification& n, int fd, mode_t mode,
                               const EmulateOptions& options) {
  if (fd < 0)
    return fails_with(EBADF);
  return guarded([&] {
    ContextNeeds needs;
    needs.borrow_fd = fd;
    std::optional<CallerContext> c;
    if (auto early = open_context(notify, n, needs, c))
      return std::move(*early);
    FdModeCall call;
    call.fd = c->borrowed_fd();
    call.mode = mode;
    call.notify_fd = notify.get();
    call.notification_id = n.id;
    return act_as_caller<FdModeCall, run_fd_mode_call>(*c, call, options);
  });
}

EmulationResult emulate_mount(const NotifyFd& notify, const Notification& n, const MountArgs& args,
                              const EmulateOptions& options) {
  return guarded([&] {
    const RuntimeProtections defaults = default_protections();
    const RuntimeProtections& protections =
        options.protections != nullptr ? *options.protections : defaults;
    const MountGuard guard = guard_for_mount(protections, args.fstype.value_or(""),
                                             kind_of(args.fstype), options.as_agent);
    const MountPlan plan(args, guard);
    if (plan.early_error() != 0)
      return fails_with(plan.early_error());
    const bool relative = !args.target->empty() && args.target->front() != '/';
    ContextNeeds needs;
    needs.cwd = relative;
    needs.mnt_ns = true;
    namespaces_for(args.fstype, needs);
    std::optional<CallerContext> c;
    if (auto early = open_context(notify, n, needs, c))
      return std::move(*early);
    // The caller's own capabilities count only where they are held in the
    // agent's user namespace; CAP_SYS_ADMIN is what the emulation grants.
    const uint64_t own = c->own_user_namespace() ? 0 : c->identity().capabilities;
    const CallerEnvironment env = c->environment(
        options.as_agent ? ChildCredentials::Agent : ChildCredentials::Caller, own | kCapSysAdmin);
    const WalkFrom from{c->root(), relative ? c->cwd() : c->root(), &c->pids()};
    MountCall call = plan.call(from, notify.get(), n.id);
    const ChildReport report = run_in_caller(env, run_mount_in_child, &call, options.children);
    if (report.step != ChildStep::Done)
      return from_report(report);
    if (call.gone)
      return gone();
    if (call.protection_err != 0)
      return failed(SysError(call.protection_err,
                             std::string("protect the new mount: ") + call.protection_path));
    return done(report.result);
  });
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

// The kernel takes mknod's dev as an unsigned int (new_decode_dev); glibc
// passes makedev()'s value there. Higher bits never reach the kernel.
dev_t dev_arg(const model::Emulation& e) {
  return static_cast<dev_t>(static_cast<uint32_t>(arg(e, "dev").integer));
}

int open_flags_arg(const model::Emulation& e) {
  return static_cast<int>(static_cast<uint32_t>(arg(e, "flags").integer));
}

int fd_arg(const model::Emulation& e, std::string_view name) {
  return static_cast<int>(static_cast<int64_t>(arg(e, name).integer));
}

XattrArgs xattr_args(const model::Emulation& e) {
  XattrArgs a;
  a.name = optional_text(arg(e, "name"));
  a.value = arg(e, "value").integer;
  a.size = arg(e, "size").integer;
  a.flags = static_cast<int>(static_cast<int64_t>(arg(e, "flags").integer));
  return a;
}

bool with_agent_credentials(model::Credentials c) {
  switch (c) {
    case model::Credentials::Caller:
      return false;
    case model::Credentials::Agent:
      return true;
  }
  throw std::logic_error("credentials value " + std::to_string(static_cast<int>(c)));
}

}  // namespace

EmulationResult emulate(const NotifyFd& notify, const Notification& n, const model::Emulation& e,
                        const EmulateOptions& given) {
  if (const model::ResolvedArg* path = e.find(model::pathname_arg(e.op));
      path != nullptr && path->is_null)
    return fails_with(EFAULT);
  EmulateOptions options = given;
  options.as_agent = with_agent_credentials(e.credentials);
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
    case model::Emulator::Mknod:
      return emulate_mknod(notify, n, arg(e, "path").text, mode_arg(e), dev_arg(e), options);
    case model::Emulator::Mknodat:
      return emulate_mknodat(notify, n, fd_arg(e, "dirfd"), arg(e, "path").text, mode_arg(e),
                             dev_arg(e), options);
    case model::Emulator::Setxattr:
      return emulate_setxattr(notify, n, arg(e, "path").text, xattr_args(e), options);
    case model::Emulator::Lsetxattr:
      return emulate_lsetxattr(notify, n, arg(e, "path").text, xattr_args(e), options);
    case model::Emulator::Fsetxattr:
      return emulate_fsetxattr(notify, n, fd_arg(e, "fd"), xattr_args(e), options);
    case model::Emulator::Sysinfo:
      return emulate_sysinfo(notify, n, arg(e, "info").integer, options);
    case model::Emulator::Open:
      return emulate_open(notify, n, arg(e, "filename").text, open_flags_arg(e), mode_arg(e),
                          options);
    case model::Emulator::Openat:
      return emulate_openat(notify, n, fd_arg(e, "dirfd"), arg(e, "filename").text,
                            open_flags_arg(e), mode_arg(e), options);
    case model::Emulator::Openat2:
      return emulate_openat2(notify, n, fd_arg(e, "dirfd"), arg(e, "filename").text,
                             arg(e, "how").integer, arg(e, "size").integer, options);
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
