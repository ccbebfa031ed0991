// SPDX-License-Identifier: MIT
// With all_headers_b.cpp: two translation units that include every header and
// link into one binary, so a non-inline function defined in a header is a
// duplicate symbol and fails the build.
#include "hnn/hnn.hpp"

namespace hnn_test {
int all_headers_a() {
  return 1;
}
}  // namespace hnn_test
