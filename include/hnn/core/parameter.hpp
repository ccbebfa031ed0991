// SPDX-License-Identifier: MIT
#pragma once
// A Parameter is how a layer shows one trainable tensor to the outside world:
// its name ("W", "b"), its value and its gradient ∂L/∂w, both (rows × cols).
// Optimizers, clipping, monitors and save/load see parameters only, never
// layers. (A layer's other state has its own types: core/buffer.hpp for
// running statistics, core/sequence_state.hpp for a recurrent state.)
//
// A Parameter does not own memory: it is a handle to the layer's matrices,
// which stay put while the layer lives (layers never resize their
// parameters). Writing through value() changes the layer.
//
// grad() is not const: a layer may keep a gradient in another form than its
// numbers until someone reads it (a DeferredGradient, below), and grad() then
// writes the numbers out first. Every other accessor does no work.

#include <string>
#include <utility>
#include <vector>

#include "hnn/core/types.hpp"

namespace hnn {

/// A gradient that a layer keeps in another form than its numbers until they are read.
// Dense keeps dW = dZ Xᵀ as its two factors at small batches, and plain SGD
// steps from them without ever writing dW (perf/lazy_gradient.hpp implements
// this; docs/14-performance.md explains why it pays).
template <typename Scalar>
class DeferredGradient {
 public:
  /// The gradient's numbers, brought up to date (written out if needed).
  virtual Matrix<Scalar>& numbers() = 0;
  /// zero_grad(): the gradient is zero from now on.
  virtual void zero() = 0;
  /// value += alpha · gradient without writing the gradient out; false if it cannot.
  // It can when the gradient is held as factors; otherwise it does nothing.
  virtual bool add_scaled_to(MutRef<Scalar> value, Scalar alpha) = 0;
  /// Over how many threads the gradient was last computed, each a block of columns.
  // Work on the tensor is split the same way (perf/threads.hpp).
  virtual int threads() const = 0;

 protected:
  DeferredGradient() = default;
  /// Copies, for the derived classes' copies.
  DeferredGradient(const DeferredGradient&) = default;
  /// Assigns, for the derived classes.
  DeferredGradient& operator=(const DeferredGradient&) = default;
  ~DeferredGradient() = default;
};

/// A trainable tensor: a name, a view of its value w and of its gradient ∂L/∂w.
template <typename Scalar>
class Parameter {
 public:
  /// A writable view of the layer's matrix.
  using MapType = Eigen::Map<Matrix<Scalar>>;

  /// A handle to the layer's matrices `value` and `grad`, named `name`.
  // value and grad must have the same shape; a bias is a column vector.
  Parameter(std::string name, Matrix<Scalar>& value, Matrix<Scalar>& grad)
      : name_(std::move(name)), value_(&value), grad_(&grad) {}
  /// A gradient the layer may hold as a DeferredGradient.
  Parameter(std::string name, Matrix<Scalar>& value, DeferredGradient<Scalar>& grad)
      : name_(std::move(name)), value_(&value), deferred_(&grad) {}

  /// The same tensor under another name ("2.W": a model prefixes the layer's index).
  // So every parameter of a model has a unique name.
  Parameter renamed(std::string name) const {
    Parameter p = *this;
    p.name_ = std::move(name);
    return p;
  }

  /// The name ("W"; "2.W" in a model).
  const std::string& name() const { return name_; }
  /// The rows of w.
  Index rows() const { return value_->rows(); }
  /// The columns of w.
  Index cols() const { return value_->cols(); }
  /// The number of weights in w.
  Index size() const { return value_->size(); }

  /// The value w: a view of the layer's storage.
  MapType value() const { return MapType(value_->data(), rows(), cols()); }

  /// ∂L/∂w: a view of the layer's storage, written out first if deferred.
  MapType grad() {
    Matrix<Scalar>& g = deferred_ ? deferred_->numbers() : *grad_;
    return MapType(g.data(), g.rows(), g.cols());
  }

  /// Sets ∂L/∂w to zero (gradients accumulate in backward).
  void zero_grad() {
    if (deferred_) {
      deferred_->zero();
    } else {
      grad_->setZero();
    }
  }

  /// The deferred form of the gradient, or null: for perf/, which may use it.
  DeferredGradient<Scalar>* deferred() const { return deferred_; }

 private:
  std::string name_;
  Matrix<Scalar>* value_;
  Matrix<Scalar>* grad_ = nullptr;                // the gradient's numbers, or
  DeferredGradient<Scalar>* deferred_ = nullptr;  // the gradient, possibly deferred
};

/// Sets every gradient in the list to zero.
// Gradients accumulate (+=) in backward, so each training step starts from zero.
template <typename Scalar>
void zero_grad(std::vector<Parameter<Scalar>>& params) {
  for (auto& p : params)
    p.zero_grad();
}
/// Sets every gradient in the list to zero, for a temporary list.
template <typename Scalar>
void zero_grad(std::vector<Parameter<Scalar>>&& params) {
  zero_grad(params);
}

}  // namespace hnn
