// SPDX-License-Identifier: MIT
#pragma once
// LayerNorm: each sample is normalized with the mean and variance of its own
// values, then scaled and shifted value by value. PyTorch's nn.LayerNorm with
// normalized_shape = the whole sample's shape and elementwise_affine = true.
// Nothing depends on the other samples of the batch, so training and
// inference compute the same thing, and a batch of one sample is fine.
//
// A batch X is (D × n), D the values of one sample (a sample of any shape:
// {D}, or an image {C, H, W} with D = C·H·W). Per column j:
//   μ_j  = (1/D) Σ_i X_ij                        (1 × n)  mean of sample j
//   σ²_j = (1/D) Σ_i (X_ij − μ_j)²               (1 × n)  its variance, BIASED (÷ D)
//   σ_j  = √(σ²_j + ε)                           (1 × n)
//   X̂    = (X − 1 μ) ⊘ σ   (column j by σ_j)     (D × n)  kept for backward
//   Y    = γ ⊙ X̂ + β 1ᵀ    (row i by γ_i, β_i)   (D × n)
//
// Backward, given dY (D × n):
//   dγ += (dY ⊙ X̂) 1                             (D × 1)
//   dβ += dY 1                                   (D × 1)
//   dX̂  = γ ⊙ dY                                 (D × n)
//   dX  = (1/D) (D dX̂ − 1 (1ᵀ dX̂) − X̂ ⊙ 1 (1ᵀ (dX̂ ⊙ X̂))) ⊘ σ      (D × n)
// the same three paths as BatchNorm's (layers/batch_norm.hpp), through X̂,
// σ² and μ, taken down each column instead of along each row
// (docs/17-normalization.md).
//
// Parameters "gamma" (γ, starts at 1) and "beta" (β, starts at 0), (D × 1):
// one number per value of a sample, in the library's memory order
// (core/shape.hpp). PyTorch stores an image's γ channels first, so γ and β
// copied from it for an image shape are permuted like its inputs.

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/exact_number.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

