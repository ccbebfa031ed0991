// SPDX-License-Identifier: MIT
#pragma once
// MaxPool2D: each output value is the largest input value under a window.
//
// An input sample is an image {C, H, W}, stored channels-fastest: value
// (c, h, w) at offset (h W + w) C + c of its column (core/shape.hpp), so a
// sample is a (C × H·W) matrix with one column per pixel. A kh × kw window
// moves `stride` pixels at a time over the image with its padding; the sizes
// of the output {C, out_h, out_w} are those of layers/window.hpp.
//
// Forward, for every sample, channel c and output pixel (i, j):
//   y[c, i, j] = max over the window's pixels (h, w) of x[c, h, w]
//   h = i·stride − top + u,  w = j·stride − left + v,   u < kh, v < kw
// Padding cells count as −∞ (as in PyTorch): they never win. The padding is
// at most half the window, so every window holds a pixel of the image.
// Forward keeps, for every output value k, its arg-max: the offset
// (h W + w) C + c of the winning input value in its column, so that
// y[k] = x[argmax[k]]. Ties go to the first pixel of the window in reading
// order (row by row, left to right): a later pixel wins only if strictly larger.
//
// Backward: ∂y/∂x is 1 for the arg-max and 0 for every other input, so
//   dX = 0, then dX[argmax[k]] += dY[k] for every output value k
// Overlapping windows (stride < window) can route several output gradients
// to one input: they add.
//
// Shapes, for a batch of n samples:
//   X, dX      (C·H·W × n)           the input and its gradient
//   Y, dY      (C·out_h·out_w × n)   the output and its gradient
//   argmax_    (C·out_h·out_w × n)   integer offsets into X's column
//
// No parameters and no buffers in the sense of core/buffer.hpp (nothing
// here is saved); Y_, argmax_ and dX_ are sized for the largest batch.

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/layers/window.hpp"
#include "hnn/perf/max_pool.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// Max-pooling: each output value is the largest input value under a window.
template <typename Scalar>
class MaxPool2D : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;
  /// An integer matrix of offsets into X's columns.
  using Offsets = Matrix<Index>;  // an integer matrix of offsets into X's columns

  /// A `size` window moved by `stride` pixels, over the image with `padding`.
  // A `size` window moved by `stride` pixels (0: by the window's height, so
  // square windows do not overlap), over the image with `padding`.
  explicit MaxPool2D(Window size, Index stride = 0, Padding padding = Padding::valid())
      : window_(size), stride_(stride == 0 ? size.height : stride), padding_(padding) {
    check_window("MaxPool2D", window_, stride_, padding_);
    check_pool_padding("MaxPool2D", window_, padding_);
  }

  std::string type_name() const override { return "MaxPool2D"; }
  // "MaxPool2D(2×2, stride 2)", "MaxPool2D(3×3, stride 2, padding 1)"
  std::string describe() const override {
    std::ostringstream s;
    s << "MaxPool2D(" << window_.height << "×" << window_.width << ", stride " << stride_;
    if (padding_.kind() != Padding::Kind::valid) s << ", padding " << padding_.str();
    s << ')';
    return s.str();
  }
  /// The window.
  Window window() const { return window_; }
  /// The stride.
  Index stride() const { return stride_; }
  /// The padding.
  const Padding& padding() const { return padding_; }
  /// The last forward's arg-max offsets (C·out_h·out_w × n).
  // The last forward's arg-max offsets (C·out_h·out_w × n): entry (k, j) is the
  // row of X that output value k of sample j came from.
  Eigen::Ref<const Offsets> argmax() const { return argmax_.leftCols(this->input().cols()); }

  // {C, H, W} → {C, out_h, out_w}
  Shape compute_output_shape(const Shape& input) const override {
    const WindowGeometry g = window_geometry(describe(), input, window_, stride_, padding_);
    return Shape{g.channels, g.out_h, g.out_w};
  }

 protected:
  In forward_impl(In X, Mode /*mode*/) override {
    const WindowGeometry& g = geometry();
    auto Y = batch_view(Y_, g.channels * g.out_pixels(), X.cols());
    auto argmax = batch_view(argmax_, g.channels * g.out_pixels(), X.cols());
    max_pool_forward(X, g, Y, argmax);  // readable_forward, fast: perf/max_pool.hpp
    return Y;
  }

  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX = batch_view(dX_, this->input().rows(), dY.cols());
    max_pool_backward(dY, argmax_.leftCols(dY.cols()), dX);  // readable_backward, fast
    return dX;
  }

 public:
  /// Y and the arg-max from X, loop by loop.
  // Forward and backward as they read: Y and the arg-max from X, then dX from
  // dY and the arg-max. The layer runs perf/max_pool.hpp's form of these
  // loops, which gives the same numbers bit for bit
  // (tests/perf/test_max_pool.cpp).
  static void readable_forward(const In& X, const WindowGeometry& g, MutRef<Scalar> Y,
                               Eigen::Ref<Offsets> argmax) {
    const Index C = g.channels;
    for_each_sample(X.rows(), X.cols(), [&](Index n) {
      // Sample n as (C × pixels) matrices: column p holds the channels of pixel p.
      const Eigen::Map<const Mat> x(X.col(n).data(), C, g.in_pixels());
      Eigen::Map<Mat> y(Y.col(n).data(), C, g.out_pixels());
      Eigen::Map<Offsets> at(argmax.col(n).data(), C, g.out_pixels());
      for (Index i = 0; i < g.out_h; ++i) {
        for (Index j = 0; j < g.out_w; ++j) {
          const Index p = i * g.out_w + j;  // the output pixel
          // The window's rows h0 … h1 − 1 and columns w0 … w1 − 1 inside the
          // image; the rest of it is padding, which never wins.
          const Index top = i * g.stride - g.pad_top, left = j * g.stride - g.pad_left;
          const Index h0 = std::max<Index>(top, 0), h1 = std::min(top + g.k_h, g.in_h);
          const Index w0 = std::max<Index>(left, 0), w1 = std::min(left + g.k_w, g.in_w);
          y.col(p) = x.col(h0 * g.in_w + w0);  // start from the window's first image pixel
          at.col(p) = offsets_of(h0 * g.in_w + w0, C);
          for (Index h = h0; h < h1; ++h) {  // then every pixel, in reading order
            for (Index w = w0; w < w1; ++w) {
              const Index q = h * g.in_w + w;  // the input pixel
              // Where x > y, y = x and the arg-max moves here (strictly greater:
              // a tie keeps the earlier pixel). Both use the y from before.
              at.col(p) = (x.col(q).array() > y.col(p).array()).select(offsets_of(q, C), at.col(p));
              y.col(p) = (x.col(q).array() > y.col(p).array()).select(x.col(q), y.col(p));
            }
          }
        }
      }
    });
  }

  /// dX from dY and the arg-max, loop by loop.
  static void readable_backward(const In& dY, const Eigen::Ref<const Offsets>& argmax,
                                MutRef<Scalar> dX) {
    dX.setZero();  // ∂y/∂x = 0 away from the arg-max
    for_each_sample(dY.rows(), dY.cols(), [&](Index n) {
      for (Index k = 0; k < dY.rows(); ++k)
        dX(argmax(k, n), n) += dY(k, n);  // dX[argmax] += dY  (∂y/∂x = 1 there)
    });
  }

  // "size_h", "size_w", "stride" and "padding" ("valid", "same" or a number).
  Settings settings() const override {
    return {{"size_h", double(window_.height)},
            {"size_w", double(window_.width)},
            {"stride", double(stride_)},
            {"padding", padding_.setting()}};
  }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<MaxPool2D>(*this);
  }

 private:
  // The offsets q C, q C + 1, …, q C + C − 1 of pixel q's channels in a column
  // (an expression Eigen evaluates as it assigns; nothing is stored).
  static typename Vector<Index>::RandomAccessLinSpacedReturnType offsets_of(Index q, Index C) {
    return Vector<Index>::LinSpaced(C, q * C, q * C + C - 1);
  }

  // The geometry for the last forward's sample shape, recomputed only when that
  // shape changes (building it names the layer, which allocates a string).
  const WindowGeometry& geometry() {
    return geometry_.of([this] { return describe(); }, this->sample_shape(), window_, stride_,
                        padding_);
  }

  Window window_;
  Index stride_;
  Padding padding_;
  WindowGeometryCache geometry_;  // the window over the last sample shape
  Mat Y_;                         // output                (C·out_h·out_w × largest n)
  Offsets argmax_;  // offsets of the maxima (C·out_h·out_w × largest n), kept for backward
  Mat dX_;          // input gradient        (C·H·W × largest n)
};

}  // namespace hnn
