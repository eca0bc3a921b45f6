#include "kernel/sys_error.hpp"

#include <cerrno>

namespace sa::kernel {

void throw_errno(const std::string& context) {
  throw SysError(errno, context);
}

}  // namespace sa::kernel
