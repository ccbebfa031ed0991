// SPDX-License-Identifier: MIT
// The checkout the tests read files from (fixtures, data files, the docs).
// This is the one test file compiled with the checkout's path (CMake defines
// HNN_SOURCE_DIR for it): every other file is the same text in any clone of
// the repository, so ccache serves what one clone compiled to another.

#include <string>

#ifndef HNN_SOURCE_DIR
#error "HNN_SOURCE_DIR must name the checkout (CMake defines it; by hand: -DHNN_SOURCE_DIR=\"...\")"
#endif

namespace hnn_test {

std::string source_dir() {
  return HNN_SOURCE_DIR;
}

}  // namespace hnn_test
