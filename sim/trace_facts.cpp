#include "trace_facts.hpp"

#include <fmt/format.h>

#include "model/catalog/syscalls.hpp"

namespace sa::sim {

model::StringRead TraceFacts::read_string(int arg_index) {
  if (const trace::StringArg* s = n_.string_arg(arg_index))
    return s->read;
  // A NULL register needs no memory: the answer is known without the trace.
  if (n_.call.args[static_cast<size_t>(arg_index)] == 0) {
    return model::StringRead{model::StringRead::Status::Null, "", 0};
  }
  std::string name = fmt::format("arg{}", arg_index);
  if (const auto* sig = catalog::find_signature(n_.syscall)) {
    if (static_cast<size_t>(arg_index) < sig->args.size())
      name = sig->args[arg_index].name;
  }
  throw MissingFact(
      fmt::format("the trace lacks the string argument {} ({}) of {}, which the "
                  "decision needs",
                  arg_index, name, n_.syscall));
}

std::optional<model::CallerFacts> TraceFacts::caller() {
  switch (n_.caller.state) {
    case trace::CallerRecord::State::Known:
      return n_.caller.facts;
    case trace::CallerRecord::State::NotVisible:
      return std::nullopt;
    case trace::CallerRecord::State::Missing:
      break;
  }
  throw MissingFact(
      fmt::format("the trace lacks the caller's credentials (\"caller\"), which the "
                  "decision on {} needs",
                  n_.syscall));
}

}  // namespace sa::sim
