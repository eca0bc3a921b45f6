#include "workload.hpp"

#include <linux/capability.h>
#include <sys/mount.h>

#include <random>

#include "model/catalog/arch.hpp"

namespace sa::bench {
namespace {

// Values rules commonly test: modes, signals, flags, pids, ids.
constexpr uint64_t kIntegers[] = {
    0, 0777, 0755, 9, 15, 0x10000000, MS_BIND, MS_BIND | MS_REC, 16, 0xffffff9c, 0xffffffff, 1000};

const std::vector<std::string>& string_pool() {
  static const std::vector<std::string> pool = {
      "/abc",         "/tmp/x",    "proc", "sysfs", "ext4",        "cifs",
      "nfs",          "tmpfs",     "root", "/mnt",  "/bin/true",   "/bin/echo",
      "//10.0.0.1/C", "/dev/sda1", "/",    "/root", "/etc/passwd", "username=user,password=pass"};
  return pool;
}

}  // namespace

Workload generate(const engine::Engine& e, const table::Policy& policy,
                  model::ContainerInfo container, size_t count, uint64_t seed) {
  Workload w;
  w.name = policy.name;
  w.container = std::move(container);
  w.pool = string_pool();
  const uint64_t admin = uint64_t{1} << CAP_SYS_ADMIN;
  w.callers = {{0, 0, admin, "user:[4026532845]", true, std::nullopt},
               {1000, 1000, 0, "user:[4026532845]", true, std::nullopt},
               {0, 0, admin, "user:[4026531837]", false, std::nullopt}};
  const catalog::Arch arch = *catalog::find_arch("x86_64");
  std::vector<std::pair<int, const catalog::SyscallSignature*>> syscalls;
  for (const auto& [nr, name] : e.table().index.at("x86_64")) {
    if (policy.syscalls.count(name) == 0)
      continue;
    syscalls.emplace_back(nr, catalog::find_signature(name));
  }
  std::mt19937_64 rng(seed);
  w.calls.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const auto& [nr, sig] = syscalls[rng() % syscalls.size()];
    Call c;
    c.n.id = i;
    c.n.pid = static_cast<uint32_t>(1000 + rng() % 50000);
    c.n.audit_arch = arch.audit_arch;
    c.n.nr = nr;
    for (size_t a = 0; a < 6; ++a) {
      c.n.args[a] = kIntegers[rng() % std::size(kIntegers)];
      c.strings[a] = static_cast<uint8_t>(rng() % w.pool.size());
      // String arguments point somewhere (never NULL) in this workload.
      if (sig != nullptr && a < sig->args.size() && catalog::is_string(sig->args[a].type)) {
        c.n.args[a] = 0x7ffd00000000ULL + a * 0x100;
      }
    }
    c.caller = static_cast<uint8_t>(rng() % w.callers.size());
    w.calls.push_back(c);
  }
  return w;
}

}  // namespace sa::bench