/// Layer normalization: each sample normalized over its own values, then scaled and shifted.
template <typename Scalar>
class LayerNorm : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  /// Over samples of `normalized` (an image: Shape{C, H, W}).
  explicit LayerNorm(const Shape& normalized, double epsilon = 1e-5)
      : normalized_(checked_shape(normalized, epsilon)),
        epsilon_(epsilon),
        gamma_(Mat::Ones(normalized_.size(), 1)),
        beta_(Mat::Zero(normalized_.size(), 1)),
        dgamma_(Mat::Zero(normalized_.size(), 1)),
        dbeta_(Mat::Zero(normalized_.size(), 1)) {
    this->set_input_shape(normalized_);
  }
  /// Over vectors of `features` values.
  explicit LayerNorm(Index features, double epsilon = 1e-5)
      : LayerNorm(Shape(checked_features(features)), epsilon) {}

  std::string type_name() const override { return "LayerNorm"; }
  // "LayerNorm(16, epsilon=1e-05)", "LayerNorm(3×4×5, epsilon=1e-05)"
  std::string describe() const override {
    return "LayerNorm(" + normalized_.str() + ", epsilon=" + exact_number(epsilon_) + ')';
  }
  /// The shape of the samples it normalizes.
  const Shape& normalized_shape() const { return normalized_; }
  /// The number of values normalized together, D.
  Index size() const { return normalized_.size(); }
  /// ε, added to the variance before the square root.
  double epsilon() const { return epsilon_; }

  // {normalized} → {normalized}
  Shape compute_output_shape(const Shape& input) const override {
    if (input != normalized_) {
      std::ostringstream s;
      s << describe() << ": normalizes samples of " << normalized_ << ", but is given " << input;
      throw ShapeError(s.str());
    }
    return input;
  }

 protected:
  In forward_impl(In X, Mode /*mode*/) override {
    const Index D = X.rows(), n = X.cols();
    auto mean = batch_view(mean_, 1, n);
    auto var = batch_view(var_, 1, n);
    auto inv_std = batch_view(inv_std_, 1, n);
    auto Xhat = batch_view(Xhat_, D, n);
    auto Y = batch_view(Y_, D, n);
    mean = X.colwise().mean();                       // μ_j = (1/D) Σ_i X_ij
    Xhat = X.rowwise() - mean.row(0);                // X − 1 μ
    var = Xhat.colwise().squaredNorm() / Scalar(D);  // σ²_j = (1/D) Σ_i (X_ij − μ_j)²
    inv_std.array() = (var.array() + Scalar(epsilon_)).sqrt().inverse();  // 1/σ = 1/√(σ² + ε)
    Xhat.array().rowwise() *= inv_std.row(0).array();            // X̂ = (X − 1 μ) ⊘ σ
    Y.array() = Xhat.array().colwise() * gamma_.col(0).array();  // Y = γ ⊙ X̂
    Y.array().colwise() += beta_.col(0).array();                 //     + β 1ᵀ
    return Y;
  }

  In backward_impl(In dY) override {
    const Index D = dY.rows(), n = dY.cols();
    const ConstRef<Scalar> Xhat = Xhat_.leftCols(n);
    dgamma_ += dY.cwiseProduct(Xhat).rowwise().sum();  // dγ += (dY ⊙ X̂) 1
    dbeta_ += dY.rowwise().sum();                      // dβ += dY 1
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX = batch_view(dX_, D, n);
    auto sum_dXhat = batch_view(sum_dXhat_, 1, n);
    auto sum_dXhat_Xhat = batch_view(sum_dXhat_Xhat_, 1, n);
    dX.array() = dY.array().colwise() * gamma_.col(0).array();  // dX̂ = γ ⊙ dY (held in dX)
    sum_dXhat = dX.colwise().sum();                             // 1ᵀ dX̂
    sum_dXhat_Xhat = dX.cwiseProduct(Xhat).colwise().sum();     // 1ᵀ (dX̂ ⊙ X̂)
    dX.array() *= Scalar(D);                                    // D dX̂
    dX.array().rowwise() -= sum_dXhat.row(0).array();           //  − 1 (1ᵀ dX̂)
    dX.array() -= Xhat.array().rowwise() * sum_dXhat_Xhat.row(0).array();  //  − X̂ ⊙ 1 (1ᵀ (dX̂ ⊙ X̂))
    dX.array().rowwise() *= inv_std_.leftCols(n).row(0).array();  //  ⊘ σ
    dX /= Scalar(D);                                              // dX = (1/D) (…) ⊘ σ
    return dX;
  }

 public:
  std::vector<Parameter<Scalar>> parameters() override {
    return {Parameter<Scalar>("gamma", gamma_, dgamma_), Parameter<Scalar>("beta", beta_, dbeta_)};
  }

  // A vector: its size, "features". Any other shape: one number per
  // dimension, "shape0", "shape1", … (as Reshape's target).
  Settings settings() const override {
    Settings s;
    if (normalized_.rank() == 1) {
      s.emplace_back("features", double(normalized_[0]));
    } else {
      for (int k = 0; k < normalized_.rank(); ++k)
        s.emplace_back("shape" + std::to_string(k), double(normalized_[k]));
    }
    s.emplace_back("epsilon", epsilon_);
    return s;
  }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<LayerNorm>(*this);
  }

  /// The scale γ (D × 1).
  const Mat& gamma() const { return gamma_; }
  /// The shift β (D × 1).
  const Mat& beta() const { return beta_; }

 private:
  static Index checked_features(Index features) {
    if (features <= 0) {
      throw ArgumentError("LayerNorm: features must be positive, got " + std::to_string(features));
    }
    return features;
  }
  // `normalized`, after checking it and epsilon: called first in the
  // constructor, so a bad value is an ArgumentError before anything is sized.
  static Shape checked_shape(const Shape& normalized, double epsilon) {
    if (!normalized.known()) throw ArgumentError("LayerNorm: the normalized shape is unknown");
    check_above("LayerNorm", "epsilon", epsilon, 0);
    return normalized;
  }

  Shape normalized_;
  double epsilon_;
  Mat gamma_, beta_;                // γ, β: parameters (D × 1)
  Mat dgamma_, dbeta_;              // ∂L/∂γ, ∂L/∂β (D × 1), accumulated
  Mat mean_, var_;                  // μ, σ² of the last forward (1 × largest n)
  Mat inv_std_;                     // 1/σ of the last forward (1 × largest n)
  Mat Xhat_;                        // X̂ of the last forward (D × largest n)
  Mat Y_;                           // output (D × largest n)
  Mat dX_;                          // input gradient, and dX̂ before it (D × largest n)
  Mat sum_dXhat_, sum_dXhat_Xhat_;  // 1ᵀ dX̂, 1ᵀ (dX̂ ⊙ X̂) (1 × largest n), scratch
};

}  // namespace hnn
