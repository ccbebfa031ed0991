// SPDX-License-Identifier: MIT
#pragma once
// Softmax turns a column of scores z into probabilities that sum to 1:
//
//   y_i = e^(z_i) / Σ_j e^(z_j)
//
// Computed as e^(z_i − m) / Σ_j e^(z_j − m) with m = max_j z_j: the same
// number (the factor e^−m cancels), but every exponent is ≤ 0, so nothing
// overflows even for scores of ±1000.
//
// Unlike the element-wise activations, y_i depends on every z_j. Its Jacobian
// J = ∂y/∂z = diag(y) − y yᵀ (each column of the batch on its own), and
// backward needs only the product with dy, never J itself:
//
//   dz = Jᵀ dy = y ⊙ dy − y (yᵀ dy) = y ⊙ (dy − (yᵀ dy) 1)
//
// Z, Y, dY, dZ are (classes × batch); each column is one sample. For training
// a classifier, prefer SoftmaxCrossEntropy (losses/softmax_cross_entropy.hpp),
// which fuses this with the loss and never forms y at all in backward.

#include "hnn/core/types.hpp"

namespace hnn {

/// Y = softmax(Z), column by column.
template <typename DerivedZ, typename DerivedY>
void softmax_forward(const Eigen::MatrixBase<DerivedZ>& Z, Eigen::MatrixBase<DerivedY> const& Y_) {
  auto& Y = const_cast<Eigen::MatrixBase<DerivedY>&>(Y_);  // Eigen's idiom for output views
  for (Index j = 0; j < Z.cols(); ++j) {
    const auto m = Z.col(j).maxCoeff();               // m = max_i z_i
    Y.col(j).array() = (Z.col(j).array() - m).exp();  // e^(z_i − m)
    Y.col(j) /= Y.col(j).sum();                       // ÷ Σ_j e^(z_j − m)
  }
}

/// dZ = Jᵀ dY = Y ⊙ (dY − 1 (yᵀ dy)), column by column.
template <typename DerivedY, typename DerivedDY, typename DerivedDZ>
void softmax_backward(const Eigen::MatrixBase<DerivedY>& Y, const Eigen::MatrixBase<DerivedDY>& dY,
                      Eigen::MatrixBase<DerivedDZ> const& dZ_) {
  auto& dZ = const_cast<Eigen::MatrixBase<DerivedDZ>&>(dZ_);
  for (Index j = 0; j < Y.cols(); ++j) {
    const auto ydy = Y.col(j).dot(dY.col(j));                          // yᵀ dy
    dZ.col(j).array() = Y.col(j).array() * (dY.col(j).array() - ydy);  // y ⊙ (dy − yᵀdy)
  }
}

}  // namespace hnn
