// SPDX-License-Identifier: MIT
#pragma once
// A Buffer is how a layer shows state that is not trained but belongs to the
// model: a name and a value, no gradient. BatchNorm's running mean and
// variance are buffers, as in PyTorch's registered buffers. Buffers are saved
// and loaded with the model, copied by clone() and by
// Sequential::copy_weights_from (EarlyStopping's restore of the best
// weights), and never seen by optimizers, clipping, weight decay or the
// parameter count.
//
// Like a Parameter, a Buffer is a handle to the layer's own matrix, which
// stays put while the layer lives.

#include <string>
#include <utility>

#include "hnn/core/types.hpp"

namespace hnn {

/// A layer's state that is not trained: a name and a value, no gradient (running statistics).
template <typename Scalar>
class Buffer {
 public:
  /// A writable view of the layer's matrix.
  using MapType = Eigen::Map<Matrix<Scalar>>;

  /// A handle to the layer's matrix `value`, named `name`.
  Buffer(std::string name, Matrix<Scalar>& value) : name_(std::move(name)), value_(&value) {}

  /// The same buffer under another name (a model prefixes the layer's index).
  Buffer renamed(std::string name) const {
    Buffer b = *this;
    b.name_ = std::move(name);
    return b;
  }

  /// The name ("running_mean"; a model prefixes the layer's index).
  const std::string& name() const { return name_; }
  /// The rows of the value.
  Index rows() const { return value_->rows(); }
  /// The columns of the value.
  Index cols() const { return value_->cols(); }
  /// The number of values.
  Index size() const { return value_->size(); }

  /// A view of the layer's storage: writing to it changes the layer.
  MapType value() const { return MapType(value_->data(), rows(), cols()); }

 private:
  std::string name_;
  Matrix<Scalar>* value_;
};

}  // namespace hnn
