// SPDX-License-Identifier: MIT
// The global operator new of the test binaries (hnn_tests and
// hnn_no_alloc_tests), replaced by one that, while a hnn_test::HeapWatch is
// alive (test_support.hpp), counts the allocations and records the largest:
// how the no-allocation tests see that a steady loop allocates nothing, and
// how the loader tests see that a file that claims gigabytes never gets them
// asked for. (An address-space limit cannot do the latter under
// AddressSanitizer, which reserves terabytes of shadow memory.) Outside a
// HeapWatch it is malloc and free.
//
// Eigen's matrices come from malloc directly, not from operator new, so a
// matrix a loader sizes from a file is checked another way (the model file
// tests count the calls of a layer's factory instead).

#include <atomic>
#include <cstdlib>
#include <new>

#include "heap_watch.hpp"

namespace {
std::atomic<int> heap_watchers{0};
std::atomic<long> heap_count{0};
std::atomic<std::size_t> heap_largest{0};
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
  if (heap_watchers.load(std::memory_order_relaxed) > 0) {
    heap_count.fetch_add(1, std::memory_order_relaxed);
    std::size_t seen = heap_largest.load(std::memory_order_relaxed);
    while (n > seen && !heap_largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
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

HeapWatch::HeapWatch() {
  heap_count.store(0);
  heap_largest.store(0);
  ++heap_watchers;
}
HeapWatch::~HeapWatch() {
  --heap_watchers;
}
long HeapWatch::count() const {
  return heap_count.load();
}
std::size_t HeapWatch::largest() const {
  return heap_largest.load();
}

}  // namespace hnn_test
