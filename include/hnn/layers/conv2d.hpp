// SPDX-License-Identifier: MIT
#pragma once
// Conv2D: F filters, each kh × kw pixels of C channels, slide over an image.
// Every output value is a weighted sum of the input values under its window,
// with the same weights at every position (weight sharing).
//
// Input: images {C, H, W}; output: images {F, out_h, out_w} (the size rule,
// stride and padding: layers/window.hpp). For a batch X of n images (one per
// column, each pixel's channels together: core/shape.hpp):
//
// Forward:
//   P = im2col(X)               (kh·kw·C × out_h·out_w·n)  one column per output
//                                                          pixel of every sample
//   Y = W P + b 1ᵀ              W (F × kh·kw·C), b (F × 1),
//                               Y (F × out_h·out_w·n)
//
// Y's column (j·out_h + oh)·out_w + ow holds the F filters' values at pixel
// (oh, ow) of sample j. Column-major, that is exactly the batch of output
// images (F·out_h·out_w × n) in the library's order: the same numbers, read
// with other dimensions (a Map), no copy and no transpose.
//
// Backward, given dY = ∂L/∂Y (the same numbers as F × out_h·out_w·n):
//   dW += dY Pᵀ                 (F × kh·kw·C)   every position's outer product, summed
//   db += dY 1                  (F × 1)         the row sums of dY
//   dP  = Wᵀ dY                 (kh·kw·C × out_h·out_w·n)
//   dX  = col2im(dP)            (C·H·W × n)     each patch entry added back where
//                                               im2col copied it from
//
// So a convolution is a Dense layer applied to every window: the forward is
// one product for the whole batch, dW and dP one product each. The gradients
// are sums over the batch; the loss already divided by n.
//
// The code takes a large batch a few samples at a time (perf/chunks.hpp):
// the same equations on the chunk's columns, so that P, rebuilt for each
// chunk, stays in the cache between im2col and the products.
//
// Weights are drawn like Dense's, with fan_in = kh·kw·C and
// fan_out = kh·kw·F (Xavier/Glorot uniform unless told otherwise; use
// Init::he_uniform() before ReLU).

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/init/initializer.hpp"
#include "hnn/layers/im2col.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/layers/window.hpp"
#include "hnn/perf/chunks.hpp"
#include "hnn/perf/patches.hpp"
#include "hnn/perf/products.hpp"

namespace hnn {

/// Conv2D's settings beyond its sizes.
struct Conv2DOptions {
  Index stride = 1;                       ///< pixels the window moves at a time
  Padding padding = Padding::valid();     ///< valid, a number, or TensorFlow's same
  bool bias = true;                       ///< false: no b (a BatchNorm after it has its own shift)
  Init weights = Init::xavier_uniform();  ///< how W is drawn (He before ReLU)
  Init bias_init = Init::zeros();         ///< how b is drawn
};

/// A 2-D convolution: F filters of kh × kw × C slide over an image.
template <typename Scalar>
class Conv2D : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;
  /// A matrix over memory the layer owns.
  using MapMat = Eigen::Map<Mat>;
  /// A read-only matrix over memory the layer owns.
  using ConstMapMat = Eigen::Map<const Mat>;

  /// A convolution of `filters` kernels over images of `in_channels` channels.
  Conv2D(Index in_channels, Index filters, Window kernel, Random& rng, Conv2DOptions o = {})
      : in_channels_(in_channels),
        kernel_(kernel),
        stride_(o.stride),
        padding_(o.padding),
        has_bias_(o.bias),
        W_(checked_weights(in_channels, filters, kernel, o)),
        b_(Mat::Zero(filters, 1)),
        dW_(Mat::Zero(filters, W_.cols())),
        db_(Mat::Zero(filters, 1)) {
    const Index window = kernel.height * kernel.width;
    o.weights.fill(W_, window * in_channels, window * filters, rng);
    if (has_bias_) o.bias_init.fill(b_, window * in_channels, window * filters, rng);
  }

