// `rulec --explain`: the decision table in a normalised, readable form. The
// golden tests compare this text, so it is deterministic: no hash, no
// timestamps, everything in table order.
#pragma once

#include <string>

#include "model/table/table.hpp"

namespace sa::passes {

std::string explain(const table::Table& t);

}  // namespace sa::passes
