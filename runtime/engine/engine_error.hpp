// A table the engine cannot execute (a hand-edited or corrupted table.json
// that passed schema validation): which policy, row and value, and why.
#pragma once

#include <stdexcept>

namespace sa::engine {

class EngineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sa::engine
