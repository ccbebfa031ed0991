// SPDX-License-Identifier: MIT
#pragma once
// Reshape: a sample is read with another shape of the same size.
//
//   {784} → {1, 28, 28}          {T·F} → {T, F}
//   Y = X                        dX = dY
//
// Like Flatten (layers/flatten.hpp), it changes no number: the memory order
// of a sample is fixed for the whole library (core/shape.hpp), so a column
// read as {784} or as {1, 28, 28} holds the same values in the same places.
// Forward and backward return views of what they are given.

#include <memory>
#include <string>

#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

/// Reshape: each sample is read with another shape of the same size.
template <typename Scalar>
class Reshape : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::In;

  /// A layer that reads each sample with the shape `target`.
  explicit Reshape(const Shape& target) : target_(target) {
    if (!target.known()) throw ArgumentError("Reshape: the target shape is unknown");
  }

  std::string type_name() const override { return "Reshape"; }
  std::string describe() const override { return "Reshape(" + target_.str() + ")"; }
  /// The shape each sample is read with.
  const Shape& target() const { return target_; }

  Shape compute_output_shape(const Shape& input) const override {
    if (input.size() != target_.size()) {
      throw ShapeError(describe() + ": a sample of " + input.str() + " has " +
                       std::to_string(input.size()) + " values, " + target_.str() + " needs " +
                       std::to_string(target_.size()));
    }
    return target_;
  }

  // The target shape, one number per dimension: shape0, shape1, …
  Settings settings() const override {
    Settings s;
    for (int k = 0; k < target_.rank(); ++k)
      s.emplace_back("shape" + std::to_string(k), double(target_[k]));
    return s;
  }

  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Reshape>(*this); }

 protected:
  In forward_impl(In X, Mode /*mode*/) override { return X; }  // Y = X

  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dY.leftCols(0);
    return dY;  // dX = dY
  }

 private:
  Shape target_;
};

}  // namespace hnn
