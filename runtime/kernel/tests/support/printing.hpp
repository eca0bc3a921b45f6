// Lets BOOST_TEST print the kernel layer's outcome enums and results when a
// comparison fails.
#pragma once

#include <ostream>

#include "kernel/caller_context.hpp"
#include "kernel/caller_facts.hpp"
#include "kernel/caller_memory.hpp"
#include "kernel/container_message.hpp"
#include "kernel/container_socket.hpp"
#include "kernel/emulate.hpp"
#include "kernel/notify_fd.hpp"
#include "kernel/pidfd.hpp"
#include "kernel/run_in_caller.hpp"
#include "support/caller_strings.hpp"
#include "support/child.hpp"

namespace sa::kernel {

#define SA_PRINT_ENUM(Type)                                       \
  inline std::ostream& operator<<(std::ostream& os, Type value) { \
    return os << #Type "(" << static_cast<int>(value) << ")";     \
  }
SA_PRINT_ENUM(RecvOutcome)
SA_PRINT_ENUM(SendOutcome)
SA_PRINT_ENUM(AddFdOutcome)
SA_PRINT_ENUM(FactsOutcome)
SA_PRINT_ENUM(SignalOutcome)
SA_PRINT_ENUM(BorrowOutcome)
SA_PRINT_ENUM(AcceptOutcome)
SA_PRINT_ENUM(EmulationOutcome)
SA_PRINT_ENUM(ContextOutcome)
SA_PRINT_ENUM(ContainerStatus)
inline std::ostream& operator<<(std::ostream& os, ChildStep step) {
  return os << name_of(step);
}

inline std::ostream& operator<<(std::ostream& os, const NamespaceId& ns) {
  return os << ns.name() << " on device " << ns.device;
}

inline std::ostream& operator<<(std::ostream& os, const SyscallResult& r) {
  return os << "{value " << r.value << ", errno " << r.err << "}";
}

namespace testing {
SA_PRINT_ENUM(ReadOutcome)
inline std::ostream& operator<<(std::ostream& os, const CallResult& r) {
  return os << "{ret " << r.ret << ", errno " << r.err << "}";
}
}  // namespace testing
#undef SA_PRINT_ENUM

}  // namespace sa::kernel

namespace sa::model {
inline std::ostream& operator<<(std::ostream& os, StringRead::Status s) {
  return os << "StringRead::Status(" << static_cast<int>(s) << ")";
}
}  // namespace sa::model
