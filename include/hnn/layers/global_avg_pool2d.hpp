// SPDX-License-Identifier: MIT
#pragma once
// GlobalAvgPool2D: each channel of an image becomes one number, its mean.
//
//   {C, H, W} → {C}
//
// Forward, for every sample and channel c:
//   y[c] = (1 / (H W)) Σ over all pixels (h, w) of x[c, h, w]
//
// Backward: ∂y[c]/∂x[c, h, w] = 1/(H W) for every pixel, and 0 across channels, so
//   dX[c, h, w] = dY[c] / (H W)          dY broadcast to every pixel
//
// An image is stored channels-fastest (core/shape.hpp): value (c, h, w) at
// offset (h W + w) C + c, so a sample is a (C × H·W) matrix with one column
// per pixel, and y is the mean of its H·W columns — the sum of the sample's
// H·W contiguous segments of C values, divided by H·W.
//
// Shapes, for a batch of n samples:
//   X, dX   (C·H·W × n)   the input and its gradient
//   Y, dY   (C × n)       the output and its gradient
//
// No parameters and no buffers; Y_ and dX_ are sized for the largest batch.

#include <memory>
#include <sstream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// Global average pooling: each channel of an image becomes its mean, {C, H, W} → {C}.
template <typename Scalar>
class GlobalAvgPool2D : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  std::string type_name() const override { return "GlobalAvgPool2D"; }

  // {C, H, W} → {C}
  Shape compute_output_shape(const Shape& input) const override {
    if (input.rank() != 3) {
      std::ostringstream s;
      s << this->describe() << ": takes an image {C, H, W} per sample, but is given " << input
        << (input.rank() == 1 ? " (a Reshape before it gives a vector the shape of an image)" : "");
      throw ShapeError(s.str());
    }
    return Shape(input[0]);
  }

 protected:
  In forward_impl(In X, Mode /*mode*/) override {
    const Index C = this->sample_shape()[0];
    const Index pixels = X.rows() / C;  // H·W
    const Scalar share = Scalar(1) / Scalar(pixels);
    auto Y = batch_view(Y_, C, X.cols());
    for_each_sample(X.rows(), X.cols(), [&](Index n) {
      // Sample n as a (C × H·W) matrix: column p holds the channels of pixel p.
      const Eigen::Map<const Mat> x(X.col(n).data(), C, pixels);
      Y.col(n).setZero();
      for (Index p = 0; p < pixels; ++p)
        Y.col(n) += x.col(p);  // y = Σ_p x[:, p]
      Y.col(n) *= share;       //   / (H W)
    });
    return Y;
  }

  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    const Index C = dY.rows();
    const Index pixels = this->input().rows() / C;  // H·W
    const Scalar share = Scalar(1) / Scalar(pixels);
    auto dX = batch_view(dX_, this->input().rows(), dY.cols());
    for_each_sample(dY.rows(), dY.cols(), [&](Index n) {
      Eigen::Map<Mat> dx(dX.col(n).data(), C, pixels);
      for (Index p = 0; p < pixels; ++p)
        dx.col(p) = share * dY.col(n);  // dX[:, p] = dY / (H W), for every pixel p
    });
    return dX;
  }

 public:
  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<GlobalAvgPool2D>(*this);
  }

 private:
  Mat Y_;   // output         (C × largest n)
  Mat dX_;  // input gradient (C·H·W × largest n)
};

}  // namespace hnn
