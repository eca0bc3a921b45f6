#include "engine/recording_facts.hpp"

namespace sa::engine {

model::StringRead RecordingFacts::read_string(int arg_index) {
  auto& slot = strings_[arg_index];
  if (!slot)
    slot = inner_.read_string(arg_index);
  return *slot;
}

std::optional<model::CallerFacts> RecordingFacts::caller() {
  if (!caller_asked_) {
    caller_asked_ = true;
    caller_ = inner_.caller();
  }
  return caller_;
}

void RecordingFacts::complete(const catalog::SyscallSignature* signature, bool with_caller) {
  if (signature != nullptr) {
    for (size_t i = 0; i < signature->args.size() && i < 6; ++i) {
      if (catalog::is_string(signature->args[i].type))
        read_string(static_cast<int>(i));
    }
  }
  if (with_caller)
    caller();
}

void RecordingFacts::fill(trace::NotificationRecord& n,
                          const catalog::SyscallSignature* signature) const {
  n.strings.clear();
  for (int i = 0; i < 6; ++i) {
    if (!strings_[i])
      continue;
    trace::StringArg s;
    s.arg = i;
    if (signature != nullptr && static_cast<size_t>(i) < signature->args.size()) {
      s.name = signature->args[static_cast<size_t>(i)].name;
    }
    s.read = *strings_[i];
    n.strings.push_back(std::move(s));
  }
  if (!caller_asked_) {
    n.caller.state = trace::CallerRecord::State::Missing;
  } else if (caller_) {
    n.caller.state = trace::CallerRecord::State::Known;
    n.caller.facts = *caller_;
  } else {
    n.caller.state = trace::CallerRecord::State::NotVisible;
  }
}

}  // namespace sa::engine
