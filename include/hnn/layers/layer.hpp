// SPDX-License-Identifier: MIT
#pragma once
// The Layer<Scalar> contract. A batch is a matrix with one sample per column;
// each layer knows the Shape of one sample of its input (core/shape.hpp) and
// maps a batch X (in × n) to a batch Y (out × n):
//
//   compute_output_shape(in) → out   the shape rule: {1, 28, 28} → {784} for
//                                    a Flatten; ShapeError naming the layer
//                                    and both shapes when it cannot take `in`.
//   set_input_shape(in)              checks `in` with the rule and keeps it
//                                    (Sequential::add calls it).
//   forward(X, mode)      → Y        keeps a view of X (no copy): the caller
//   forward(X, mode, rng) → Y        keeps X alive and unchanged until
//                                    backward. In training, layers that draw
//                                    random numbers (dropout) take them from
//                                    rng, the training loop's generator.
//   backward(dY)          → dX       dY = ∂L/∂Y (out × n), dX = ∂L/∂X (in × n);
//                                    parameter gradients are ADDED to (+=),
//                                    so several backward passes accumulate.
//
// A layer shows three kinds of state, each to the parts that need it:
//
//   parameters()      name, value, gradient: trained by optimizers, clipped,
//                     monitored, saved (core/parameter.hpp)
//   buffers()         name, value, no gradient: running statistics; saved,
//                     cloned, restored with the best weights, never trained
//                     (core/buffer.hpp)
//   sequence_state()  what a recurrent layer carries from step to step (and,
//                     when stateful(), from batch to batch) until
//                     reset_state(); with ∂L/∂(initial state) after backward
//                     (core/sequence_state.hpp)
//
// Both passes return a read-only view of a buffer the layer owns. Buffers are
// sized for the largest batch seen and reused; a smaller batch is a view of
// their first columns, so a steady training loop allocates nothing.
//
// The model tells a layer that no input gradient is wanted
// (set_input_gradient_wanted(false)) when nothing before it has parameters
// or state to differentiate — its first layer, and a layer after a leading
// Flatten: nothing upstream needs dX there, and for a dense layer it is the
// costly product Wᵀ·dZ. backward then returns an empty view.
//
// forward and backward are the same for every layer: they check their
// arguments, keep the view of X, and call the layer's own forward_impl and
// backward_impl, which hold its math. Because the view of X is kept, X must
// be stored memory — a Matrix or a block of its columns. An expression such as
// 2 * X would be evaluated into a temporary that dies when forward returns:
// that is a compile-time error, and a layout that Eigen would have to copy
// (a row of a matrix) a run-time one.
//
// A constructor checks its arguments before it sizes anything with them
// (Dense's checked_rows): a negative size given to an Eigen matrix is an
// assertion failure in a build with assertions, not an ArgumentError.
//
// Randomness: a layer never owns a generator. What it draws in training comes
// from the generator handed to forward (fit seeds it from FitOptions::seed),
// drawn on the calling thread in a fixed order, so the draws do not depend on
// the thread count; clone() therefore copies no random state, and a clone
// handed the same generator draws the same numbers. The gradient checker
// hands every forward a generator seeded the same way, which holds the
// layer's draws fixed while it perturbs the inputs.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/buffer.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/parameter.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/sequence_state.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// A rebindable read-only view of a layer's last input.
// Eigen::Ref cannot be re-pointed, so forward rebuilds a Map in place (the
// idiom Eigen's docs give for changing the array a Map refers to).
template <typename Scalar>
class InputView {
 public:
  /// The type of the view: a read-only Map with the input's column stride.
  using MapType = Eigen::Map<const Matrix<Scalar>, 0, Eigen::OuterStride<>>;

  /// Points the view at X; nothing is copied.
  void bind(const ConstRef<Scalar>& X) {
    new (&map_) MapType(X.data(), X.rows(), X.cols(), Eigen::OuterStride<>(X.outerStride()));
  }
  /// The view itself.
  const MapType& operator()() const { return map_; }
  /// The rows of the viewed input.
  Index rows() const { return map_.rows(); }
  /// The columns (samples) of the viewed input.
  Index cols() const { return map_.cols(); }
  /// Whether a forward has bound an input yet.
  bool bound() const { return map_.data() != nullptr; }

