// SPDX-License-Identifier: MIT
#pragma once
// hnn_test::HeapWatch, defined with the replaced operator new in
// tests/heap_watch.cpp. This header includes nothing of Eigen or hnn, so
// heap_watch.cpp can be linked into hnn_no_alloc_tests, whose Eigen is
// configured differently (EIGEN_RUNTIME_NO_MALLOC, its own eigen_assert).

#include <cstddef>

namespace hnn_test {

// While one lives, the allocations made through operator new (std::vector,
// std::string, …; not Eigen's, which come from malloc) are counted and the
// largest recorded (tests/heap_watch.cpp).
class HeapWatch {
 public:
  HeapWatch();
  ~HeapWatch();
  HeapWatch(const HeapWatch&) = delete;
  HeapWatch& operator=(const HeapWatch&) = delete;
  long count() const;           // allocations since it was made
  std::size_t largest() const;  // the largest, in bytes
};

}  // namespace hnn_test
