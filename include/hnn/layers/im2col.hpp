// SPDX-License-Identifier: MIT
#pragma once
// im2col and col2im: a convolution as one matrix product.
//
// im2col copies, for every output pixel of every sample, the values the
// window sees there into one column of a patch matrix P:
//
//   P (kh·kw·C × out_h·out_w·n)     column (j·out_h + oh)·out_w + ow: sample j,
//                                   output pixel (oh, ow)
//   row (i·kw + k)·C + c            window row i, window column k, channel c
//   P[row, column] = x_j(c, oh·stride − top + i, ow·stride − left + k),
//                    0 where that is padding
//
// Because a sample stores each pixel's channels together, a window row of
// kw pixels inside the image is kw·C consecutive numbers of the sample's
// column: one copy (the loops below copy whole window rows where they can).
//
// col2im is im2col's adjoint: it adds every entry of a patch matrix back to
// the input value it was copied from. A value that several windows see (the
// windows overlap when stride < kernel) receives the sum. So if P = im2col(X)
// then, for any dP, ⟨dP, im2col(X)⟩ = ⟨col2im(dP), X⟩: the backward pass of
// the copy.
//
// The loops go sample by sample, output pixel by output pixel, window row by
// window row (layers/window.hpp has the geometry). Each sample writes only
// its own columns of P (and of dX), so for_each_sample (perf/threads.hpp)
// may give the samples of a large batch to several threads.

#include "hnn/core/types.hpp"
#include "hnn/layers/window.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// P = im2col(X): every window of every sample as a column.
// P = im2col(X) for a batch X (C·H·W × n); P must be (kh·kw·C × out_h·out_w·n).
template <typename XType, typename PType>
void im2col(const XType& X, const WindowGeometry& g, PType&& P) {
  const Index C = g.channels, row_len = g.k_w * C;  // one window row: kw pixels × C
  for_each_sample(P.rows() * g.out_pixels(), X.cols(), [&](Index j) {
    for (Index oh = 0; oh < g.out_h; ++oh) {
      for (Index ow = 0; ow < g.out_w; ++ow) {
        auto p = P.col((j * g.out_h + oh) * g.out_w + ow);
        const Index w0 = ow * g.stride - g.pad_left;  // the window's first column
        for (Index i = 0; i < g.k_h; ++i) {
          const Index h = oh * g.stride - g.pad_top + i;
          auto row = p.segment(i * row_len, row_len);
          if (h < 0 || h >= g.in_h) {
            row.setZero();  // a padding row
          } else if (w0 >= 0 && w0 + g.k_w <= g.in_w) {
            row = X.col(j).segment((h * g.in_w + w0) * C, row_len);  // inside: one copy
          } else {
            for (Index k = 0; k < g.k_w; ++k) {  // at the left or right edge
              const Index w = w0 + k;
              if (w < 0 || w >= g.in_w) {
                row.segment(k * C, C).setZero();
              } else {
                row.segment(k * C, C) = X.col(j).segment((h * g.in_w + w) * C, C);
              }
            }
          }
        }
      }
    }
  });
}

/// dX = col2im(dP): each patch entry added back where im2col copied it from.
// dX = col2im(dP): dX (C·H·W × n) is set to zero, then every entry of dP
// (kh·kw·C × out_h·out_w·n) is added to the input value im2col copied it from.
template <typename PType, typename XType>
void col2im(const PType& dP, const WindowGeometry& g, XType&& dX) {
  const Index C = g.channels, row_len = g.k_w * C;
  for_each_sample(dP.rows() * g.out_pixels(), dX.cols(), [&](Index j) {
    dX.col(j).setZero();
    for (Index oh = 0; oh < g.out_h; ++oh) {
      for (Index ow = 0; ow < g.out_w; ++ow) {
        const auto p = dP.col((j * g.out_h + oh) * g.out_w + ow);
        const Index w0 = ow * g.stride - g.pad_left;
        for (Index i = 0; i < g.k_h; ++i) {
          const Index h = oh * g.stride - g.pad_top + i;
          if (h < 0 || h >= g.in_h) continue;  // padding: nothing to add to
          const auto row = p.segment(i * row_len, row_len);
          if (w0 >= 0 && w0 + g.k_w <= g.in_w) {
            dX.col(j).segment((h * g.in_w + w0) * C, row_len) += row;
          } else {
            for (Index k = 0; k < g.k_w; ++k) {
              const Index w = w0 + k;
              if (w >= 0 && w < g.in_w) {
                dX.col(j).segment((h * g.in_w + w) * C, C) += row.segment(k * C, C);
              }
            }
          }
        }
      }
    }
  });
}

}  // namespace hnn
