// SPDX-License-Identifier: MIT
#pragma once
// Softmax cross-entropy at every step of a sequence: a language model's loss,
// the next token's class at every position. The prediction is a sequence of
// logits, Shape{T, C} per sample (T·C × n, step by step: core/shape.hpp); the
// target has the same shape, one distribution (one-hot for a class) per step.
// The value is the mean over every step of every sample, which is PyTorch's
// CrossEntropyLoss on the (T n × C) logits:
//
//   L = (1/(T n)) Σ_j Σ_t [lse(z_tj) Σ_k t_tjk − t_tjᵀ z_tj]     lse: log Σ_k e^(z_tjk)
//   ∂L/∂z_tj = (p_tj Σ_k t_tjk − t_tj) / (T n)                   p_tj = softmax(z_tj)
//
// (losses/softmax_cross_entropy.hpp is the same loss for one step; its
// comment derives the gradient and the log-sum-exp that keeps it finite.)

#include <cmath>
#include <sstream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/losses/loss.hpp"

namespace hnn {

/// Softmax cross-entropy at every step of a sequence of logits, averaged over steps and samples.
template <typename Scalar>
class SequenceSoftmaxCrossEntropy : public Loss<Scalar> {
 public:
  using typename Loss<Scalar>::In;
  using typename Loss<Scalar>::Out;

  /// The loss for steps of `classes` logits each.
  explicit SequenceSoftmaxCrossEntropy(Index classes) : classes_(classes) {
    if (classes < 1) {
      throw ArgumentError("SequenceSoftmaxCrossEntropy: classes must be ≥ 1, got " +
                          std::to_string(classes));
    }
  }

  std::string name() const override {
    return "SequenceSoftmaxCrossEntropy(" + std::to_string(classes_) + ")";
  }
  /// The logits per step, C.
  Index classes() const { return classes_; }

 protected:
  Scalar value_impl(const In& Z, const In& T) const override {
    const Index steps = steps_of(Z);
    Scalar sum = 0;
    for (Index j = 0; j < Z.cols(); ++j) {
      for (Index t = 0; t < steps; ++t) {
        const auto z = Z.col(j).segment(t * classes_, classes_);
        const auto y = T.col(j).segment(t * classes_, classes_);
        const Scalar m = z.maxCoeff();
        const Scalar lse = m + std::log((z.array() - m).exp().sum());
        sum += lse * y.sum() - y.dot(z);  // lse(z) Σt − tᵀz
      }
    }
    return sum / Scalar(steps * Z.cols());
  }

  void gradient_impl(const In& Z, const In& T, Out& dZ) const override {
    const Index steps = steps_of(Z);
    const Scalar inv = Scalar(1) / Scalar(steps * Z.cols());
    for (Index j = 0; j < Z.cols(); ++j) {
      for (Index t = 0; t < steps; ++t) {
        const auto z = Z.col(j).segment(t * classes_, classes_);
        const auto y = T.col(j).segment(t * classes_, classes_);
        auto d = dZ.col(j).segment(t * classes_, classes_);
        const Scalar m = z.maxCoeff();
        d.array() = (z.array() - m).exp();  // e^(z − m)
        d /= d.sum();                       // p
        d = (d * y.sum() - y) * inv;        // (p Σt − t) / (T n)
      }
    }
  }

 private:
  // T, after checking that the rows are whole steps of C.
  Index steps_of(const In& Z) const {
    if (Z.rows() % classes_ != 0) {
      std::ostringstream s;
      s << name() << ": prediction has " << Z.rows() << " rows, not a whole number of steps of "
        << classes_ << " classes";
      throw ShapeError(s.str());
    }
    return Z.rows() / classes_;
  }

  Index classes_;
};

}  // namespace hnn
