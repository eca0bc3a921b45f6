// A FactSource that forwards to another and remembers every answer, so that
// the agent's --record can write exactly the facts a decision used. complete()
// asks for the remaining string arguments the syscall declares, for traces
// that another table (which may test other arguments) can replay.
#pragma once

#include <optional>

#include "catalog/syscalls.hpp"
#include "engine/fact_source.hpp"
#include "engine/trace/trace_model.hpp"

namespace sa::trace {

class RecordingFacts : public engine::FactSource {
 public:
  explicit RecordingFacts(engine::FactSource& inner) : inner_(inner) {}

  engine::StringRead read_string(int arg_index) override;
  std::optional<engine::CallerFacts> caller() override;

  // Reads the declared string arguments not read yet (once each).
  void complete(const catalog::SyscallSignature* signature, bool with_caller);
  // The strings (in argument order, with their catalog names) and the caller.
  void fill(NotificationRecord& n, const catalog::SyscallSignature* signature) const;

 private:
  engine::FactSource& inner_;
  std::optional<engine::StringRead> strings_[6];
  bool caller_asked_ = false;
  std::optional<engine::CallerFacts> caller_;
};

}  // namespace sa::trace
