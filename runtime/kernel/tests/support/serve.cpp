#include "serve.hpp"

#include <sys/syscall.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "support/caller_strings.hpp"

namespace sa::kernel::testing {
namespace {

// The strings at the given argument indexes (NULL pointers as nullopt).
std::vector<std::optional<std::string>> strings(const NotifyFd& notify, const Notification& n,
                                                std::vector<std::pair<int, size_t>> args) {
  std::vector<StringRequest> requests;
  for (const auto& [index, limit] : args) {
    requests.push_back({n.args[static_cast<size_t>(index)], limit});
  }
  CallerStrings read = read_caller_strings(notify, n, requests);
  if (read.outcome != ReadOutcome::Read) {
    throw std::runtime_error("caller gone while reading its strings");
  }
  std::vector<std::optional<std::string>> out;
  for (model::StringRead& s : read.values) {
    if (s.status == model::StringRead::Status::Null) {
      out.emplace_back();
    } else if (s.status == model::StringRead::Status::Ok) {
      out.emplace_back(std::move(s.value));
    } else {
      throw std::runtime_error("unreadable string argument");
    }
  }
  return out;
}

int int_arg(const Notification& n, size_t i) {
  return static_cast<int>(static_cast<uint32_t>(n.args[i]));
}

mode_t mode_arg(const Notification& n, size_t i) {
  return static_cast<mode_t>(n.args[i] & 07777);
}

}  // namespace

EmulationResult emulate_notification(const NotifyFd& notify, const Notification& n,
                                     const EmulateOptions& options) {
  // A NULL pathname is EFAULT before anything, as kernel::emulate answers.
  const auto path = [&](int index) { return strings(notify, n, {{index, kPathLimit}}).at(0); };
  const EmulationResult efault{EmulationOutcome::Done, {-1, EFAULT}, std::nullopt};
  switch (n.nr) {
    case SYS_mkdir: {
      const auto p = path(0);
      return p ? emulate_mkdir(notify, n, *p, mode_arg(n, 1), options) : efault;
    }
    case SYS_mkdirat: {
      const auto p = path(1);
      return p ? emulate_mkdirat(notify, n, int_arg(n, 0), *p, mode_arg(n, 2), options) : efault;
    }
    case SYS_chmod: {
      const auto p = path(0);
      return p ? emulate_chmod(notify, n, *p, mode_arg(n, 1), options) : efault;
    }
    case SYS_fchmod:
      return emulate_fchmod(notify, n, int_arg(n, 0), mode_arg(n, 1), options);
    case SYS_fchmodat: {
      const auto p = path(1);
      return p ? emulate_fchmodat(notify, n, int_arg(n, 0), *p, mode_arg(n, 2), options) : efault;
    }
    case SYS_mount: {
      auto s = strings(
          notify, n, {{0, kPathLimit}, {1, kPathLimit}, {2, kPathLimit}, {4, mount_data_limit()}});
      return emulate_mount(notify, n, {s[0], s[1], s[2], n.args[3], s[3]}, options);
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
  }
  return e;
}

}  // namespace sa::kernel::testing
