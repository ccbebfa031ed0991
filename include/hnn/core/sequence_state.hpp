// SPDX-License-Identifier: MIT
#pragma once
// Sequence state: what a recurrent layer carries from one step to the next,
// and (in stateful mode) from one batch to the next, until reset_state().
//
// A layer shows it as SequenceState entries: the state the next forward
// starts from (h₀, one column per sample of the batch) and, after backward,
// its gradient ∂L/∂h₀. That is the route by which the initial state takes
// part in backward: the gradient checker perturbs h₀ and compares with
// ∂L/∂h₀, and a caller can feed ∂L/∂h₀ to whatever produced h₀. Optimizers
// never see it: it is not a parameter.
//
// Like a Parameter, an entry is a handle to the layer's own matrices.

#include <string>
#include <utility>

#include "hnn/core/types.hpp"

namespace hnn {

/// What a recurrent layer carries from step to step: h₀ and, after backward, ∂L/∂h₀.
template <typename Scalar>
class SequenceState {
 public:
  /// A writable view of one of the layer's matrices.
  using MapType = Eigen::Map<Matrix<Scalar>>;

  /// Handles to `initial`, the state the next forward starts from, and `grad`, ∂L/∂initial.
  // grad is written by backward. Both (units × batch).
  SequenceState(std::string name, Matrix<Scalar>& initial, Matrix<Scalar>& grad)
      : name_(std::move(name)), initial_(&initial), grad_(&grad) {}

  /// The same entry under another name (a model prefixes the layer's index).
  SequenceState renamed(std::string name) const {
    SequenceState s = *this;
    s.name_ = std::move(name);
    return s;
  }

  /// The entry's name.
  const std::string& name() const { return name_; }
  /// The rows of the state (units).
  Index rows() const { return initial_->rows(); }
  /// The columns of the state (samples of the batch).
  Index cols() const { return initial_->cols(); }

  /// The state the next forward starts from, h₀; writing to it changes the layer.
  MapType initial() const { return MapType(initial_->data(), initial_->rows(), initial_->cols()); }
  /// ∂L/∂h₀, as the last backward wrote it.
  MapType grad() const { return MapType(grad_->data(), grad_->rows(), grad_->cols()); }

 private:
  std::string name_;
  Matrix<Scalar>* initial_;
  Matrix<Scalar>* grad_;
};

}  // namespace hnn