 private:
  MapType map_{nullptr, 0, 0, Eigen::OuterStride<>(0)};
};

/// A view of X that copies nothing, for code that keeps it.
// Layers keep their input until backward. X must be stored memory: a
// Matrix, or a block of its columns. An expression (2 * X) fails to compile;
// a layout Eigen would have to copy (a row of a matrix) throws, since the
// copy would die on return.
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

/// The interface every layer implements: the shape rule, forward, backward, state.
template <typename Scalar>
class Layer {
 public:
  /// A batch: one sample per column.
  using Mat = Matrix<Scalar>;
  /// A read-only view of a batch, what forward and backward take and return.
  using In = ConstRef<Scalar>;

  Layer() = default;
  /// Copies the base's shapes and flags, for the layers' own copies (clone()).
  Layer(const Layer&) = default;
  /// Assigns the base's shapes and flags, like the copy constructor.
  Layer& operator=(const Layer&) = default;
  virtual ~Layer() = default;

  /// The registered type name, e.g. "Dense": what a model file stores.
  virtual std::string type_name() const = 0;

  /// A short description with the settings: "LeakyReLU(alpha=0.2)" by default.
  // Layers may say more ("Dense(4 → 3)").
  virtual std::string describe() const {
    const Settings s = settings();
    return s.empty() ? type_name() : type_name() + '(' + settings_string(s) + ')';
  }

  /// The shape of one output sample for one input sample of shape `input`.
  // Throws ShapeError, naming the layer and both shapes, when the layer
  // cannot take that input.
  virtual Shape compute_output_shape(const Shape& input) const = 0;

  /// Checks `input` with compute_output_shape and keeps both shapes.
  // forward then takes batches of input.size() rows only. Layers whose
  // constructor fixes the input (Dense: {in}) call it themselves.
  void set_input_shape(const Shape& input) {
    output_shape_ = compute_output_shape(input);
    input_shape_ = input;
  }
  /// The input sample's shape kept by set_input_shape (unknown, "?", before).
  const Shape& input_shape() const { return input_shape_; }
  /// The output sample's shape kept by set_input_shape (unknown, "?", before).
  const Shape& output_shape() const { return output_shape_; }

  /// hnn 0.1: the output rows for an input of `input_size` rows.
  [[deprecated("use compute_output_shape(Shape) or output_shape()")]] Index output_size(
      Index input_size) const {
    return compute_output_shape(Shape(input_size)).size();
  }

  /// Y for the batch X.
  // Training mode without a generator: for layers that draw nothing, which is
  // all but dropout-like ones.
  template <typename Derived>
  In forward(const Eigen::MatrixBase<Derived>& X, Mode mode) {
    return forward_with(X, mode, nullptr);
  }
  /// Y for the batch X, with the generator that layers drawing random numbers use.
  template <typename Derived>
  In forward(const Eigen::MatrixBase<Derived>& X, Mode mode, Random& rng) {
    return forward_with(X, mode, &rng);
  }

  /// dX for dY = ∂L/∂Y; the parameter gradients are added to (+=).
  In backward(In dY) {
    if (!X_.bound()) throw Error(describe() + ".backward: called before forward");
    if (dY.rows() != out_rows_ || dY.cols() != X_.cols()) {
      throw ShapeError(describe() + ".backward: gradient has shape " + shape_string(dY) +
                       ", expected " + shape_string(out_rows_, X_.cols()) +
                       " (the output's shape)");
    }
    return backward_impl(dY);
  }

  /// The trainable tensors: name, value and gradient (none by default).
  virtual std::vector<Parameter<Scalar>> parameters() { return {}; }
  /// The tensors without a gradient, such as running statistics (none by default).
  virtual std::vector<Buffer<Scalar>> buffers() { return {}; }

