// SPDX-License-Identifier: MIT
#pragma once
// Dropout (inverted dropout): in training, every value is kept with
// probability 1 − p and scaled by 1/(1 − p), or set to 0; in inference the
// layer is the identity.
//
// Training, for a batch X (features × n) of any sample shape:
//   M_ij = 1/(1 − p)  if u_ij ≥ p,  else 0      u_ij uniform in [0, 1), so
//                                               P(kept) = 1 − p
//   Y = M ⊙ X                                   M, Y (features × n)
//
// Backward, given dY = ∂L/∂Y (features × n):
//   dX = M ⊙ dY                                 the mask kept from forward
//
// Inference (and p = 0): Y = X, dX = dY — views, nothing is copied.
//
// Why 1/(1 − p): E[M_ij] = (1 − p) · 1/(1 − p) + p · 0 = 1, so E[Y] = X: on
// average over the masks, the next layer sees in training the input it sees
// in inference, where nothing is dropped (docs/18-regularization.md).
//
// The draws u_ij come from the generator handed to forward (fit's, seeded
// from FitOptions::seed; layers/layer.hpp), one per value, column by column
// and down each column, on the calling thread: the same generator state
// gives the same mask whatever the thread count. The gradient checker hands
// every forward a generator seeded the same way, which holds the mask fixed.
//
// p is in [0, 1): p = 1 would drop every value and divide by 1 − p = 0.
// The output has the input's shape.

#include <memory>
#include <string>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

/// Inverted dropout: in training, a value is zeroed with probability p, or scaled by 1/(1 − p).
template <typename Scalar>
class Dropout : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  /// p: the probability that a value is dropped (set to 0) in training.
  explicit Dropout(double p = 0.5) : p_(checked_p(p)) {}

  std::string type_name() const override { return "Dropout"; }
  /// The probability p of dropping a value.
  double p() const { return p_; }

  // Element-wise: any shape, unchanged.
  Shape compute_output_shape(const Shape& input) const override { return input; }

 protected:
  In forward_impl(In X, Mode mode) override {
    masked_ = mode == Mode::train && p_ > 0;
    if (!masked_) return X;  // Y = X
    Random& rng = this->random();
    auto M = batch_view(M_, X.rows(), X.cols());
    const Scalar keep = Scalar(1 / (1 - p_));
    for (Index j = 0; j < M.cols(); ++j)
      for (Index i = 0; i < M.rows(); ++i)
        M(i, j) = rng.uniform() >= p_ ? keep : Scalar(0);  // M_ij = [u_ij ≥ p] / (1 − p)
    auto Y = batch_view(Y_, X.rows(), X.cols());
    Y.noalias() = M.cwiseProduct(X);  // Y = M ⊙ X
    return Y;
  }

  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dY.leftCols(0);
    if (!masked_) return dY;  // dX = dY
    auto dX = batch_view(dX_, dY.rows(), dY.cols());
    dX.noalias() = M_.leftCols(dY.cols()).cwiseProduct(dY);  // dX = M ⊙ dY
    return dX;
  }

 public:
  Settings settings() const override { return {{"p", p_}}; }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Dropout>(*this); }

 private:
  // p, after checking it: called first in the constructor.
  static double checked_p(double p) {
    if (p == 1) {
      throw ArgumentError(
          "Dropout: p must be in [0, 1), got 1 (p = 1 drops every value, and the scaling "
          "1/(1 − p) of the values kept would divide by zero)");
    }
    check_half_open("Dropout", "p", p, 0, 1);
    return p;
  }

  double p_;             // the probability of dropping a value
  bool masked_ = false;  // whether the last forward applied a mask (training, p > 0)
  Mat M_;                // the mask of the last training forward (features × largest n)
  Mat Y_;                // output buffer (features × largest n)
  Mat dX_;               // input-gradient buffer (features × largest n)
};

}  // namespace hnn