  std::string type_name() const override { return "Conv2D"; }
  std::string describe() const override {
    std::ostringstream s;
    s << "Conv2D(" << in_channels_ << " → " << filters() << ", " << kernel_.height << "×"
      << kernel_.width;
    if (stride_ != 1) s << ", stride " << stride_;
    if (padding_.kind() != Padding::Kind::valid) s << ", padding " << padding_.str();
    if (!has_bias_) s << ", no bias";
    s << ')';
    return s.str();
  }
  /// The input channels C.
  Index in_channels() const { return in_channels_; }
  /// The filters F, the output channels.
  Index filters() const { return W_.rows(); }
  /// The window of each filter, kh × kw.
  Window kernel() const { return kernel_; }
  /// The pixels the window moves at a time.
  Index stride() const { return stride_; }
  /// The padding around the image.
  const Padding& padding() const { return padding_; }
  /// Whether the layer has a bias b (Conv2DOptions::bias).
  bool has_bias() const { return has_bias_; }

  // {C, H, W} → {F, out_h, out_w}
  Shape compute_output_shape(const Shape& input) const override {
    const WindowGeometry g = window_geometry(describe(), input, kernel_, stride_, padding_);
    if (g.channels != in_channels_) {
      std::ostringstream s;
      s << describe() << ": takes images of " << in_channels_ << " channel"
        << (in_channels_ == 1 ? "" : "s") << ", but is given " << input << " (" << g.channels
        << " channel" << (g.channels == 1 ? "" : "s") << ")";
      throw ShapeError(s.str());
    }
    return Shape{filters(), g.out_h, g.out_w};
  }

 protected:
  In forward_impl(In X, Mode /*mode*/) override {
    const WindowGeometry& g = geometry();
    const Index n = X.cols(), pixels = g.out_pixels();
    auto Y = batch_view(Y_, filters() * pixels, n);
    // A few samples at a time, so that P is still in the cache when the
    // product reads it (perf/chunks.hpp); the equations are those above.
    for_each_chunk(n, chunk_samples(g), [&](Index first, Index count) {
      const auto P = build_patches(X, g, first, count);           // P = im2col(X)
      MapMat Yc(Y.col(first).data(), filters(), pixels * count);  // these samples' Y
      Yc.colwise() = b_.col(0);                                   // Y = b 1ᵀ
      add_product(Yc, W_, P);                                     //   + W P
    });
    return Y;
  }

  In backward_impl(In dY_batch) override {
    const WindowGeometry& g = geometry();
    const Index n = dY_batch.cols(), pixels = g.out_pixels();
    const ConstMapMat dY_all = as_filter_rows(dY_batch, pixels * n);
    const bool dX_wanted = this->input_gradient_wanted();
    auto dX = batch_view(dX_, this->input().rows(), dX_wanted ? n : 0);
    for_each_chunk(n, chunk_samples(g), [&](Index first, Index count) {
      const auto dY = dY_all.middleCols(first * pixels, count * pixels);
      const auto P = patches(this->input(), g, first, count);  // im2col(X), as forward had it
      add_product(dW_, dY, P.transpose());                     // dW += dY Pᵀ
      if (has_bias_) db_ += dY.rowwise().sum();                // db += dY 1
      if (!dX_wanted) return;
      auto dP = batch_view(dP_, W_.cols(), pixels * count);
      set_product(dP, W_.transpose(), dY);                   // dP = Wᵀ dY
      add_back_patches(dP, g, dX.middleCols(first, count));  // dX = col2im(dP)
    });
    return dX;
  }

 public:
  std::vector<Parameter<Scalar>> parameters() override {
    if (!has_bias_) return {Parameter<Scalar>("W", W_, dW_)};
    return {Parameter<Scalar>("W", W_, dW_), Parameter<Scalar>("b", b_, db_)};
  }

  Settings settings() const override {
    return {{"in_channels", double(in_channels_)}, {"filters", double(filters())},
            {"kernel_h", double(kernel_.height)},  {"kernel_w", double(kernel_.width)},
            {"stride", double(stride_)},           {"padding", padding_.setting()},
            {"bias", has_bias_ ? 1.0 : 0.0}};
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Conv2D>(*this); }

