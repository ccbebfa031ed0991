// SPDX-License-Identifier: MIT
#pragma once
// A Parameter is how a layer shows one trainable tensor to the outside world:
// its name ("W", "b"), its value and its gradient, both (rows × cols).
// Optimizers, save/load and monitors see parameters only, never layers.
//
// It does not own memory: it points at the layer's own matrices, which stay
// put while the layer lives (layers never resize their parameters).

#include <string>
#include <utility>
#include <vector>

#include "hnn/core/types.hpp"

namespace hnn {

template <typename Scalar>
class Parameter {
 public:
  using MapType = Eigen::Map<Matrix<Scalar>>;

  // value and grad must have the same shape; a bias is a column vector.
  template <typename Derived>
  Parameter(std::string name, Eigen::PlainObjectBase<Derived>& value,
            Eigen::PlainObjectBase<Derived>& grad)
      : name_(std::move(name)),
        value_(value.data()),
        grad_(grad.data()),
        rows_(value.rows()),
        cols_(value.cols()) {}

  // The same tensor under another name: a model prefixes the layer's index
  // ("2.W") so every parameter of a model has a unique name.
  Parameter renamed(std::string name) const {
    Parameter p = *this;
    p.name_ = std::move(name);
    return p;
  }

  const std::string& name() const { return name_; }
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index size() const { return rows_ * cols_; }

  // Views of the layer's storage: writing to them changes the layer.
  MapType value() const { return MapType(value_, rows_, cols_); }
  MapType grad() const { return MapType(grad_, rows_, cols_); }

  // Raw storage, for fused element-wise loops (optimizers).
  Scalar* value_data() const { return value_; }
  Scalar* grad_data() const { return grad_; }

 private:
  std::string name_;
  Scalar* value_;
  Scalar* grad_;
  Index rows_;
  Index cols_;
};

// Sets every gradient in the list to zero: gradients accumulate (+=) in
// backward, so each training step starts from zero.
template <typename Scalar>
void zero_grad(const std::vector<Parameter<Scalar>>& params) {
  for (const auto& p : params)
    p.grad().setZero();
}

}  // namespace hnn
