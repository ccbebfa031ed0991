// SPDX-License-Identifier: MIT
// See all_headers_a.cpp.
#include "hnn/hnn.hpp"

namespace hnn_test {
int all_headers_b() {
  return 2;
}
}  // namespace hnn_test
