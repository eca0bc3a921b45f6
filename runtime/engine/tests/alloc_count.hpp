// Heap allocations made by this test executable so far (operator new is
// replaced in alloc_count.cpp, its own translation unit).
#pragma once

namespace sa::engine::testing {
long allocations();
}
