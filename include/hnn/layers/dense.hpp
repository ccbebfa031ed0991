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
//   dX  = Wᵀ dZ                    (in × n)     skipped for the model's first layer
//
// The gradients are sums over the batch; the loss already divided by n.
// When dW was zero and n is small (dZ and X hold fewer numbers than dW, and
// the product would run on one thread), backward keeps copies of dZ and X
// instead of computing dW, and plain SGD updates W ← W − η dZ Xᵀ in one
// product (GradientState::defer in core/parameter.hpp). Reading dW through
// parameters() computes it first, so nothing outside the layer can tell.
// The products go through hnn::product (core/parallel.hpp), which splits
// large ones over the threads and runs small ones on one.

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/parallel.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/init/initializer.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

template <typename Scalar>
class Dense : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  // W is drawn from `weights` (Xavier/Glorot uniform unless told otherwise;
  // use Init::he_uniform() before ReLU), b from `bias` (zeros).
  Dense(Index in, Index out, Random& rng, Init weights = Init::xavier_uniform(),
        Init bias = Init::zeros())
      : W_(out, in), b_(out, 1), dW_(Mat::Zero(out, in)), db_(Mat::Zero(out, 1)) {
    if (in <= 0 || out <= 0) {
      std::ostringstream s;
      s << "Dense: sizes must be positive, got in = " << in << ", out = " << out;
      throw ArgumentError(s.str());
    }
    weights.fill(W_, in, out, rng);
    bias.fill(b_, in, out, rng);
  }

  std::string type_name() const override { return "Dense"; }
  std::string describe() const override {
    std::ostringstream s;
    s << "Dense(" << in_size() << " → " << out_size() << ')';
    return s.str();
  }
  Index in_size() const { return W_.cols(); }
  Index out_size() const { return W_.rows(); }

  Index output_size(Index input_size) const override {
    if (input_size != in_size()) {
      std::ostringstream s;
      s << describe() << ": takes " << in_size() << " inputs, but is given " << input_size;
      throw ShapeError(s.str());
    }
    return out_size();
  }

 protected:
  In forward_impl(In X, Mode /*mode*/) override {
    check_rows([this] { return describe() + ".forward"; }, "input", X, in_size());
    auto Z = batch_view(Z_, out_size(), X.cols());
    Z.colwise() = b_.col(0);          // Z = b 1ᵀ
    product(Z, W_, X, /*add=*/true);  //   + W X
    return Z;
  }

  In backward_impl(In dZ) override {
    const auto& X = this->input();
    if (!dW_state_.defer(dZ, X)) {  // small n: keep dZ and X, compute dW when needed
      dW_state_.threads =
          product(dW_, dZ, X.transpose(), dW_state_.accumulate(dW_));  // dW += dZ Xᵀ
    }
    db_.col(0).noalias() += dZ.rowwise().sum();  // db += dZ 1
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX = batch_view(dX_, in_size(), dZ.cols());
    product(dX, W_.transpose(), dZ);  // dX = Wᵀ dZ
    return dX;
  }

 public:
  std::vector<Parameter<Scalar>> parameters() override {
    return {Parameter<Scalar>("W", W_, dW_, &dW_state_), Parameter<Scalar>("b", b_, db_)};
  }

  Settings settings() const override {
    return {{"in", double(in_size())}, {"out", double(out_size())}};
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Dense>(*this); }

  const Mat& W() const { return W_; }
  const Mat& b() const { return b_; }

 private:
  Mat W_;                           // weights       (out × in)
  Mat b_;                           // bias          (out × 1)
  Mat dW_;                          // ∂L/∂W         (out × in), accumulated
  Mat db_;                          // ∂L/∂b         (out × 1), accumulated
  Mat Z_;                           // output buffer (out × largest n)
  Mat dX_;                          // input-gradient buffer (in × largest n)
  GradientState<Scalar> dW_state_;  // dW's threads, pending zero, deferral (core/parameter.hpp)
};

}  // namespace hnn
