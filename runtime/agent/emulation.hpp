// Carries out an engine emulation with the kernel layer's emulators: the
// resolved arguments (already read once from the caller) mapped onto
// mkdir, mkdirat, mount, chmod, fchmod or fchmodat.
#pragma once

#include "engine/emulation.hpp"
#include "kernel/emulate.hpp"
#include "kernel/notify_fd.hpp"

namespace sa::agent {

kernel::Emulation run_emulation(const kernel::NotifyFd& notify, const kernel::Notification& n,
                                const engine::Emulation& e);

}  // namespace sa::agent
