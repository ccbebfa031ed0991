// SPDX-License-Identifier: MIT
#pragma once
// The guards of hnn_no_alloc_tests, shared by its test files. Include this
// header first, before anything that includes Eigen: every translation unit
// of the binary must see Eigen configured alike.
//
// Two guards watch each step:
//  - Eigen's own (EIGEN_RUNTIME_NO_MALLOC): any Eigen allocation fails an
//    eigen_assert, which this header turns into an exception so the test
//    reports it instead of aborting. Assertions are on only without NDEBUG,
//    so these files are built as their own test binary without it
//    (tests/CMakeLists.txt).
//  - the replaced global operator new of tests/heap_watch.cpp, which counts
//    (hnn_test::HeapWatch) every other heap allocation (std::string,
//    std::vector, …) made while the guard is up.

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#ifdef NDEBUG
#error "the no-allocation tests need assertions: build them without NDEBUG"
#endif

#define EIGEN_RUNTIME_NO_MALLOC
struct EigenAssertion : std::logic_error {
  using std::logic_error::logic_error;
};
#define eigen_assert(x)                                            \
  do {                                                             \
    if (!(x)) throw EigenAssertion("Eigen assertion failed: " #x); \
  } while (false)

#include <doctest/doctest.h>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

namespace hnn_test::no_alloc {

// While it exists, any heap allocation is counted (and Eigen's throw).
struct NoHeap {
  NoHeap() { Eigen::internal::set_is_malloc_allowed(false); }
  ~NoHeap() { Eigen::internal::set_is_malloc_allowed(true); }
  NoHeap(const NoHeap&) = delete;
  NoHeap& operator=(const NoHeap&) = delete;
  long allocations() const { return heap.count(); }
  hnn_test::HeapWatch heap;
};

// Runs step() with both guards up; a test check fails on any allocation.
template <typename F>
void check_no_allocation(const std::string& what, F&& step) {
  long seen = 0;
  std::string eigen_error;
  {
    NoHeap guard;
    try {
      step();
    } catch (const EigenAssertion& e) {
      eigen_error = e.what();
    }
    seen = guard.allocations();
  }
  INFO(what);
  CHECK_MESSAGE(eigen_error.empty(), eigen_error);
  CHECK_MESSAGE(seen == 0, seen << " heap allocations");
}

// Forbids allocation from the end of each epoch's first batch to the end of
// its last (partial) one: everything fit() does per batch in between; from
// epoch `from_epoch` (counted from 0) on. `worst` is the most allocations
// seen in one epoch.
struct GuardBatches : hnn::Callback<float> {
  std::unique_ptr<NoHeap> guard;
  long worst = 0;
  int from_epoch = 0;
  void on_batch_end(hnn::TrainingState<float>& s, double) override {
    if (s.epoch < from_epoch) return;
    if (s.batch == 0) {
      guard = std::make_unique<NoHeap>();
    } else if (s.batch + 1 == s.batches) {
      worst = std::max(worst, guard->allocations());
      guard.reset();
    }
  }
};

}  // namespace hnn_test::no_alloc
