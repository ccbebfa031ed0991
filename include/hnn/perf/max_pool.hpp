// SPDX-License-Identifier: MIT
#pragma once
// MaxPool2D's forward and backward (layers/max_pool2d.hpp), the way they run fast:
//
//   max_pool_forward(X, g, Y, argmax)   y[k] = max over k's window, argmax[k] where it is
//   max_pool_backward(dY, argmax, dX)   dX = 0, then dX[argmax[k]] += dY[k]
//
// The same comparisons in the same order as the readable loops (a later
// pixel wins only if strictly larger, so a tie keeps the first pixel in
// reading order), hence the same Y, arg-max and dX, bit for bit
// (tests/perf/test_max_pool.cpp). What changes: plain loops over pointers,
// channel by channel, which the compiler turns into vector compares and
// masked stores, instead of Eigen select expressions over a pixel's
// channels; the window's first pixel, which starts the maximum, is not
// compared with itself again; and the output rows of a single image are
// given to several threads (perf/threads.hpp: for_each_sample_rows).
//
// The geometry is a WindowGeometry (layers/window.hpp), taken as a template
// parameter so that perf/ depends on core/ only.

#include <algorithm>

#include "hnn/core/types.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// Max-pooling's forward with its arg-max, the fast form.
// Y (C·out_h·out_w × n) and argmax (the same shape, offsets into X's column)
// for a batch X (C·H·W × n).
template <typename XType, typename Geometry, typename YType, typename AType>
void max_pool_forward(const XType& X, const Geometry& geometry, YType&& Y, AType&& argmax) {
  using S = typename std::decay_t<XType>::Scalar;
  for_each_sample_rows(X.rows(), X.cols(), geometry.out_h, [&](Index n, Index i0, Index i1) {
    // Local copies: the arg-max is written through an Index pointer, which the
    // compiler must otherwise assume may change the sizes it loops over.
    const Geometry g = geometry;
    const Index C = g.channels;
    const S* x = X.col(n).data();
    S* y = Y.col(n).data();
    Index* at = argmax.col(n).data();
    for (Index i = i0; i < i1; ++i) {
      for (Index j = 0; j < g.out_w; ++j) {
        const Index p = i * g.out_w + j;
        const Index top = i * g.stride - g.pad_top, left = j * g.stride - g.pad_left;
        const Index h0 = std::max<Index>(top, 0), h1 = std::min(top + g.k_h, g.in_h);
        const Index w0 = std::max<Index>(left, 0), w1 = std::min(left + g.k_w, g.in_w);
        S* __restrict yp = y + p * C;
        Index* __restrict ap = at + p * C;
        const Index q0 = h0 * g.in_w + w0;
        for (Index c = 0; c < C; ++c) {
          yp[c] = x[q0 * C + c];
          ap[c] = q0 * C + c;
        }
        for (Index h = h0; h < h1; ++h) {
          for (Index w = (h == h0 ? w0 + 1 : w0); w < w1; ++w) {
            const S* __restrict xq = x + (h * g.in_w + w) * C;
            const Index base = (h * g.in_w + w) * C;
            for (Index c = 0; c < C; ++c) {
              const bool wins = xq[c] > yp[c];
              yp[c] = wins ? xq[c] : yp[c];
              ap[c] = wins ? base + c : ap[c];
            }
          }
        }
      }
    }
  });
}

/// Max-pooling's backward, routing dY to the arg-max, the fast form.
// dX (C·H·W × n) from dY (C·out_h·out_w × n) and forward's arg-max.
template <typename DYType, typename AType, typename DXType>
void max_pool_backward(const DYType& dY, const AType& argmax, DXType&& dX) {
  using S = typename std::decay_t<DYType>::Scalar;
  for_each_sample(dY.rows(), dY.cols(), [&](Index n) {
    S* dx = dX.col(n).data();
    const S* dy = dY.col(n).data();
    const Index* at = argmax.col(n).data();
    std::fill(dx, dx + dX.rows(), S(0));
    for (Index k = 0; k < dY.rows(); ++k)
      dx[at[k]] += dy[k];
  });
}

}  // namespace hnn
