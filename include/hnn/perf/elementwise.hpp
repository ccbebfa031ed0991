// SPDX-License-Identifier: MIT
#pragma once
// An activation function over a batch, the way it runs fast:
//
//   apply_forward(f, Z, Y)             Y = f(Z)
//   apply_backward(f, Z, Y, dY, dZ)    dZ = dY ⊙ f'(Z)
//
// f is an activation struct (activations/): f.forward(z, y) and
// f.backward(z, y, dy, dz) on Eigen arrays. A large batch is split over the
// threads by blocks of columns, as the product before it split Z = W X
// (perf/threads.hpp: parallel_columns), so each thread works on the columns
// it just computed, still in its core's cache; a small one runs on the
// calling thread. The result is the same either way: element-wise work does
// not depend on how it is split.

#include "hnn/core/types.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// Y = f(Z) over a batch, split with the product before it.
// Y = f(Z)
template <typename F, typename ZT, typename YT>
void apply_forward(const F& f, const ZT& Z, YT&& Y) {
  parallel_columns(Z.rows(), Z.cols(), [&](Index j, Index n) {
    f.forward(Z.middleCols(j, n).array(), Y.middleCols(j, n).array());
  });
}

/// dZ = dY ⊙ f'(Z) over a batch, split as the forward was.
// dZ = dY ⊙ f'(Z)
template <typename F, typename ZT, typename YT, typename DYT, typename DZT>
void apply_backward(const F& f, const ZT& Z, const YT& Y, const DYT& dY, DZT&& dZ) {
  parallel_columns(Z.rows(), Z.cols(), [&](Index j, Index n) {
    f.backward(Z.middleCols(j, n).array(), Y.middleCols(j, n).array(), dY.middleCols(j, n).array(),
               dZ.middleCols(j, n).array());
  });
}

}  // namespace hnn
