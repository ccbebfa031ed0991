// SPDX-License-Identifier: MIT
#pragma once
// Threads: how hnn spreads one training step over the cores (docs/14-performance.md).
//
// hnn uses OpenMP when the program is compiled with it (-fopenmp; in CMake,
// link OpenMP::OpenMP_CXX) and otherwise runs everything on the calling
// thread. The number of threads is Eigen's, Eigen::nbThreads(): the
// OMP_NUM_THREADS / omp_set_num_threads() setting, unless the program chose
// another with Eigen::setNbThreads().
//
// Two rules, both measured on the benchmark's MLP (docs/14-performance.md):
//
// 1. Work is split only when it is large enough to pay for waking a second
//    thread (~3 µs here) and for moving data between the cores' caches;
//    anything smaller runs on the calling thread alone, so a second core
//    never makes a step slower.
// 2. hnn splits its matrix products itself: each thread runs Eigen's
//    single-threaded product on its share of the result's columns. At the
//    shapes of small networks that is 1.5–1.9× faster on 2 cores than
//    Eigen's own threaded product, which is slower than one thread below a
//    batch of ~100 samples.
//
// The products (perf/products.hpp) apply both. parallel_columns(rows, cols,
// f) splits element-wise work on a batch (activations, perf/elementwise.hpp)
// over its columns, as a product splits Z = W X, so each thread works on the
// columns it just computed, still in its core's cache.
// parallel_column_blocks splits a parameter's element-wise work (zero_grad,
// optimizer updates) the way its gradient was split
// (DeferredGradient::threads). Each thread always gets the same contiguous
// block of columns for the same sizes and thread count, so results are
// bit-identical run to run.

#include <algorithm>
#include <type_traits>

#include "hnn/core/types.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace hnn {

/// The sizes below which work runs on one thread.
// Below these sizes the work runs on one thread (measured: docs/14-performance.md).
struct ParallelThresholds {
  /// Multiply-adds of a product from which it is split.
  // Multiply-adds (rows · columns · depth) of one matrix product.
  static constexpr double product = 1.5e6;
  /// The narrowest side of a product, and the samples of a batch, from which work is split.
  // The narrowest side of a product, and the columns (samples) of an
  // activation's batch. A first-layer product at batch 32 runs 1.3–1.9×
  // faster split over 2 threads, yet a whole training step at batch 32 was
  // slower split (96k samples/s against 111k): the columns each thread
  // computes must then travel to the other core for the next, unsplit,
  // steps. From batch 64 on the split wins.
  static constexpr Index columns = 64;
  /// Elements of an activation's batch from which it is split.
  // Elements of a batch an activation layer works on (parallel_columns).
  static constexpr Index elements = Index(1) << 12;
  /// Elements of a batch of few samples that is split all the same.
  // Elements of a batch of fewer than `columns` samples that is split all
  // the same: images hold thousands of values per sample (32×26×26 = 21,632
  // after a first convolution), so even a batch of 2 is work for 2 threads,
  // and the convolution's product before it was split by samples too.
  static constexpr Index large_elements = Index(1) << 16;
  /// Values of work from which a single sample's rows are split.
  // Values of work in a batch of fewer samples than threads from which each
  // sample's output rows are split over the threads (for_each_sample_rows):
  // a first convolution's im2col of one 28×28 image copies 6,084 values, and
  // its max-pooling reads 21,632.
  static constexpr Index sample_elements = Index(1) << 12;
  /// Columns of a product's result from which it is split whatever its other sides.
  // Columns of a product's result from which it is split whatever its other
  // sides: each thread then still gets hundreds of columns.
  static constexpr Index wide_columns = 1024;
};

/// The threads hnn may use here.
// How many threads hnn may use here: Eigen's thread count, or 1 without
// OpenMP or inside a parallel region the program opened itself.
inline int max_threads() {
#if defined(_OPENMP)
  return omp_in_parallel() ? 1 : std::max(1, Eigen::nbThreads());
#else
  return 1;
#endif
}

/// Eigen's own products on the calling thread only, while it exists.
// While it exists, Eigen's own products run on the calling thread only, and
// everything is put back as it was on destruction. Eigen reads its thread
// count from the thread's OpenMP setting (per thread, so this is safe when
// several threads train models at once), unless the program fixed it with
// Eigen::setNbThreads(), which is one variable for the whole process.
class EigenSingleThread {
 public:
  EigenSingleThread() {
#if defined(_OPENMP)
    omp_threads_ = omp_get_max_threads();
    if (omp_threads_ > 1) omp_set_num_threads(1);
    if (Eigen::nbThreads() > 1) {  // fixed by Eigen::setNbThreads
      eigen_threads_ = Eigen::nbThreads();
      Eigen::setNbThreads(1);
    }
#endif
  }
  ~EigenSingleThread() {
#if defined(_OPENMP)
    if (eigen_threads_ > 0) Eigen::setNbThreads(eigen_threads_);
    if (omp_threads_ > 1) omp_set_num_threads(omp_threads_);
#endif
  }
  EigenSingleThread(const EigenSingleThread&) = delete;
  EigenSingleThread& operator=(const EigenSingleThread&) = delete;