  /// The filters W (F × kh·kw·C).
  // W (F × kh·kw·C): row f is filter f, its entries in im2col's row order,
  // (i·kw + k)·C + c for window row i, window column k, channel c.
  const Mat& W() const { return W_; }
  /// The bias b (F × 1), zero without bias.
  const Mat& b() const { return b_; }

 private:
  // The geometry of the last forward's samples, worked out once per shape.
  const WindowGeometry& geometry() {
    return geometry_.of([this] { return describe(); }, this->sample_shape(), kernel_, stride_,
                        padding_);
  }

  // Samples per chunk: as many as keep one chunk's P within the cache budget.
  Index chunk_samples(const WindowGeometry& g) const {
    const Index bytes = W_.cols() * g.out_pixels() * Index(sizeof(Scalar));
    return samples_per_chunk(bytes, this->input().cols());
  }

  // P = im2col of the samples [first, first + count) of X, into P_.
  template <typename XType>
  ConstMapMat build_patches(const XType& X, const WindowGeometry& g, Index first, Index count) {
    auto P = batch_view(P_, W_.cols(), g.out_pixels() * count);
    copy_patches(X.middleCols(first, count), g, P);  // im2col, fast: perf/patches.hpp
    P_data_ = X.col(first).data();
    P_count_ = count;
    return ConstMapMat(P.data(), P.rows(), P.cols());
  }

  // The same P for the backward pass: the chunk P_ still holds from forward
  // (the whole batch, when it is one chunk) is not copied twice.
  template <typename XType>
  ConstMapMat patches(const XType& X, const WindowGeometry& g, Index first, Index count) {
    if (P_data_ != X.col(first).data() || P_count_ != count)
      return build_patches(X, g, first, count);
    return ConstMapMat(P_.data(), W_.cols(), g.out_pixels() * count);
  }

  // dY's numbers as (F × out_h·out_w·n). A batch whose columns are not
  // contiguous (a block of a taller matrix) is copied first.
  ConstMapMat as_filter_rows(const In& dY, Index columns) {
    if (dY.outerStride() == dY.rows()) return ConstMapMat(dY.data(), filters(), columns);
    auto copy = batch_view(dY_copy_, dY.rows(), dY.cols());
    copy = dY;
    return ConstMapMat(copy.data(), filters(), columns);
  }

  // W's storage (F × kh·kw·C), after checking every argument: called first in
  // the constructor, so a bad size is an ArgumentError before any member is
  // sized with it.
  static Mat checked_weights(Index in_channels, Index filters, Window kernel,
                             const Conv2DOptions& o) {
    if (in_channels < 1 || filters < 1) {
      std::ostringstream s;
      s << "Conv2D: in_channels and filters must be positive, got in_channels = " << in_channels
        << ", filters = " << filters;
      throw ArgumentError(s.str());
    }
    check_window("Conv2D", kernel, o.stride, o.padding);
    if (double(filters) * double(kernel.height) * double(kernel.width) * double(in_channels) >
        double(Index(1) << 28)) {
      throw ArgumentError("Conv2D: filters × kernel × in_channels is implausibly large");
    }
    return Mat(filters, kernel.height * kernel.width * in_channels);
  }

  Index in_channels_;  // C
  Window kernel_;      // kh × kw
  Index stride_;
  Padding padding_;
  bool has_bias_;
  Mat W_;   // filters        (F × kh·kw·C)
  Mat b_;   // bias           (F × 1), zero without bias
  Mat dW_;  // ∂L/∂W          (F × kh·kw·C), accumulated
  Mat db_;  // ∂L/∂b          (F × 1), accumulated
  Mat P_;   // im2col(X)      (kh·kw·C × out_h·out_w·samples per chunk)
  Mat Y_;   // output buffer  (F·out_h·out_w × largest n)
  Mat dP_;  // Wᵀ dY          (kh·kw·C × out_h·out_w·samples per chunk)
  const Scalar* P_data_ = nullptr;  // the first input value of the samples P_ holds,
  Index P_count_ = 0;               //   and how many samples
  Mat dX_;                          // input-gradient buffer (C·H·W × largest n)
  Mat dY_copy_;                     // dY made contiguous, when it is not
  WindowGeometryCache geometry_;    // the window over the last sample shape
};

}  // namespace hnn
