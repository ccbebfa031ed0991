// SPDX-License-Identifier: MIT
#pragma once
// Chunks: a batch taken a few samples at a time (docs/14-performance.md).
//
// A convolution copies its input into a patch matrix P = im2col(X) and then
// reads P in a matrix product. For the benchmark's second convolution P holds
// 288 × 121 numbers per sample, 139 KiB: at a batch of 128 that is 17.8 MB,
// far more than a core's cache, so the product reads back from memory what
// im2col has just written: its three products took 25–85% longer per sample
// at batches of 32 and 128 than at a batch of one (bench_cnn --mode profile,
// the convolutions' parts, before chunks). Taking the batch in chunks small
// enough that a chunk's P fits in the cache keeps each product on numbers the
// core has just touched, and P itself shrinks to the size of one chunk.
//
//   samples_per_chunk(bytes_per_sample, n)   how many samples a chunk holds
//   for_each_chunk(n, chunk, f)              f(first, count) for each chunk, in order
//
// A chunk holds at least as many samples as there are threads, so that the
// work inside it (im2col sample by sample, the products column by column)
// still gives every thread a share. Chunks change only the order in which a
// gradient's terms are summed (dW = Σ_chunks dY_c P_cᵀ), never which terms.

#include <algorithm>

#include "hnn/core/types.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// The cache budget of one chunk's intermediate matrix.
struct ChunkBudget {
  /// Bytes of a chunk's intermediate matrix.
  // Bytes of a chunk's intermediate matrix: a quarter of the 1 MiB L2 cache of
  // one core here, leaving room for the weights and the product's own blocks.
  static constexpr Index bytes = Index(256) << 10;
};

/// How many samples a chunk holds.
// Samples per chunk for work whose intermediate takes bytes_per_sample bytes per
// sample: as many as fit in ChunkBudget::bytes, at least one per thread, at most n.
inline Index samples_per_chunk(Index bytes_per_sample, Index n) {
  const Index fit = ChunkBudget::bytes / std::max<Index>(1, bytes_per_sample);
  return std::max<Index>(1, std::min(n, std::max<Index>(fit, max_threads())));
}

/// f(first, count) for each chunk of a batch, in order.
// f(first, count) for the chunks [first, first + count) of a batch of n samples, in order.
template <typename F>
void for_each_chunk(Index n, Index chunk, F&& f) {
  for (Index first = 0; first < n; first += chunk)
    f(first, std::min(chunk, n - first));
}

}  // namespace hnn
