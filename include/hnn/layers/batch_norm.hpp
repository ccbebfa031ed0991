// SPDX-License-Identifier: MIT
#pragma once
// BatchNorm: each channel is normalized with statistics taken over the batch,
// then scaled and shifted by two learned numbers per channel. The conventions
// are PyTorch's (nn.BatchNorm1d, nn.BatchNorm2d), so results compare number
// for number.
//
// Input: samples of Shape{C} (features: each feature is a channel) or
// Shape{C, H, W} (images). The statistics of channel c run over its m values
// in the batch of n samples:
//   {C}         m = n          one value per sample
//   {C, H, W}   m = n·H·W      one value per pixel of every sample
//
// One view serves both. A batch X is (C·H·W × n), and the library's memory
// order puts the channel fastest: value (c, h, w) of sample j sits at offset
// j·C·H·W + (h·W + w)·C + c of the batch's memory (core/shape.hpp). Read that
// memory as a (C × m) column-major matrix, an Eigen Map over the same numbers
// (no copy): row c holds every value of channel c in the batch, and column
// (h·W + w) + H·W·j holds the C channels of pixel (h, w) of sample j. For
// features (H = W = 1) the view is X itself. So the math is written once, on
// (C × m) matrices, and is the dense case with m columns.
//
// Forward in training, on the view (each (C × 1) vector acts on its own row):
//   μ  = (1/m) X 1                          (C × 1)  batch mean
//   σ² = (1/m) ((X − μ 1ᵀ) ⊙ (X − μ 1ᵀ)) 1  (C × 1)  batch variance, BIASED (÷ m)
//   σ  = √(σ² + ε)                          (C × 1)
//   X̂  = (X − μ 1ᵀ) ⊘ σ                     (C × m)  kept for backward
//   Y  = γ ⊙ X̂ + β 1ᵀ                       (C × m)
// and the running estimates move towards the batch's (PyTorch's momentum:
// the weight of the new value; momentum 0 never moves them, 1 copies the
// batch's):
//   running_mean ← (1 − momentum) running_mean + momentum μ
//   running_var  ← (1 − momentum) running_var  + momentum σ² m/(m − 1)   UNBIASED
// They start at running_mean = 0 and running_var = 1.
//
// Forward in inference: the running estimates take the place of μ and σ²,
// and nothing is updated:
//   σ = √(running_var + ε),  X̂ = (X − running_mean 1ᵀ) ⊘ σ,  Y = γ ⊙ X̂ + β 1ᵀ
//
// Backward, given dY = ∂L/∂Y (C × m on the view). In both modes
//   dγ += (dY ⊙ X̂) 1                        (C × 1)
//   dβ += dY 1                              (C × 1)
// In training X reaches L three ways: through X̂ directly, through σ² and
// through μ, both of which depend on every column; the three paths add up
// to (docs/17-normalization.md derives it)
//   dX = (γ ⊘ σ)/m ⊙ (m dY − (dY 1) 1ᵀ − X̂ ⊙ ((dY ⊙ X̂) 1) 1ᵀ)          (C × m)
// In inference μ and σ are constants, the layer is affine per channel, and
//   dX = (γ ⊘ σ) ⊙ dY                       σ = √(running_var + ε)
//
// A training batch with m = 1 (one sample of features, or one image of one
// pixel) is refused: the variance of one value is 0, its unbiased estimate
// 0/0, and X̂ would be 0 whatever the input. PyTorch refuses it too.
//
// Parameters "gamma" (γ, starts at 1) and "beta" (β, starts at 0), buffers
// "running_mean" and "running_var", all (C × 1).

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/buffer.hpp"
#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

/// The settings of a BatchNorm layer.
struct BatchNormOptions {
  double momentum = 0.1;  ///< weight of the batch's statistics in the running ones, in [0, 1]
  double epsilon = 1e-5;  ///< added to the variance before the square root, > 0
};

