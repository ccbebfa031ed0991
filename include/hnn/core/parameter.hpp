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

}  // namespace hnn
