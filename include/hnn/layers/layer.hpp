// SPDX-License-Identifier: MIT
#pragma once
// The Layer<Scalar> contract. Every layer maps a batch X (in × n) to a batch
// Y (out × n), one sample per column.
//
//   forward(X, mode)  → Y        keeps a view of X (no copy): the caller keeps
//                                 X alive and unchanged until backward.
//   backward(dY)      → dX       dY = ∂L/∂Y (out × n), dX = ∂L/∂X (in × n);
//                                 parameter gradients are ADDED to (+=), so
//                                 several backward passes accumulate.
//   parameters()                 name, value and gradient of each tensor.
//
// Both passes return a read-only view of a buffer the layer owns. Buffers are
// sized for the largest batch seen and reused; a smaller batch is a view of
// their first columns, so a steady training loop allocates nothing.
//
// The model tells its first layer that no input gradient is wanted
// (set_input_gradient_wanted(false)): nothing upstream needs dX there, and
// for a dense layer it is the costly product Wᵀ·dZ. backward then returns an
// empty view.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

// A layer's settings besides its parameters, as name → number pairs
// (Dense: in, out; LeakyReLU: alpha): what a model file stores to rebuild it.
using Settings = std::vector<std::pair<std::string, double>>;

template <typename Scalar>
class Layer {
 public:
  using Mat = Matrix<Scalar>;
  using In = ConstRef<Scalar>;

  Layer() = default;
  Layer(const Layer&) = default;
  Layer& operator=(const Layer&) = default;
  virtual ~Layer() = default;

  // The registered type name, e.g. "Dense": what a model file stores.
  virtual std::string type_name() const = 0;

  // A short description with the settings, e.g. "Dense(4 → 3)".
  virtual std::string describe() const { return type_name(); }

  // The number of output rows for an input of `input_size` rows. Throws
  // ShapeError when the layer cannot take that input.
  virtual Index output_size(Index input_size) const = 0;

  virtual In forward(In X, Mode mode) = 0;
  virtual In backward(In dY) = 0;

  virtual std::vector<Parameter<Scalar>> parameters() { return {}; }

  // The settings that rebuild this layer (with type_name()); none by default.
  virtual Settings settings() const { return {}; }

  // An independent copy of the layer (parameters included): used to keep
  // the best weights during early stopping, and by tests.
  virtual std::unique_ptr<Layer> clone() const = 0;

  void set_input_gradient_wanted(bool wanted) { input_gradient_wanted_ = wanted; }
  bool input_gradient_wanted() const { return input_gradient_wanted_; }

 private:
  bool input_gradient_wanted_ = true;
};

// Grows `buffer` to at least (rows × cols) and returns a view of its first
// `cols` columns. Growing allocates; once the largest batch has been seen,
// every later call is free.
template <typename Scalar>
MutRef<Scalar> batch_view(Matrix<Scalar>& buffer, Index rows, Index cols) {
  if (buffer.rows() != rows || buffer.cols() < cols) buffer.resize(rows, cols);
  return buffer.leftCols(cols);
}

// A rebindable read-only view of a layer's last input. Eigen::Ref cannot be
// re-pointed, so forward rebuilds a Map in place (the idiom Eigen's docs give
// for changing the array a Map refers to).
template <typename Scalar>
class InputView {
 public:
  using MapType = Eigen::Map<const Matrix<Scalar>, 0, Eigen::OuterStride<>>;

  void bind(const ConstRef<Scalar>& X) {
    new (&map_) MapType(X.data(), X.rows(), X.cols(), Eigen::OuterStride<>(X.outerStride()));
  }
  const MapType& operator()() const { return map_; }
  Index cols() const { return map_.cols(); }
  bool bound() const { return map_.data() != nullptr; }

 private:
  MapType map_{nullptr, 0, 0, Eigen::OuterStride<>(0)};
};

}  // namespace hnn
