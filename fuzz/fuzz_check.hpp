// What a harness asserts beyond "no crash": a property that fails aborts,
// so libFuzzer keeps the input as a crash like any other.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace sa::fuzz {

inline void require(bool holds, const char* property) {
  if (!holds) {
    (void)std::fprintf(stderr, "fuzz property broken: %s\n", property);
    std::abort();
  }
}

}  // namespace sa::fuzz
