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

template <typename Scalar>
class SequenceState {
 public:
  using MapType = Eigen::Map<Matrix<Scalar>>;

  // initial: the state the next forward starts from; grad: ∂L/∂initial,
  // written by backward. Both (units × batch).
  SequenceState(std::string name, Matrix<Scalar>& initial, Matrix<Scalar>& grad)
      : name_(std::move(name)), initial_(&initial), grad_(&grad) {}

  SequenceState renamed(std::string name) const {
    SequenceState s = *this;
    s.name_ = std::move(name);
    return s;
  }

  const std::string& name() const { return name_; }
  Index rows() const { return initial_->rows(); }
  Index cols() const { return initial_->cols(); }

  MapType initial() const { return MapType(initial_->data(), initial_->rows(), initial_->cols()); }
  MapType grad() const { return MapType(grad_->data(), grad_->rows(), grad_->cols()); }

 private:
  std::string name_;
  Matrix<Scalar>* initial_;
  Matrix<Scalar>* grad_;
};

}  // namespace hnn
