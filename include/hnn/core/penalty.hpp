// SPDX-License-Identifier: MIT
#pragma once
// Penalty: L1 and L2 penalties on a layer's weight matrices, added to the
// loss a model is trained on. The convention is Keras's, without a ½:
//
//   L_total = L + R,    R = Σ over the penalized W of  λ₁ Σ_ij |w_ij| + λ₂ Σ_ij w_ij²
//
//   ∂R/∂W = λ₁ sign(W) + 2 λ₂ W                        (sign(0) = 0)
//
// A penalty applies to a layer's weight matrices only: its parameters named
// "W" (Dense's W), never a bias b nor a normalisation's scale and shift.
// Sequential::add(layer, penalty) sets it (model/sequential.hpp); the
// training loop adds R to the loss and ∂R/∂W to each weight's gradient after
// backward and before clipping (model/train.hpp); check_model checks the
// penalized loss (check/model_check.hpp); a model file keeps it
// (io/model_file.hpp).
//
// L2 and weight decay. An optimizer's weight_decay wd adds wd·w to the
// gradient of every parameter it steps, biases included. For a weight matrix
// that is the L2 penalty with λ₂ = wd/2, whatever the optimizer: both add the
// same term to the gradient before the optimizer sees it. With plain SGD it
// is also a decay of the weights, w − η (∇w + wd·w) = (1 − η wd) w − η ∇w;
// with momentum or Adam the term goes through the optimizer's state (Adam
// divides it by √v̂), and no longer shrinks every weight by one fraction.
// AdamW's decoupled decay, w ← w (1 − η wd) before an Adam step on ∇w alone,
// does: it is no penalty on the loss, and under Adam no λ₂ takes its steps.

#include <string>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/exact_number.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// L1 and L2 penalties on a layer's weights: R = λ₁ Σ |w| + λ₂ Σ w².
struct Penalty {
  double l1 = 0;  ///< λ₁, on Σ |w|
  double l2 = 0;  ///< λ₂, on Σ w²

  /// An L1 penalty, λ₁ Σ |w|.
  static Penalty L1(double lambda) { return {lambda, 0}; }
  /// An L2 penalty, λ₂ Σ w².
  static Penalty L2(double lambda) { return {0, lambda}; }

  /// Whether it adds anything to the loss.
  bool active() const { return l1 != 0 || l2 != 0; }

  /// ArgumentError naming `who` unless λ₁ and λ₂ are finite and ≥ 0.
  void check(const std::string& who) const {
    check_at_least(who, "penalty l1", l1, 0);
    check_at_least(who, "penalty l2", l2, 0);
  }

  /// "l2=0.0001", "l1=0.001, l2=0.0001": the terms it has ("none" without).
  std::string str() const {
    if (!active()) return "none";
    std::string s;
    if (l1 != 0) s += "l1=" + exact_number(l1);
    if (l2 != 0) s += (s.empty() ? "" : ", ") + std::string("l2=") + exact_number(l2);
    return s;
  }

  /// Whether both λ are the same.
  friend bool operator==(const Penalty& a, const Penalty& b) {
    return a.l1 == b.l1 && a.l2 == b.l2;
  }
  /// Whether the penalties differ.
  friend bool operator!=(const Penalty& a, const Penalty& b) { return !(a == b); }
};

/// Whether a penalty applies to the parameter of this name: a weight matrix.
// "W", or one of a block's inner layers ("0.W" of a Residual).
inline bool penalizes(const std::string& parameter_name) {
  const std::string w = "W", inner = ".W";
  return parameter_name == w ||
         (parameter_name.size() > inner.size() &&
          parameter_name.compare(parameter_name.size() - inner.size(), inner.size(), inner) == 0);
}

/// One weight matrix and the penalty on it.
template <typename Scalar>
struct PenalizedWeights {
  Parameter<Scalar> weights;  ///< the weight matrix
  Penalty penalty;            ///< the penalty on it
};

/// λ₁ Σ |w| + λ₂ Σ w², summed in double.
template <typename Derived>
double penalty_value(const Penalty& p, const Eigen::MatrixBase<Derived>& W) {
  double R = 0;
  if (p.l1 != 0) R += p.l1 * W.template cast<double>().cwiseAbs().sum();  // λ₁ Σ |w|
  if (p.l2 != 0) R += p.l2 * W.template cast<double>().squaredNorm();     // λ₂ Σ w²
  return R;
}

/// R: the sum over the list.
template <typename Scalar>
double penalty_value(const std::vector<PenalizedWeights<Scalar>>& list) {
  double R = 0;
  for (const auto& w : list)
    R += penalty_value(w.penalty, w.weights.value());
  return R;
}

/// Adds ∂R/∂W to the gradient of each weight matrix of the list.
template <typename Scalar>
void add_penalty_gradients(std::vector<PenalizedWeights<Scalar>>& list) {
  for (auto& w : list) {
    const auto W = w.weights.value();
    auto dW = w.weights.grad();
    if (w.penalty.l1 != 0) dW += Scalar(w.penalty.l1) * W.cwiseSign();  // dW += λ₁ sign(W)
    if (w.penalty.l2 != 0) dW += Scalar(2 * w.penalty.l2) * W;          // dW += 2 λ₂ W
  }
}

}  // namespace hnn
