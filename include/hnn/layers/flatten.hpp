// SPDX-License-Identifier: MIT
#pragma once
// Flatten: a sample of any shape becomes a vector of the same numbers.
//
//   {C, H, W} → {C·H·W}          {T, F} → {T·F}
//   Y = X                        dX = dY
//
// A batch is already one sample per column, in the library's memory order
// (core/shape.hpp), so flattening changes the shape a column is read with and
// no number: forward returns its input as it is, backward the gradient as it
// is — views, no copy. The vector lists an image pixel by pixel, row by row,
// each pixel's channels together (PyTorch's flatten lists it channel by
// channel): a Dense layer after it learns the same function either way, but
// weights copied from PyTorch need their columns permuted.

#include <memory>
#include <string>

#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

/// Flatten: a sample of any shape becomes a vector of the same numbers.
template <typename Scalar>
class Flatten : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::In;

  std::string type_name() const override { return "Flatten"; }

  Shape compute_output_shape(const Shape& input) const override { return Shape(input.size()); }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Flatten>(*this); }

 protected:
  In forward_impl(In X, Mode /*mode*/) override { return X; }  // Y = X

  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dY.leftCols(0);
    return dY;  // dX = dY
  }
};

}  // namespace hnn
