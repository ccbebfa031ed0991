// SPDX-License-Identifier: MIT
#pragma once
// AvgPool2D: each output value is the mean of the input values under a window.
//
// An input sample is an image {C, H, W}, stored channels-fastest: value
// (c, h, w) at offset (h W + w) C + c of its column (core/shape.hpp), so a
// sample is a (C × H·W) matrix with one column per pixel. A kh × kw window
// moves `stride` pixels at a time over the image with its padding; the sizes
// of the output {C, out_h, out_w} are those of layers/window.hpp.
//
// Forward, for every sample, channel c and output pixel (i, j):
//   y[c, i, j] = (1 / (kh kw)) Σ over the window's pixels (h, w) of x[c, h, w]
//   h = i·stride − top + u,  w = j·stride − left + v,   u < kh, v < kw
// Padding cells hold 0 and count in the divisor, which is always kh·kw: a
// window half over the padding averages the image's values with zeros
// (PyTorch's default, count_include_pad=True).
//
// Backward: ∂y[c, i, j]/∂x[c, h, w] = 1/(kh kw) for each (h, w) of the
// window, 0 elsewhere, so
//   dX = 0, then dX[c, h, w] += dY[c, i, j] / (kh kw) for each pixel of each window
// Overlapping windows (stride < window) add their shares.
//
// Shapes, for a batch of n samples:
//   X, dX      (C·H·W × n)           the input and its gradient
//   Y, dY      (C·out_h·out_w × n)   the output and its gradient
//
// No parameters and no buffers; Y_ and dX_ are sized for the largest batch.

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/layers/window.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// Average pooling: each output value is the mean of the input values under a window.
template <typename Scalar>
class AvgPool2D : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  /// A `size` window moved by `stride` pixels, over the image with `padding`.
  // A stride of 0 is the window's height, so square windows do not overlap.
  explicit AvgPool2D(Window size, Index stride = 0, Padding padding = Padding::valid())
      : window_(size), stride_(stride == 0 ? size.height : stride), padding_(padding) {
    check_window("AvgPool2D", window_, stride_, padding_);
    check_pool_padding("AvgPool2D", window_, padding_);
  }

  std::string type_name() const override { return "AvgPool2D"; }
  // "AvgPool2D(2×2, stride 2)", "AvgPool2D(3×3, stride 1, padding same)"
  std::string describe() const override {
    std::ostringstream s;
    s << "AvgPool2D(" << window_.height << "×" << window_.width << ", stride " << stride_;
    if (padding_.kind() != Padding::Kind::valid) s << ", padding " << padding_.str();
    s << ')';
    return s.str();
  }
  /// The window's height and width.
  Window window() const { return window_; }
  /// The step between two windows, in pixels.
  Index stride() const { return stride_; }
  /// The padding around the image.
  const Padding& padding() const { return padding_; }

  // {C, H, W} → {C, out_h, out_w}
  Shape compute_output_shape(const Shape& input) const override {
    const WindowGeometry g = window_geometry(describe(), input, window_, stride_, padding_);
    return Shape{g.channels, g.out_h, g.out_w};
  }

 protected:
  In forward_impl(In X, Mode /*mode*/) override {
    const WindowGeometry& g = geometry();
    const Index C = g.channels;
    const Scalar share = Scalar(1) / Scalar(g.window_pixels());  // 1 / (kh kw)
    auto Y = batch_view(Y_, C * g.out_pixels(), X.cols());
    for_each_sample(X.rows(), X.cols(), [&](Index n) {
      // Sample n as (C × pixels) matrices: column p holds the channels of pixel p.
      const Eigen::Map<const Mat> x(X.col(n).data(), C, g.in_pixels());
      Eigen::Map<Mat> y(Y.col(n).data(), C, g.out_pixels());
      for (Index i = 0; i < g.out_h; ++i) {
        for (Index j = 0; j < g.out_w; ++j) {
          const Index p = i * g.out_w + j;  // the output pixel
          // The window's rows h0 … h1 − 1 and columns w0 … w1 − 1 inside the
          // image; the rest of it is padding, which adds zeros.
          const Index top = i * g.stride - g.pad_top, left = j * g.stride - g.pad_left;
          const Index h0 = std::max<Index>(top, 0), h1 = std::min(top + g.k_h, g.in_h);
          const Index w0 = std::max<Index>(left, 0), w1 = std::min(left + g.k_w, g.in_w);
          y.col(p).setZero();
          for (Index h = h0; h < h1; ++h)
            for (Index w = w0; w < w1; ++w)
              y.col(p) += x.col(h * g.in_w + w);  // y = Σ x
          y.col(p) *= share;                      //   / (kh kw)
        }
      }
    });
    return Y;
  }

  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    const WindowGeometry& g = geometry();
    const Index C = g.channels;
    const Scalar share = Scalar(1) / Scalar(g.window_pixels());  // 1 / (kh kw)
    auto dX = batch_view(dX_, this->input().rows(), dY.cols());
    dX.setZero();  // windows that overlap add their shares
    for_each_sample(dY.rows(), dY.cols(), [&](Index n) {
      const Eigen::Map<const Mat> dy(dY.col(n).data(), C, g.out_pixels());
      Eigen::Map<Mat> dx(dX.col(n).data(), C, g.in_pixels());
      for (Index i = 0; i < g.out_h; ++i) {
        for (Index j = 0; j < g.out_w; ++j) {
          const Index p = i * g.out_w + j;  // the output pixel and its window, as in forward
          const Index top = i * g.stride - g.pad_top, left = j * g.stride - g.pad_left;
          const Index h0 = std::max<Index>(top, 0), h1 = std::min(top + g.k_h, g.in_h);
          const Index w0 = std::max<Index>(left, 0), w1 = std::min(left + g.k_w, g.in_w);
          for (Index h = h0; h < h1; ++h)
            for (Index w = w0; w < w1; ++w)
              dx.col(h * g.in_w + w) += share * dy.col(p);  // dX[window] += dY / (kh kw)
        }
      }
    });
    return dX;
  }

 public:
  // "size_h", "size_w", "stride" and "padding" ("valid", "same" or a number).
  Settings settings() const override {
    return {{"size_h", double(window_.height)},
            {"size_w", double(window_.width)},
            {"stride", double(stride_)},
            {"padding", padding_.setting()}};
  }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<AvgPool2D>(*this);
  }

 private:
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
  Mat Y_;                         // output         (C·out_h·out_w × largest n)
  Mat dX_;                        // input gradient (C·H·W × largest n)
};

}  // namespace hnn
