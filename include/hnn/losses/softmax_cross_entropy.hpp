// SPDX-License-Identifier: MIT
#pragma once
// Softmax and cross-entropy fused, PyTorch's CrossEntropyLoss
// (reduction="mean"): the prediction is a column of logits z per sample, and
// the probabilities p = softmax(z) are only formed for the gradient.
//
//   −ln p_i = −z_i + ln Σ_k e^(z_k) = −z_i + m + ln Σ_k e^(z_k − m),  m = max_k z_k
//   L = (1/n) Σ_j [lse(z_j) − Σ_i t_ij z_ij]       (labels: t is one-hot at y_j)
//   ∂L/∂z_ij = (p_ij (Σ_k t_kj) − t_ij) / n       = (p_ij − t_ij) / n for one-hot or labels
//
// The log-sum-exp never raises e to a positive power, so logits of ±1000 give
// a finite loss, and the gradient p − t is bounded by 1: no −t/p that can
// blow up. This is the loss to train classifiers with.

#include <cmath>
#include <string>

#include "hnn/activations/softmax.hpp"
#include "hnn/losses/loss.hpp"

namespace hnn {

/// Softmax and cross-entropy fused, on logits (PyTorch's CrossEntropyLoss).
template <typename Scalar>
class SoftmaxCrossEntropy : public Loss<Scalar> {
 public:
  using typename Loss<Scalar>::In;
  using typename Loss<Scalar>::Out;
  std::string name() const override { return "SoftmaxCrossEntropy"; }
  bool takes_labels() const override { return true; }

 protected:
  Scalar value_impl(const In& Z, const In& T) const override {
    Scalar sum = 0;
    for (Index j = 0; j < Z.cols(); ++j) {
      sum += log_sum_exp(Z, j) * T.col(j).sum() - T.col(j).dot(Z.col(j));
    }
    return sum / Scalar(Z.cols());
  }
  void gradient_impl(const In& Z, const In& T, Out& dZ) const override {
    softmax_forward(Z, dZ);  // p, kept in dZ
    const Scalar inv_n = Scalar(1) / Scalar(Z.cols());
    for (Index j = 0; j < Z.cols(); ++j) {
      dZ.col(j) = (dZ.col(j) * T.col(j).sum() - T.col(j)) * inv_n;  // (p Σt − t) / n
    }
  }
  Scalar value_impl(const In& Z, const LabelsRef& y) const override {
    Scalar sum = 0;
    for (Index j = 0; j < Z.cols(); ++j)
      sum += log_sum_exp(Z, j) - Z(y(j), j);  // lse − z_y
    return sum / Scalar(Z.cols());
  }
  void gradient_impl(const In& Z, const LabelsRef& y, Out& dZ) const override {
    softmax_forward(Z, dZ);  // p
    for (Index j = 0; j < Z.cols(); ++j)
      dZ(y(j), j) -= Scalar(1);          // p − t
    dZ *= Scalar(1) / Scalar(Z.cols());  // ÷ n
  }

  // Training's path: one pass per column computes e^(z − m), its sum, the
  // loss lse − z_y and the gradient (p − onehot)/n, with no second exp.
  Scalar value_and_gradient_impl(const In& Z, const LabelsRef& y, Out& dZ) const override {
    const Scalar inv_n = Scalar(1) / Scalar(Z.cols());
    Scalar sum = 0;
    for (Index j = 0; j < Z.cols(); ++j) {
      const Scalar m = Z.col(j).maxCoeff();
      dZ.col(j).array() = (Z.col(j).array() - m).exp();  // e^(z − m)
      const Scalar s = dZ.col(j).sum();                  // Σ e^(z − m)
      sum += m + std::log(s) - Z(y(j), j);               // lse − z_y
      dZ.col(j) *= inv_n / s;                            // p / n
      dZ(y(j), j) -= inv_n;                              // (p − onehot) / n
    }
    return sum * inv_n;
  }

 private:
  // ln Σ_k e^(z_kj) = m + ln Σ_k e^(z_kj − m)
  static Scalar log_sum_exp(const In& Z, Index j) {
    const Scalar m = Z.col(j).maxCoeff();
    return m + std::log((Z.col(j).array() - m).exp().sum());
  }
};

}  // namespace hnn
