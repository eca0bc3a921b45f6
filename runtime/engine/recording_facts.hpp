// A FactSource that forwards to another and remembers every answer, so that
// the agent's --record can write exactly the facts a decision used. complete()
// asks for the remaining string arguments the syscall declares, for traces
// that another table (which may test other arguments) can replay.
#pragma once

#include <optional>

#include "engine/fact_source.hpp"
#include "model/catalog/syscalls.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::engine {

class RecordingFacts : public FactSource {
 public:
  explicit RecordingFacts(FactSource& inner) : inner_(inner) {}

  model::StringRead read_string(int arg_index) override;
  std::optional<model::CallerFacts> caller() override;

  // Reads the declared string arguments not read yet (once each).
  void complete(const catalog::SyscallSignature* signature, bool with_caller);
  // The strings (in argument order, with their catalog names) and the caller.
  void fill(trace::NotificationRecord& n, const catalog::SyscallSignature* signature) const;

 private:
  FactSource& inner_;
  std::optional<model::StringRead> strings_[6];
  bool caller_asked_ = false;
  std::optional<model::CallerFacts> caller_;
};

}  // namespace sa::engine
