// SPDX-License-Identifier: MIT
#pragma once
// FlushToZero: a scoped switch that makes the CPU treat subnormal floats as
// zero (FTZ for results, DAZ for inputs) while it exists, then puts back
// what was there before.
//
// Why: numbers below ~1.2e-38 (float) are "subnormal", and most x86 CPUs
// handle them in microcode, 10–100× slower than normal numbers. Training in
// float can fall into them — Adam's moment estimates of units that stopped
// receiving gradient decay geometrically (m ← β₁ m) until they are subnormal,
// and every later step pays. Flushing them to zero changes results only in
// values that are already negligible.
//
// The setting is per thread. The switch sets it in the calling thread and,
// when hnn is compiled with OpenMP, in every thread of OpenMP's pool (the
// threads Eigen and hnn split work over), and restores each on destruction:
//
//   {
//     hnn::FlushToZero ftz;   // on, here and in the OpenMP workers
//     run_inference(…);
//   }                         // off again (or as it was before)
//
// fit() and evaluate() of a float model turn it on themselves for their
// duration (FitOptions::flush_to_zero, on by default; model/train.hpp), so a
// training run gets the fast path without asking; user callbacks run under
// it too. Double models are left alone: their subnormals start below
// ~2.2e-308, which training does not reach. The numerical effect: a float
// result or input below ~1.2e-38 in magnitude becomes 0, a relative change of
// at most 1.2e-38 / |largest value| in any sum that matters.
//
// On CPUs without the MXCSR register (non-x86) it does nothing, and
// supported() says so.

#include <vector>

#if defined(__SSE__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 1)
#include <xmmintrin.h>
#define HNN_HAVE_MXCSR 1
#else
#define HNN_HAVE_MXCSR 0
#endif

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace hnn {

/// Flush-to-zero and denormals-are-zero while it exists, on every thread.
class FlushToZero {
 public:
  /// Sets the mode (on, or off) on this thread and OpenMP's workers.
  explicit FlushToZero(bool on = true) {
#if HNN_HAVE_MXCSR
    main_ = set_this_thread(on);
#if defined(_OPENMP)
    workers_.assign(std::size_t(omp_get_max_threads()), 0u);
    std::vector<unsigned>& saved = workers_;
#pragma omp parallel
    { saved[std::size_t(omp_get_thread_num())] = set_this_thread(on); }
#endif
#else
    (void)on;
#endif
  }
  ~FlushToZero() {
#if HNN_HAVE_MXCSR
#if defined(_OPENMP)
    std::vector<unsigned>& saved = workers_;
#pragma omp parallel
    {
      const std::size_t t = std::size_t(omp_get_thread_num());
      if (t < saved.size()) _mm_setcsr(saved[t]);
    }
#endif
    _mm_setcsr(main_);
#endif
  }
  FlushToZero(const FlushToZero&) = delete;
  FlushToZero& operator=(const FlushToZero&) = delete;

  /// Whether this build can set the mode (x86 with SSE).
  static constexpr bool supported() {
    return HNN_HAVE_MXCSR != 0;
  }

  /// Whether the calling thread flushes subnormals now.
  // Whether the calling thread flushes subnormals now.
  static bool active() {
#if HNN_HAVE_MXCSR
    return (_mm_getcsr() & bits) == bits;
#else
    return false;
#endif
  }

 private:
#if HNN_HAVE_MXCSR
  static constexpr unsigned bits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
  // Sets or clears FTZ/DAZ in this thread; returns the previous MXCSR.
  static unsigned set_this_thread(bool on) {
    const unsigned before = _mm_getcsr();
    _mm_setcsr(on ? (before | bits) : (before & ~bits));
    return before;
  }
#endif
  unsigned main_ = 0;
  std::vector<unsigned> workers_;
};

}  // namespace hnn