  /// Sequence state (recurrent layers; none by default).
  // reset_state() puts it back to its start; the training loop calls it at the
  // start of every epoch and around evaluation. A stateful() layer carries its
  // state from one batch to the next until then, so training it needs batches
  // in order and of one size (fit checks).
  virtual std::vector<SequenceState<Scalar>> sequence_state() { return {}; }
  /// Puts the sequence state back to its start.
  virtual void reset_state() {}
  /// Whether the sequence state carries over from one batch to the next.
  virtual bool stateful() const { return false; }

  /// The settings that rebuild this layer (with type_name()); none by default.
  virtual Settings settings() const { return {}; }

  /// An independent copy of the layer: parameters, buffers, sequence state, settings.
  // No random state: a layer has none. Used to keep the best weights during
  // early stopping, and by tests.
  virtual std::unique_ptr<Layer> clone() const = 0;

  /// Whether backward computes dX; the model turns it off where nothing needs it.
  void set_input_gradient_wanted(bool wanted) { input_gradient_wanted_ = wanted; }
  /// Whether backward computes dX (true unless the model turned it off).
  bool input_gradient_wanted() const { return input_gradient_wanted_; }
  /// Whether the output has a gradient with respect to the input at all.
  // False for a layer whose input is not differentiable, such as Embedding's
  // token indices: the gradient checker skips its input, and it is a first layer.
  virtual bool has_input_gradient() const { return true; }

 protected:
  // The layer's math. forward_impl gets X already checked and kept (input()
  // returns it again in backward_impl); backward_impl gets dY already checked
  // against the output's shape.
  /// Y for X, already checked and kept: the layer's forward math.
  virtual In forward_impl(In X, Mode mode) = 0;
  /// dX for dY, already checked against the output's shape: the backward math.
  virtual In backward_impl(In dY) = 0;

  /// The last forward input (in × n), a view of the caller's batch.
  const typename InputView<Scalar>::MapType& input() const { return X_(); }
  /// The shape of the samples of the last forward input.
  const Shape& sample_shape() const { return sample_shape_; }

  /// The generator handed to this forward; throws when none was handed.
  // For forward_impl of layers that draw random numbers in training.
  Random& random() const {
    if (!rng_) {
      throw ArgumentError(describe() +
                          ".forward: this layer draws random numbers in training mode; pass a "
                          "generator, forward(X, Mode::train, rng) (fit does)");
    }
    return *rng_;
  }
  /// The generator handed to this forward, or null when none was.
  // For a layer that holds other layers and hands it on to them
  // (layers/residual.hpp), whether or not any of them draws.
  Random* generator() const { return rng_; }

 private:
  template <typename Derived>
  In forward_with(const Eigen::MatrixBase<Derived>& X, Mode mode, Random* rng) {
    const In view = stored_view<Scalar>(X, [this] { return describe() + ".forward"; });
    if (input_shape_.known()) {
      check_samples([this] { return describe() + ".forward"; }, "input", view, input_shape_);
      sample_shape_ = input_shape_;
      out_rows_ = output_shape_.size();
    } else {  // no shape given: a flat vector of X's rows
      sample_shape_ = Shape(view.rows());
      out_rows_ = compute_output_shape(sample_shape_).size();
    }
    X_.bind(view);
    rng_ = rng;
    struct Forget {  // the generator is this forward's only, even when it throws
      Random*& rng;
      ~Forget() { rng = nullptr; }
    } forget{rng_};
    return forward_impl(view, mode);
  }

  bool input_gradient_wanted_ = true;
  Shape input_shape_, output_shape_;
  Shape sample_shape_;  // of the last forward input
  Index out_rows_ = 0;  // of the last forward output
  InputView<Scalar> X_;
  Random* rng_ = nullptr;
};

/// A view of the first `cols` columns of `buffer`, grown to at least rows × cols.
// Growing allocates; once the largest batch has been seen, every later call
// is free.
template <typename Scalar>
MutRef<Scalar> batch_view(Matrix<Scalar>& buffer, Index rows, Index cols) {
  if (buffer.rows() != rows || buffer.cols() < cols) buffer.resize(rows, cols);
  return buffer.leftCols(cols);
}

}  // namespace hnn
