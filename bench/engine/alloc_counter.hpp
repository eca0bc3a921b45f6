// Counts heap allocations made by this process (global operator new is
// replaced in alloc_counter.cpp), to show that a code path allocates nothing.
#pragma once

#include <cstdint>

namespace sa::bench {

uint64_t allocations();

}  // namespace sa::bench