/// Batch normalization: each channel normalized over the batch, then scaled and shifted.
template <typename Scalar>
class BatchNorm : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  /// A layer over `channels` features, or images of `channels` channels.
  explicit BatchNorm(Index channels, BatchNormOptions options = {})
      : channels_(checked_channels(channels, options)),
        momentum_(options.momentum),
        epsilon_(options.epsilon),
        gamma_(Mat::Ones(channels_, 1)),
        beta_(Mat::Zero(channels_, 1)),
        dgamma_(Mat::Zero(channels_, 1)),
        dbeta_(Mat::Zero(channels_, 1)),
        running_mean_(Mat::Zero(channels_, 1)),
        running_var_(Mat::Ones(channels_, 1)),
        mean_(channels_, 1),
        var_(channels_, 1),
        inv_std_(channels_, 1),
        scale_(channels_, 1),
        sum_dY_(channels_, 1),
        sum_dY_Xhat_(channels_, 1) {}

  std::string type_name() const override { return "BatchNorm"; }
  /// The number of channels C.
  Index channels() const { return channels_; }
  /// The weight of a batch's statistics in the running ones.
  double momentum() const { return momentum_; }
  /// ε, added to the variance before the square root.
  double epsilon() const { return epsilon_; }

  // {C} → {C},  {C, H, W} → {C, H, W}
  Shape compute_output_shape(const Shape& input) const override {
    if ((input.rank() != 1 && input.rank() != 3) || input[0] != channels_) {
      std::ostringstream s;
      s << this->describe() << ": takes samples of " << channels_ << " features or of " << channels_
        << "×H×W (images of " << channels_ << " channels), but is given " << input;
      if (input.rank() == 2) s << " (a sample of rank 2 is neither)";
      throw ShapeError(s.str());
    }
    return input;
  }

 protected:
  In forward_impl(In X_batch, Mode mode) override {
    trained_ = mode == Mode::train;
    const ConstChannels X = channel_view(X_batch, "input");  // (C × m)
    const Index m = X.cols();
    if (trained_) check_training_batch(m);
    auto Xhat_batch = batch_view(Xhat_, X_batch.rows(), X_batch.cols());
    auto Y_batch = batch_view(Y_, X_batch.rows(), X_batch.cols());
    Channels Xhat = channel_view(Xhat_batch), Y = channel_view(Y_batch);
    if (trained_) {
      mean_ = X.rowwise().mean();                       // μ = (1/m) X 1
      Xhat = X.colwise() - mean_.col(0);                // X − μ 1ᵀ
      var_ = Xhat.rowwise().squaredNorm() / Scalar(m);  // σ² = (1/m) Σ (x − μ)², biased
      inv_std_.array() = (var_.array() + Scalar(epsilon_)).sqrt().inverse();  // 1/σ = 1/√(σ² + ε)
      const Scalar keep = Scalar(1 - momentum_), take = Scalar(momentum_);
      const Scalar unbiased = Scalar(double(m) / double(m - 1));  // m/(m − 1)
      // running ← (1 − momentum) running + momentum batch, with the variance unbiased
      running_mean_ = keep * running_mean_ + take * mean_;          // … μ
      running_var_ = keep * running_var_ + take * unbiased * var_;  // … σ² m/(m − 1)
    } else {
      inv_std_.array() = (running_var_.array() + Scalar(epsilon_)).sqrt().inverse();  // 1/σ
      Xhat = X.colwise() - running_mean_.col(0);  // X − running_mean 1ᵀ
    }
    Xhat.array().colwise() *= inv_std_.col(0).array();           // X̂ = (X − μ 1ᵀ) ⊘ σ
    Y.array() = Xhat.array().colwise() * gamma_.col(0).array();  // Y = γ ⊙ X̂
    Y.array().colwise() += beta_.col(0).array();                 //     + β 1ᵀ
    return Y_batch;
  }

  In backward_impl(In dY_batch) override {
    const ConstChannels dY = channel_view(dY_batch, "gradient");  // (C × m)
    const Index m = dY.cols();
    const ConstChannels Xhat(Xhat_.data(), channels_, m, Eigen::OuterStride<>(channels_));
    sum_dY_ = dY.rowwise().sum();                          // dY 1
    sum_dY_Xhat_ = dY.cwiseProduct(Xhat).rowwise().sum();  // (dY ⊙ X̂) 1
    dgamma_ += sum_dY_Xhat_;                               // dγ += (dY ⊙ X̂) 1
    dbeta_ += sum_dY_;                                     // dβ += dY 1
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX_batch = batch_view(dX_, dY_batch.rows(), dY_batch.cols());
    Channels dX = channel_view(dX_batch);
    if (trained_) {
      scale_ = gamma_.cwiseProduct(inv_std_) / Scalar(m);                  // (γ ⊘ σ)/m
      dX.array() = Scalar(m) * dY.array();                                 // m dY
      dX.array().colwise() -= sum_dY_.col(0).array();                      //  − (dY 1) 1ᵀ
      dX.array() -= Xhat.array().colwise() * sum_dY_Xhat_.col(0).array();  //  − X̂ ⊙ ((dY ⊙ X̂) 1) 1ᵀ
      dX.array().colwise() *= scale_.col(0).array();  // dX = (γ ⊘ σ)/m ⊙ (…)
    } else {
      scale_ = gamma_.cwiseProduct(inv_std_);                     // γ ⊘ σ, σ from running_var
      dX.array() = dY.array().colwise() * scale_.col(0).array();  // dX = (γ ⊘ σ) ⊙ dY
    }
    return dX_batch;
  }

 public:
  std::vector<Parameter<Scalar>> parameters() override {
    return {Parameter<Scalar>("gamma", gamma_, dgamma_), Parameter<Scalar>("beta", beta_, dbeta_)};
  }

  std::vector<Buffer<Scalar>> buffers() override {
    return {Buffer<Scalar>("running_mean", running_mean_),
            Buffer<Scalar>("running_var", running_var_)};
  }

  Settings settings() const override {
    return {{"channels", double(channels_)}, {"momentum", momentum_}, {"epsilon", epsilon_}};
  }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<BatchNorm>(*this);
  }

  /// The scale γ (C × 1).
  const Mat& gamma() const { return gamma_; }
  /// The shift β (C × 1).
  const Mat& beta() const { return beta_; }
  /// The running mean, used in inference (C × 1).
  const Mat& running_mean() const { return running_mean_; }
  /// The running (unbiased) variance, used in inference (C × 1).
  const Mat& running_var() const { return running_var_; }

 private:
  using ConstChannels = Eigen::Map<const Mat, 0, Eigen::OuterStride<>>;
  using Channels = Eigen::Map<Mat, 0, Eigen::OuterStride<>>;

  // `channels`, after checking it and the options: called first in the
  // constructor, so a bad value is an ArgumentError before anything is sized.
  static Index checked_channels(Index channels, const BatchNormOptions& options) {
    if (channels <= 0) {
      throw ArgumentError("BatchNorm: channels must be positive, got " + std::to_string(channels));
    }
    check_closed("BatchNorm", "momentum", options.momentum, 0, 1);
    check_above("BatchNorm", "epsilon", options.epsilon, 0);
    return channels;
  }

  // A batch whose channels have m = n·H·W values each trains only with
  // m ≥ 2: the variance of one value is 0, its unbiased estimate 0/0.
  void check_training_batch(Index m) const {
    if (m >= 2) return;
    if (m == 0) throw ShapeError(this->describe() + ".forward: the training batch is empty");
    throw ArgumentError(this->describe() +
                        ".forward: a training batch of 1 sample has 1 value per channel, whose "
                        "variance is 0 (0/0 unbiased): "
                        "batch statistics need at least 2 samples. If this is the partial last "
                        "batch of an epoch (samples mod batch_size = 1), drop it "
                        "(FitOptions::drop_last = true) or choose another batch_size");
  }

  // The (C × m) view of a batch (see the opening comment). The layer's own
  // buffers are a Matrix or its first columns: their samples are next to
  // each other, and the view has stride C.
  Channels channel_view(MutRef<Scalar> A) const {
    return Channels(A.data(), channels_, A.size() / channels_, Eigen::OuterStride<>(channels_));
  }
  // The same for a caller's batch. Features whose columns are further apart
  // than their rows (a block of rows of a larger matrix) are viewed as they
  // are; an image batch must have its samples next to each other.
  ConstChannels channel_view(const In& A, const char* what) const {
    if (A.outerStride() == A.rows() || A.cols() <= 1) {
      return ConstChannels(A.data(), channels_, A.size() / channels_,
                           Eigen::OuterStride<>(channels_));
    }
    if (A.rows() == channels_) {
      return ConstChannels(A.data(), channels_, A.cols(), Eigen::OuterStride<>(A.outerStride()));
    }
    throw ArgumentError(this->describe() + ": the " + what +
                        " must be a Matrix or a block of its columns, so that the samples of an "
                        "image batch are next to each other in memory");
  }

  Index channels_;
  double momentum_, epsilon_;
  Mat gamma_, beta_;                // γ, β: parameters (C × 1)
  Mat dgamma_, dbeta_;              // ∂L/∂γ, ∂L/∂β (C × 1), accumulated
  Mat running_mean_, running_var_;  // buffers (C × 1)
  Mat mean_, var_;                  // μ, σ² of the last training batch (C × 1)
  Mat inv_std_;                     // 1/σ of the last forward, batch or running (C × 1)
  Mat scale_;                       // backward's per-channel factor (C × 1), scratch
  Mat sum_dY_, sum_dY_Xhat_;        // dY 1, (dY ⊙ X̂) 1 (C × 1), scratch
  Mat Xhat_;                        // X̂ of the last forward (C·H·W × largest n)
  Mat Y_;                           // output (C·H·W × largest n)
  Mat dX_;                          // input gradient (C·H·W × largest n)
  bool trained_ = false;            // whether the last forward was in training mode
};

}  // namespace hnn
