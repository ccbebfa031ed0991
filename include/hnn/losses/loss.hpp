// SPDX-License-Identifier: MIT
#pragma once
// The Loss<Scalar> interface. A loss compares a prediction P (outputs × n,
// one sample per column) with a target and returns one number, averaged the
// way PyTorch's default reduction="mean" does; gradient() fills
// dP = ∂L/∂P, which already carries that 1/N, so layers return plain sums.
//
// Targets come in two forms:
//   a matrix T with P's shape (real values, or one-hot rows), or
//   class labels y (one int per column, 0 ≤ y_j < outputs) — for the
//   classification losses only.
//
// The public functions check shapes and labels, then call the protected
// virtual *_impl functions that hold the math; a new loss overrides those.

#include <sstream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// The interface every loss implements: a value L and its gradient dP = ∂L/∂P.
template <typename Scalar>
class Loss {
 public:
  /// A prediction or target matrix.
  using Mat = Matrix<Scalar>;
  /// A read-only view of a prediction or a target.
  using In = ConstRef<Scalar>;
  /// A writable view, for the gradient dP.
  using Out = MutRef<Scalar>;

  Loss() = default;
  /// Copies the base (which holds nothing), for the losses' own copies.
  Loss(const Loss&) = default;
  /// Assigns the base, like the copy constructor.
  Loss& operator=(const Loss&) = default;
  virtual ~Loss() = default;

  /// The loss's name, as error messages print it.
  virtual std::string name() const = 0;

  /// Whether class labels are accepted as targets.
  virtual bool takes_labels() const { return false; }

  /// L for the prediction P and the target matrix T.
  Scalar value(In P, In T) const {
    check_targets(P, T);
    return value_impl(P, T);
  }
  /// Writes dP = ∂L/∂P for the target matrix T.
  void gradient(In P, In T, Out dP) const {
    check_targets(P, T);
    check_same_shape([this] { return name() + ".gradient"; }, "gradient buffer", dP, "prediction",
                     P);
    gradient_impl(P, T, dP);
  }
  /// The value, with the gradient written to dP: what a training step needs.
  // A loss whose two halves share work (SoftmaxCrossEntropy's softmax)
  // computes them in one pass.
  Scalar value_and_gradient(In P, In T, Out dP) const {
    check_targets(P, T);
    check_same_shape([this] { return name() + ".gradient"; }, "gradient buffer", dP, "prediction",
                     P);
    return value_and_gradient_impl(P, T, dP);
  }
  /// L for the prediction P and the class labels y.
  Scalar value(In P, LabelsRef y) const {
    check_labels(P, y);
    return value_impl(P, y);
  }
  /// Writes dP = ∂L/∂P for the class labels y.
  void gradient(In P, LabelsRef y, Out dP) const {
    check_labels(P, y);
    check_same_shape([this] { return name() + ".gradient"; }, "gradient buffer", dP, "prediction",
                     P);
    gradient_impl(P, y, dP);
  }
  /// The value, with the gradient written to dP, for the class labels y.
  Scalar value_and_gradient(In P, LabelsRef y, Out dP) const {
    check_labels(P, y);
    check_same_shape([this] { return name() + ".gradient"; }, "gradient buffer", dP, "prediction",
                     P);
    return value_and_gradient_impl(P, y, dP);
  }

 protected:
  /// L for a target matrix, on checked arguments: the loss's math.
  virtual Scalar value_impl(const In& P, const In& T) const = 0;
  /// dP for a target matrix, on checked arguments.
  virtual void gradient_impl(const In& P, const In& T, Out& dP) const = 0;
  // Losses that take labels override these two (and takes_labels).
  /// L for class labels, on checked arguments (0 unless overridden).
  virtual Scalar value_impl(const In&, const LabelsRef&) const { return Scalar(0); }
  /// dP for class labels, on checked arguments (nothing unless overridden).
  virtual void gradient_impl(const In&, const LabelsRef&, Out&) const {}
  /// Both halves for a target matrix; by default one after the other.
  virtual Scalar value_and_gradient_impl(const In& P, const In& T, Out& dP) const {
    gradient_impl(P, T, dP);
    return value_impl(P, T);
  }
  /// Both halves for class labels; by default one after the other.
  virtual Scalar value_and_gradient_impl(const In& P, const LabelsRef& y, Out& dP) const {
    gradient_impl(P, y, dP);
    return value_impl(P, y);
  }

 private:
  void check_targets(const In& P, const In& T) const {
    check_nonempty([this] { return name(); }, "prediction", P.rows(), P.cols());
    check_same_shape([this] { return name(); }, "prediction", P, "target", T);
  }
  void check_labels(const In& P, const LabelsRef& y) const {
    if (!takes_labels()) {
      throw ArgumentError(name() +
                          ": takes a target matrix with the prediction's shape, "
                          "not class labels");
    }
    check_nonempty([this] { return name(); }, "prediction", P.rows(), P.cols());
    if (y.size() != P.cols()) {
      std::ostringstream s;
      s << name() << ": prediction has shape " << shape_string(P) << " (" << P.cols()
        << " samples) but there are " << y.size() << " labels";
      throw ShapeError(s.str());
    }
    for (Index j = 0; j < y.size(); ++j) {
      if (y(j) < 0 || y(j) >= P.rows()) {
        std::ostringstream s;
        s << name() << ": label " << y(j) << " of sample " << j << " is outside [0, " << P.rows()
          << ')';
        throw ArgumentError(s.str());
      }
    }
  }
};

/// Clamping for the losses that take probabilities: log never sees 0.
template <typename Scalar>
constexpr Scalar probability_epsilon() {
  return sizeof(Scalar) <= 4 ? Scalar(1e-7) : Scalar(1e-12);
}

}  // namespace hnn
