// SPDX-License-Identifier: MIT
// The global operator new of hnn_tests, replaced by one that records the
// largest single allocation while a hnn_test::LargestAllocation is alive
// (test_support.hpp): how the tests see that a reader given a file that
// claims gigabytes never asks for them. An address-space limit cannot do
// that under AddressSanitizer, which reserves terabytes of shadow memory.
// Outside a LargestAllocation it is malloc and free, as before.
//
// Eigen's matrices come from malloc directly, not from operator new, so a
// matrix a loader sizes from a file is checked another way (the model file
// tests count the calls of a layer's factory instead).

#include <atomic>
#include <cstdlib>
#include <new>

#include "test_support.hpp"

namespace {
std::atomic<int> watchers{0};
std::atomic<std::size_t> largest{0};
}  // namespace

// GCC cannot see that these replace the global pair together and warns that
// free() meets operator new's pointer; they are a matched pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
//
// The whole family is replaced, arrays and nothrow forms included, so that
// every pointer operator new gives is malloc's and every delete frees it:
// AddressSanitizer, which supplies any form not replaced here, reports a
// block from its own operator new[] freed by this operator delete as a
// mismatch. (The aligned forms stay the library's, in matched pairs.)
namespace {
void* counted_malloc(std::size_t n) noexcept {
  if (watchers.load(std::memory_order_relaxed) > 0) {
    std::size_t seen = largest.load(std::memory_order_relaxed);
    while (n > seen && !largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
    }
  }
  return std::malloc(n ? n : 1);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace hnn_test {

LargestAllocation::LargestAllocation() {
  largest.store(0);
  ++watchers;
}
LargestAllocation::~LargestAllocation() {
  --watchers;
}
std::size_t LargestAllocation::bytes() const {
  return largest.load();
}

}  // namespace hnn_test
