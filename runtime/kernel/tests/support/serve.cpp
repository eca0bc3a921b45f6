#include "serve.hpp"

#include <sys/syscall.h>

#include <cerrno>
#include <stdexcept>
#include <utility>
#include <vector>

#include "support/caller_strings.hpp"

namespace sa::kernel::testing {
namespace {

// The strings at the given argument indexes, as the engine gets them.
std::vector<model::StringRead> strings(const NotifyFd& notify, const Notification& n,
                                       std::vector<std::pair<int, size_t>> args) {
  std::vector<StringRequest> requests;
  for (const auto& [index, limit] : args) {
    requests.push_back({n.args[static_cast<size_t>(index)], limit});
  }
  CallerStrings read = read_caller_strings(notify, n, requests);
  if (read.outcome != ReadOutcome::Read) {
    throw std::runtime_error("caller gone while reading its strings");
  }
  return std::move(read.values);
}

std::optional<std::string> value(model::StringRead& s) {
  if (s.status == model::StringRead::Status::Ok)
    return std::move(s.value);
  if (s.status == model::StringRead::Status::Null)
    return std::nullopt;
  throw std::runtime_error("unreadable string argument");
}

EmulationResult fails_with(int err) {
  EmulationResult r;
  r.result = {-1, err};
  return r;
}

int int_arg(const Notification& n, size_t i) {
  return static_cast<int>(static_cast<uint32_t>(n.args[i]));
}

mode_t mode_arg(const Notification& n, size_t i) {
  return static_cast<mode_t>(n.args[i] & 07777);
}

// mknod's mode: the file type too.
mode_t node_mode_arg(const Notification& n, size_t i) {
  return static_cast<mode_t>(static_cast<uint32_t>(n.args[i]));
}

dev_t dev_arg(const Notification& n, size_t i) {
  return static_cast<dev_t>(static_cast<uint32_t>(n.args[i]));
}

// setxattr's name as KernelFacts reads it (255 bytes and a NUL at most, a
// longer one ERANGE) and the rest of its arguments from `first`, the name's
// index. An unreadable name fails as the engine answers it.
std::optional<EmulationResult> xattr_args(const NotifyFd& notify, const Notification& n,
                                          size_t first, XattrArgs& out) {
  model::StringRead name = strings(notify, n, {{static_cast<int>(first), 256}}).at(0);
  if (name.status == model::StringRead::Status::Failed)
    return fails_with(name.error == ENAMETOOLONG ? ERANGE : name.error);
  out.name = value(name);
  out.value = n.args[first + 1];
  out.size = n.args[first + 2];
  out.flags = int_arg(n, first + 3);
  return std::nullopt;
}

}  // namespace

EmulationResult emulate_notification(const NotifyFd& notify, const Notification& n,
                                     const EmulateOptions& options) {
  // As the engine answers before any emulator: a NULL pathname is EFAULT, an
  // unreadable one fails with the read's errno.
  const auto with_path = [&](int index, const auto& emulate) {
    model::StringRead p = strings(notify, n, {{index, kPathLimit}}).at(0);
    switch (p.status) {
      case model::StringRead::Status::Null:
        return fails_with(EFAULT);
      case model::StringRead::Status::Failed:
        return fails_with(p.error);
      case model::StringRead::Status::Ok:
        break;
    }
    return emulate(p.value);
  };
  switch (n.nr) {
    case SYS_mkdir:
      return with_path(0, [&](const std::string& p) {
        return emulate_mkdir(notify, n, p, mode_arg(n, 1), options);
      });
    case SYS_mkdirat:
      return with_path(1, [&](const std::string& p) {
        return emulate_mkdirat(notify, n, int_arg(n, 0), p, mode_arg(n, 2), options);
      });
    case SYS_chmod:
      return with_path(0, [&](const std::string& p) {
        return emulate_chmod(notify, n, p, mode_arg(n, 1), options);
      });
    case SYS_fchmod:
      return emulate_fchmod(notify, n, int_arg(n, 0), mode_arg(n, 1), options);
    case SYS_fchmodat:
      return with_path(1, [&](const std::string& p) {
        return emulate_fchmodat(notify, n, int_arg(n, 0), p, mode_arg(n, 2), options);
      });
    case SYS_mknod:
      return with_path(0, [&](const std::string& p) {
        return emulate_mknod(notify, n, p, node_mode_arg(n, 1), dev_arg(n, 2), options);
      });
    case SYS_mknodat:
      return with_path(1, [&](const std::string& p) {
        return emulate_mknodat(notify, n, int_arg(n, 0), p, node_mode_arg(n, 2), dev_arg(n, 3),
                               options);
      });
    case SYS_setxattr:
    case SYS_lsetxattr:
      return with_path(0, [&](const std::string& p) {
        XattrArgs a;
        if (auto early = xattr_args(notify, n, 1, a))
          return std::move(*early);
        return n.nr == SYS_setxattr ? emulate_setxattr(notify, n, p, a, options)
                                    : emulate_lsetxattr(notify, n, p, a, options);
      });
    case SYS_fsetxattr: {
      XattrArgs a;
      if (auto early = xattr_args(notify, n, 1, a))
        return std::move(*early);
      return emulate_fsetxattr(notify, n, int_arg(n, 0), a, options);
    }
    case SYS_sysinfo:
      return emulate_sysinfo(notify, n, n.args[0], options);
    case SYS_open:
      return with_path(0, [&](const std::string& p) {
        return emulate_open(notify, n, p, int_arg(n, 1), mode_arg(n, 2), options);
      });
    case SYS_openat:
      return with_path(1, [&](const std::string& p) {
        return emulate_openat(notify, n, int_arg(n, 0), p, int_arg(n, 2), mode_arg(n, 3), options);
      });
    case SYS_openat2:
      return with_path(1, [&](const std::string& p) {
        return emulate_openat2(notify, n, int_arg(n, 0), p, n.args[2], n.args[3], options);
      });
    case SYS_mount: {
      auto s = strings(
          notify, n, {{0, kPathLimit}, {1, kPathLimit}, {2, kPathLimit}, {4, mount_data_limit()}});
      return emulate_mount(
          notify, n, {value(s[0]), value(s[1]), value(s[2]), n.args[3], value(s[3])}, options);
    }
    default:
      throw std::runtime_error("no emulator for syscall " + std::to_string(n.nr));
  }
}

EmulationResult serve_one(const NotifyFd& notify, const EmulateOptions& options) {
  const Received r = notify.receive();
  if (r.outcome != RecvOutcome::Received) {
    throw std::runtime_error("no notification received");
  }
  EmulationResult e = emulate_notification(notify, r.notification, options);
  if (e.outcome == EmulationOutcome::Done) {
    notify.respond(r.notification.id, e.response());
  } else if (e.outcome == EmulationOutcome::InstallFd) {
    // As the responder does: installed and answered, or failed with ADDFD's errno.
    const AddFdResult added = notify.add_fd_and_send(r.notification.id, e.fd.get(), e.newfd_flags);
    if (added.outcome == AddFdOutcome::Refused)
      notify.respond(r.notification.id, Response::fail(added.err));
  }
  return e;
}

}  // namespace sa::kernel::testing
