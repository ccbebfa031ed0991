// SPDX-License-Identifier: MIT
#pragma once
// Dense (fully connected) layer: every output is a weighted sum of every input.
//
// Forward, for a batch X of n samples (one per column):
//   Z = W X + b 1ᵀ                 W (out × in), X (in × n), b (out × 1), Z (out × n)
//
// Backward, given dZ = ∂L/∂Z (out × n):
//   dW += dZ Xᵀ                    (out × in)   each sample's outer product, summed
//   db += dZ 1                     (out × 1)    the row sums of dZ
//   dX  = Wᵀ dZ                    (in × n)     skipped when nothing before needs it
//
// The gradients are sums over the batch; the loss already divided by n.
// Input: a vector per sample, Shape{in}; an image or a sequence goes through a
// Flatten first (layers/flatten.hpp).
//
// The products are the named verbs of perf/products.hpp (set_product: =,
// add_product: +=), and dW is a LazyGradient (perf/lazy_gradient.hpp): to this
// file a gradient that backward adds a product to; the performance chapter
// (docs/14-performance.md) explains what they do to be fast.

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/init/initializer.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/perf/lazy_gradient.hpp"
#include "hnn/perf/products.hpp"

namespace hnn {

/// A dense (fully connected) layer: Z = W X + b 1ᵀ.
template <typename Scalar>
class Dense : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  /// A layer of `out` units on `in` inputs, with W drawn from `weights` and b from `bias`.
  // W is drawn from `weights` (Xavier/Glorot uniform unless told otherwise;
  // use Init::he_uniform() before ReLU), b from `bias` (zeros).
  Dense(Index in, Index out, Random& rng, Init weights = Init::xavier_uniform(),
        Init bias = Init::zeros())
      : W_(checked_rows(in, out), in), b_(out, 1), dW_(out, in), db_(Mat::Zero(out, 1)) {
    weights.fill(W_, in, out, rng);
    bias.fill(b_, in, out, rng);
    this->set_input_shape(Shape(in));
  }

  std::string type_name() const override { return "Dense"; }
  std::string describe() const override {
    std::ostringstream s;
    s << "Dense(" << in_size() << " → " << out_size() << ')';
    return s.str();
  }
  /// The number of inputs, W's columns.
  Index in_size() const { return W_.cols(); }
  /// The number of outputs (units), W's rows.
  Index out_size() const { return W_.rows(); }

  // {in} → {out}
  Shape compute_output_shape(const Shape& input) const override {
    if (input.rank() != 1 || input.size() != in_size()) {
      std::ostringstream s;
      s << describe() << ": takes a vector of " << in_size() << " values per sample, but is given "
        << input << (input.rank() > 1 ? " (put a Flatten before it)" : "");
      throw ShapeError(s.str());
    }
    return Shape(out_size());
  }

 protected:
  In forward_impl(In X, Mode /*mode*/) override {
    auto Z = batch_view(Z_, out_size(), X.cols());
    Z.colwise() = b_.col(0);  // Z = b 1ᵀ
    add_product(Z, W_, X);    //   + W X
    return Z;
  }

  In backward_impl(In dZ) override {
    const auto& X = this->input();
    add_product(dW_, dZ, X.transpose());  // dW += dZ Xᵀ
    db_ += dZ.rowwise().sum();            // db += dZ 1
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX = batch_view(dX_, in_size(), dZ.cols());
    set_product(dX, W_.transpose(), dZ);  // dX = Wᵀ dZ
    return dX;
  }

 public:
  std::vector<Parameter<Scalar>> parameters() override {
    return {Parameter<Scalar>("W", W_, dW_), Parameter<Scalar>("b", b_, db_)};
  }

  Settings settings() const override {
    return {{"in", double(in_size())}, {"out", double(out_size())}};
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Dense>(*this); }

  /// The weights W (out × in).
  const Mat& W() const { return W_; }
  /// The bias b (out × 1).
  const Mat& b() const { return b_; }

 private:
  // `out`, after checking both sizes: called first in the constructor, so a
  // bad size is an ArgumentError before any member is sized with it.
  static Index checked_rows(Index in, Index out) {
    if (in <= 0 || out <= 0) {
      std::ostringstream s;
      s << "Dense: sizes must be positive, got in = " << in << ", out = " << out;
      throw ArgumentError(s.str());
    }
    return out;
  }

  Mat W_;                    // weights       (out × in)
  Mat b_;                    // bias          (out × 1)
  LazyGradient<Scalar> dW_;  // ∂L/∂W         (out × in), accumulated
  Mat db_;                   // ∂L/∂b         (out × 1), accumulated
  Mat Z_;                    // output buffer (out × largest n)
  Mat dX_;                   // input-gradient buffer (in × largest n)
};

}  // namespace hnn
