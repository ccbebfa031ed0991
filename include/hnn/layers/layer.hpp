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
//
// forward and backward are the same for every layer: they check their
// arguments, keep the view of X, and call the layer's own forward_impl and
// backward_impl, which hold its math. Because the view of X is kept, X must
// be stored memory — a Matrix or a block of its columns. An expression such as
// 2 * X would be evaluated into a temporary that dies when forward returns:
// that is a compile-time error, and a layout that Eigen would have to copy
// (a row of a matrix) a run-time one.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

// A layer's settings besides its parameters, as name → number pairs
// (Dense: in, out; LeakyReLU: alpha): what a model file stores to rebuild it.
using Settings = std::vector<std::pair<std::string, double>>;

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
  Index rows() const { return map_.rows(); }
  Index cols() const { return map_.cols(); }
  bool bound() const { return map_.data() != nullptr; }

 private:
  MapType map_{nullptr, 0, 0, Eigen::OuterStride<>(0)};
};

// A view of X that copies nothing, for code that keeps it (layers keep their
// input until backward). X must be stored memory: a Matrix, or a block of its
// columns. An expression (2 * X) fails to compile; a layout Eigen would have
// to copy (a row of a matrix) throws, since the copy would die on return.
template <typename Scalar, typename Derived, typename Where>
ConstRef<Scalar> stored_view(const Eigen::MatrixBase<Derived>& X, const Where& where) {
  static_assert(bool(Eigen::internal::traits<Derived>::Flags & Eigen::DirectAccessBit),
                "a layer keeps a view of its input: pass a Matrix or a block of one, "
                "not an expression (evaluate it into a Matrix first)");
  ConstRef<Scalar> view(X);
  if constexpr (bool(Eigen::internal::traits<Derived>::Flags & Eigen::DirectAccessBit)) {
    if (view.data() != X.derived().data()) {  // Eigen copied: the view would dangle
      throw ArgumentError(where_name(where) +
                          ": the input must be a column-major matrix or a block of its columns "
                          "(evaluate it into a Matrix first)");
    }
  }
  return view;
}

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

  template <typename Derived>
  In forward(const Eigen::MatrixBase<Derived>& X, Mode mode) {
    const In view = stored_view<Scalar>(X, [this] { return describe() + ".forward"; });
    X_.bind(view);
    return forward_impl(view, mode);
  }

  In backward(In dY) {
    if (!X_.bound()) throw Error(describe() + ".backward: called before forward");
    const Index rows = output_size(X_.rows()), cols = X_.cols();
    if (dY.rows() != rows || dY.cols() != cols) {
      throw ShapeError(describe() + ".backward: gradient has shape " + shape_string(dY) +
                       ", expected " + shape_string(rows, cols) + " (the output's shape)");
    }
    return backward_impl(dY);
  }

  virtual std::vector<Parameter<Scalar>> parameters() { return {}; }

  // The settings that rebuild this layer (with type_name()); none by default.
  virtual Settings settings() const { return {}; }

  // An independent copy of the layer (parameters included): used to keep
  // the best weights during early stopping, and by tests.
  virtual std::unique_ptr<Layer> clone() const = 0;

  void set_input_gradient_wanted(bool wanted) { input_gradient_wanted_ = wanted; }
  bool input_gradient_wanted() const { return input_gradient_wanted_; }

 protected:
  // The layer's math. forward_impl gets X already checked and kept (input()
  // returns it again in backward_impl); backward_impl gets dY already checked
  // against the output's shape.
  virtual In forward_impl(In X, Mode mode) = 0;
  virtual In backward_impl(In dY) = 0;

  // The last forward input (in × n), a view of the caller's batch.
  const typename InputView<Scalar>::MapType& input() const { return X_(); }

 private:
  bool input_gradient_wanted_ = true;
  InputView<Scalar> X_;
};

// Grows `buffer` to at least (rows × cols) and returns a view of its first
// `cols` columns. Growing allocates; once the largest batch has been seen,
// every later call is free.
template <typename Scalar>
MutRef<Scalar> batch_view(Matrix<Scalar>& buffer, Index rows, Index cols) {
  if (buffer.rows() != rows || buffer.cols() < cols) buffer.resize(rows, cols);
  return buffer.leftCols(cols);
}

}  // namespace hnn
