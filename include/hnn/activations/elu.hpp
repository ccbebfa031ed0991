// SPDX-License-Identifier: MIT
#pragma once
// Exponential linear unit: smooth for negative inputs, saturating at −α.
//
//   y = z if z > 0, else α (e^z − 1)        dy/dz = 1 if z > 0, else α e^z = y + α
//
// e^z is taken of min(z, 0) only, so a large positive z cannot overflow.

#include <string>
#include <utility>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"

namespace hnn {

/// The exponential linear unit, y = z or α (e^z − 1).
template <typename Scalar>
struct ELU {
  static constexpr const char* name = "ELU";  ///< the name the layer and model files use
  Scalar alpha = Scalar(1);  ///< the value −α that y approaches for z → −∞

  ELU() = default;
  /// ELU with the slope setting α > 0.
  explicit ELU(Scalar a) : alpha(a) { check_above("ELU", "alpha", double(a), 0); }

  /// What a model file stores to rebuild this function.
  std::vector<std::pair<std::string, double>> settings() const {
    return {{"alpha", double(alpha)}};
  }

  /// Fills y = f(z).
  template <typename Z, typename Y>
  void forward(const Z& z, Y&& y) const {
    y = (z > Scalar(0)).select(z, alpha * z.min(Scalar(0)).expm1());  // α (e^z − 1)
  }
  /// Fills dz = dy ⊙ f'(z), from the input z and the output y.
  template <typename Z, typename Y, typename DY, typename DZ>
  void backward(const Z& z, const Y& y, const DY& dy, DZ&& dz) const {
    dz = (z > Scalar(0)).select(dy, dy * (y + alpha));  // dz = dy or dy (y + α)
  }
};

}  // namespace hnn
