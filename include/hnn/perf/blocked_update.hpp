// SPDX-License-Identifier: MIT
#pragma once
// An optimizer's update, block by block. Each optimizer writes its update
// once, as a function of whole-tensor Eigen arrays (w, ∇w and its state:
// optimizers/adam.hpp and the others), and runs it one of two ways:
//
//   update_whole(p, f, state…)      f once, on whole tensors: the readable form
//   update_in_blocks(p, f, state…)  f on consecutive blocks of kBlock elements
//                                   of every tensor: the fast form
//
// Same arithmetic, element by element (tests/optimizers checks that the two
// agree). Why blocks are faster: an update of several statements (Adam's
// m, v and w lines) on whole tensors streams each tensor through memory once
// per statement; on a block of 1,024 elements (4 KiB of floats per tensor)
// the later statements find the block still in the L1 cache, so every tensor
// goes through memory once. At small batches that is most of a step's cost
// (docs/14-performance.md). The blocks are also split over the threads the
// gradient was computed on (DeferredGradient::threads), so each thread finds
// its columns in its own core's cache.
//
// f gets one Eigen::Map<Eigen::Array<Scalar, Dynamic, 1>> per tensor, in the
// order w, ∇w (read-only), state…; f must not throw.

#include <algorithm>

#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// A tensor's numbers as one array.
template <typename Scalar>
using ArrayMap = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
/// A read-only tensor's numbers as one array.
template <typename Scalar>
using ConstArrayMap = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;

/// Elements per block of an optimizer update.
// Elements per block: 1,024 (4 KiB of floats, 8 KiB of doubles per tensor).
constexpr Index update_block_size = 1024;

/// An optimizer's formula on whole tensors (the readable path).
// f(w, ∇w, state…) on whole tensors.
template <typename Scalar, typename F, typename... State>
void update_whole(Parameter<Scalar>& p, F&& f, State&... state) {
  const auto g = p.grad();
  f(ArrayMap<Scalar>(p.value().data(), p.size()), ConstArrayMap<Scalar>(g.data(), p.size()),
    ArrayMap<Scalar>(state.data(), p.size())...);
}

/// An optimizer's formula block by block, on the gradient's threads (the fast path).
// f(w, ∇w, state…) block by block, on the threads of the gradient.
template <typename Scalar, typename F, typename... State>
void update_in_blocks(Parameter<Scalar>& p, F&& f, State&... state) {
  const Scalar* g = p.grad().data();
  Scalar* w = p.value().data();
  const int threads = p.deferred() ? p.deferred()->threads() : 1;
  parallel_column_blocks(p.rows(), p.cols(), threads, [&](Index begin, Index end) {
    for (Index i = begin; i < end; i += update_block_size) {
      const Index n = std::min(update_block_size, end - i);
      f(ArrayMap<Scalar>(w + i, n), ConstArrayMap<Scalar>(g + i, n),
        ArrayMap<Scalar>(state.data() + i, n)...);
    }
  });
}

}  // namespace hnn
