// SPDX-License-Identifier: MIT
#pragma once
// A Parameter is how a layer shows one trainable tensor to the outside world:
// its name ("W", "b"), its value and its gradient, both (rows × cols).
// Optimizers, save/load and monitors see parameters only, never layers.
//
// It does not own memory: it points at the layer's own matrices, which stay
// put while the layer lives (layers never resize their parameters).

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/parallel.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

// What a layer records about one of its gradients, beyond the numbers.
struct GradientState {
  // Over how many threads the gradient was last computed, each thread a
  // block of columns (core/parallel.hpp: product).
  int threads = 1;
  // zero_grad() declared the gradient zero without writing the zeros; the
  // layer's next backward writes it (=) instead of adding to it (+=), and
  // reading it through a Parameter writes the zeros first.
  bool pending_zero = false;

  // For the layer's backward: whether to add to the gradient (false once,
  // right after zero_grad()).
  bool accumulate() {
    const bool add = !pending_zero;
    pending_zero = false;
    return add;
  }
};

template <typename Scalar>
class Parameter {
 public:
  using MapType = Eigen::Map<Matrix<Scalar>>;

  // value and grad must have the same shape; a bias is a column vector.
  // state, when given, is the layer's GradientState for this gradient (see
  // grad_threads() and zero_grad() below); without it zero_grad() writes
  // zeros and the layer always adds.
  template <typename Derived>
  Parameter(std::string name, Eigen::PlainObjectBase<Derived>& value,
            Eigen::PlainObjectBase<Derived>& grad, GradientState* state = nullptr)
      : name_(std::move(name)),
        value_(value.data()),
        grad_(grad.data()),
        state_(state),
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
  MapType grad() const { return MapType(grad_data(), rows_, cols_); }

  // Raw storage, for fused element-wise loops (optimizers).
  Scalar* value_data() const { return value_; }
  Scalar* grad_data() const {
    if (state_ && state_->pending_zero) {  // zero_grad() left the zeros unwritten
      state_->pending_zero = false;
      set_zero();
    }
    return grad_;
  }

  // Over how many threads the gradient was last computed, each thread a
  // block of columns (core/parallel.hpp: product). Element-wise work on the
  // tensor (zero_grad, the optimizer's update) is split the same way, so
  // each thread finds its columns in its own core's cache; splitting
  // differently moves the whole tensor between cores every step, which costs
  // more than the split gains (measured: docs/14-performance.md).
  int grad_threads() const { return state_ ? std::max(1, state_->threads) : 1; }

  // f(begin, end) over the elements [0, size()), in the column blocks of
  // grad_threads(). f must not throw.
  template <typename F>
  void for_each_share(F&& f) const {
    parallel_column_blocks(rows_, cols_, grad_threads(), std::forward<F>(f));
  }

  // zero_grad() for this tensor: declares it zero when the layer keeps a
  // GradientState (its next backward writes instead of adding, which saves
  // a pass over the tensor where the product writes without reading, as at
  // batch 1), else writes the zeros.
  void zero_grad() const {
    if (state_) {
      state_->pending_zero = true;
    } else {
      set_zero();
    }
  }

 private:
  void set_zero() const {
    Scalar* g = grad_;
    for_each_share([g](Index i, Index end) { std::fill(g + i, g + end, Scalar(0)); });
  }

  std::string name_;
  Scalar* value_;
  Scalar* grad_;
  GradientState* state_;
  Index rows_;
  Index cols_;
};

// Sets every gradient in the list to zero: gradients accumulate (+=) in
// backward, so each training step starts from zero.
template <typename Scalar>
void zero_grad(const std::vector<Parameter<Scalar>>& params) {
  for (const auto& p : params)
    p.zero_grad();
}

}  // namespace hnn
