// SPDX-License-Identifier: MIT
#pragma once
// im2col and col2im (layers/im2col.hpp), the way they run fast:
//
//   copy_patches(X, g, P)        P  = im2col(X)
//   add_back_patches(dP, g, dX)  dX = col2im(dP)
//
// The same loops, in the same order, over the same window rows: so the same
// numbers, bit for bit (tests/perf/test_patches.cpp checks it for every
// geometry the convolution tests use). What changes: the copy of a window
// row is a plain loop over pointers instead of an Eigen segment, and
// copy_patches gives the output rows of a single image to several threads
// (perf/threads.hpp: for_each_sample_rows; col2im adds into input rows that
// neighbouring output rows share, so it is split by samples only).
//
// g is a WindowGeometry (layers/window.hpp), taken as a template parameter so
// that perf/ depends on core/ only. A window
// row of the first convolution of an image with one channel is 3 numbers,
// and an Eigen segment that short costs more to set up than to copy: the
// first convolution's im2col ran 2.5× faster this way, the second's (window
// rows of 96 numbers) 1.4× (docs/14-performance.md).

#include <algorithm>

#include "hnn/core/types.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// P = im2col(X), the fast form.
// P = im2col(X) for a batch X (C·H·W × n); P must be (kh·kw·C × out_h·out_w·n).
template <typename XType, typename Geometry, typename PType>
void copy_patches(const XType& X, const Geometry& g, PType&& P) {
  using S = typename std::decay_t<XType>::Scalar;
  const Index C = g.channels, row_len = g.k_w * C, rows = P.rows();
  for_each_sample_rows(
      rows * g.out_pixels(), X.cols(), g.out_h, [&](Index j, Index oh0, Index oh1) {
        const S* x = X.col(j).data();
        for (Index oh = oh0; oh < oh1; ++oh) {
          for (Index ow = 0; ow < g.out_w; ++ow) {
            S* p = P.col((j * g.out_h + oh) * g.out_w + ow).data();
            const Index w0 = ow * g.stride - g.pad_left;
            for (Index i = 0; i < g.k_h; ++i) {
              const Index h = oh * g.stride - g.pad_top + i;
              S* row = p + i * row_len;
              if (h < 0 || h >= g.in_h) {
                std::fill(row, row + row_len, S(0));
              } else if (w0 >= 0 && w0 + g.k_w <= g.in_w) {
                const S* from = x + (h * g.in_w + w0) * C;
                for (Index r = 0; r < row_len; ++r)
                  row[r] = from[r];
              } else {
                for (Index k = 0; k < g.k_w; ++k) {
                  const Index w = w0 + k;
                  S* to = row + k * C;
                  if (w < 0 || w >= g.in_w) {
                    std::fill(to, to + C, S(0));
                  } else {
                    std::copy(x + (h * g.in_w + w) * C, x + (h * g.in_w + w + 1) * C, to);
                  }
                }
              }
            }
          }
        }
      });
}

/// dX = col2im(dP), the fast form.
// dX = col2im(dP): dX (C·H·W × n) is set to zero, then every entry of dP
// (kh·kw·C × out_h·out_w·n) is added to the input value im2col copied it from.
template <typename PType, typename Geometry, typename XType>
void add_back_patches(const PType& dP, const Geometry& g, XType&& dX) {
  using S = typename std::decay_t<PType>::Scalar;
  const Index C = g.channels, row_len = g.k_w * C;
  for_each_sample(dP.rows() * g.out_pixels(), dX.cols(), [&](Index j) {
    S* x = dX.col(j).data();
    std::fill(x, x + dX.rows(), S(0));
    for (Index oh = 0; oh < g.out_h; ++oh) {
      for (Index ow = 0; ow < g.out_w; ++ow) {
        const S* p = dP.col((j * g.out_h + oh) * g.out_w + ow).data();
        const Index w0 = ow * g.stride - g.pad_left;
        for (Index i = 0; i < g.k_h; ++i) {
          const Index h = oh * g.stride - g.pad_top + i;
          if (h < 0 || h >= g.in_h) continue;  // padding: nothing to add to
          const S* row = p + i * row_len;
          if (w0 >= 0 && w0 + g.k_w <= g.in_w) {
            S* to = x + (h * g.in_w + w0) * C;
            for (Index r = 0; r < row_len; ++r)
              to[r] += row[r];
          } else {
            for (Index k = 0; k < g.k_w; ++k) {
              const Index w = w0 + k;
              if (w < 0 || w >= g.in_w) continue;
              S* to = x + (h * g.in_w + w) * C;
              for (Index c = 0; c < C; ++c)
                to[c] += row[k * C + c];
            }
          }
        }
      }
    }
  });
}

}  // namespace hnn
