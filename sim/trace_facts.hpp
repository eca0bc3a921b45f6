// The engine's facts for one notification of a trace: the strings and the
// caller the trace recorded. A fact the trace lacks is not guessed: asking
// for it throws MissingFact, which the simulator reports for that
// notification alone.
#pragma once

#include <stdexcept>

#include "engine/fact_source.hpp"
#include "model/call/notification.hpp"
#include "model/trace/trace_model.hpp"

namespace sa::sim {

class MissingFact : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TraceFacts : public engine::FactSource {
 public:
  explicit TraceFacts(const trace::NotificationRecord& n) : n_(n) {}

  model::StringRead read_string(int arg_index) override;
  std::optional<model::CallerFacts> caller() override;

 private:
  const trace::NotificationRecord& n_;
};

}  // namespace sa::sim
