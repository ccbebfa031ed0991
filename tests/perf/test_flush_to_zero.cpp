// SPDX-License-Identifier: MIT
// The scoped flush-to-zero switch: on inside, restored outside, and subnormal
// results really become zero while it is on.

#include <doctest/doctest.h>

#include <limits>

#include "hnn/hnn.hpp"

namespace {
// Halving the smallest normal float gives a subnormal, or 0 under FTZ.
// volatile keeps the compiler from folding it at compile time.
float half_of_smallest_normal() {
  volatile float x = std::numeric_limits<float>::min();
  volatile float half = x * 0.5f;
  return half;
}
}  // namespace

TEST_CASE("FlushToZero is scoped and flushes subnormal results") {
  if (!hnn::FlushToZero::supported()) {
    MESSAGE("no MXCSR on this CPU: FlushToZero is a no-op here");
    CHECK_FALSE(hnn::FlushToZero::active());
    return;
  }
  const bool before = hnn::FlushToZero::active();
  CHECK(half_of_smallest_normal() > 0.0f);  // subnormal, not flushed
  {
    hnn::FlushToZero ftz;
    CHECK(hnn::FlushToZero::active());
    CHECK(half_of_smallest_normal() == 0.0f);
    {
      hnn::FlushToZero off(false);  // nested: off inside
      CHECK_FALSE(hnn::FlushToZero::active());
    }
    CHECK(hnn::FlushToZero::active());
  }
  CHECK(hnn::FlushToZero::active() == before);
  CHECK(half_of_smallest_normal() > 0.0f);
}
