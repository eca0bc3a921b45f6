#include "support/caller_strings.hpp"

namespace sa::kernel::testing {

CallerStrings read_caller_strings(const NotifyFd& notify, const Notification& n,
                                  std::span<const StringRequest> requests) {
  const CallerMemory memory(n);
  CallerStrings result;
  result.values.reserve(requests.size());
  for (const StringRequest& r : requests) {
    result.values.push_back(memory.read_string(r.address, r.limit, r.overflow));
  }
  if (!notify.id_valid(n.id)) {
    return {ReadOutcome::TargetGone, {}};
  }
  return result;
}

}  // namespace sa::kernel::testing