 private:
#if defined(_OPENMP)
  int omp_threads_ = 1;
  int eigen_threads_ = 0;
#endif
};

namespace detail {
// Thread t's share of [0, n) among `threads`: contiguous, the same for the same n.
inline void share(Index n, int t, int threads, Index& begin, Index& end) {
  const Index per = (n + threads - 1) / threads;
  begin = std::min(n, Index(t) * per);
  end = std::min(n, begin + per);
}
}  // namespace detail

/// f(begin, end) over a tensor's elements, split over threads in column blocks.
// f(begin, end) over the elements of a column-major (rows × cols) tensor,
// split over `threads` in the column blocks product() gives each thread.
template <typename F>
void parallel_column_blocks(Index rows, Index cols, int threads, F&& f) {
  threads = std::min(threads, max_threads());
  if (threads <= 1) {
    f(Index(0), rows * cols);
    return;
  }
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
  {
    Index begin, end;
    detail::share(cols, omp_get_thread_num(), omp_get_num_threads(), begin, end);
    if (end > begin) f(begin * rows, end * rows);
  }
#endif
}

/// f(first, count) over a batch's columns, split when large enough.
// Element-wise work over the columns of a (rows × cols) matrix: f(first, count).
template <typename F>
void parallel_columns(Index rows, Index cols, F&& f) {
  const Index elements = rows * cols;
  const bool worth =
      (elements >= ParallelThresholds::elements && cols >= ParallelThresholds::columns) ||
      (elements >= ParallelThresholds::large_elements && cols >= 2);
  parallel_column_blocks(1, cols, worth ? max_threads() : 1,
                         [&f](Index begin, Index end) { f(begin, end - begin); });
}

/// f(j) for every sample j of a batch, split over threads by samples.
// f(j) for every sample j of a batch of n samples, each `values` numbers of
// work (im2col, pooling): split over the threads in blocks of samples as
// parallel_columns splits a batch, or in order on the calling thread. f must
// write only what belongs to sample j; the result is then the same however
// the batch is split.
template <typename F>
void for_each_sample(Index values, Index n, F&& f) {
  parallel_columns(values, n, [&f](Index first, Index count) {
    for (Index j = first; j < first + count; ++j)
      f(j);
  });
}

/// f(j, first, end) over the output rows of every sample, split by samples or by rows.
// f(j, first, end) for the output rows [first, end) of sample j, over every
// sample of a batch of n whose samples have `rows` output rows each and
// `values` numbers of work (im2col, pooling). A batch of at least as many
// samples as threads is split by samples, as for_each_sample splits it
// (f(j, 0, rows) for each j). A smaller one, a single image for instance, is
// split by rows when its work is large enough (ParallelThresholds::
// sample_elements), so that one image still gives every thread a share. f
// must write only what belongs to its rows of sample j.
template <typename F>
void for_each_sample_rows(Index values, Index n, Index rows, F&& f) {
  const int threads = max_threads();
  if (threads <= 1 || n >= threads || values * n < ParallelThresholds::sample_elements ||
      rows * n < threads) {
    for_each_sample(values, n, [&f, rows](Index j) { f(j, Index(0), rows); });
    return;
  }
  parallel_column_blocks(1, n * rows, threads, [&f, rows](Index begin, Index end) {
    for (Index k = begin; k < end;) {  // the rows k … end − 1, counted over the whole batch
      const Index j = k / rows, first = k % rows, last = std::min(rows, first + (end - k));
      f(j, first, last);
      k += last - first;
    }
  });
}

/// Over how many threads a product is split.
// Over how many threads a (rows × depth)(depth × cols) product is split
// (perf/products.hpp): all of them when it has enough multiply-adds and no
// side narrower than ParallelThresholds::columns, or when its result has
// many columns (a convolution's Y = W P, one column per output pixel of
// every sample, with a depth of kh·kw·C that can be as small as 9); else 1.
inline int product_threads(Index rows, Index depth, Index cols) {
  const double work = double(rows) * double(depth) * double(cols);
  const Index narrowest = std::min({rows, depth, cols});
  const bool wide = cols >= ParallelThresholds::wide_columns;
  return work >= ParallelThresholds::product && (narrowest >= ParallelThresholds::columns || wide)
             ? max_threads()
             : 1;
}

}  // namespace hnn
