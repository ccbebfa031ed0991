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

template <typename Scalar>
class Parameter {
 public:
  using MapType = Eigen::Map<Matrix<Scalar>>;

  // value and grad must have the same shape; a bias is a column vector.
  // grad_threads, when given, is where the layer records over how many
  // threads it split its last gradient computation by columns (see
  // grad_threads() below).
  template <typename Derived>
  Parameter(std::string name, Eigen::PlainObjectBase<Derived>& value,
            Eigen::PlainObjectBase<Derived>& grad, const int* grad_threads = nullptr)
      : name_(std::move(name)),
        value_(value.data()),
        grad_(grad.data()),
        grad_threads_(grad_threads),
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
  MapType grad() const { return MapType(grad_, rows_, cols_); }

  // Raw storage, for fused element-wise loops (optimizers).
  Scalar* value_data() const { return value_; }
  Scalar* grad_data() const { return grad_; }

  // Over how many threads the gradient was last computed, each thread a
  // block of columns (core/parallel.hpp: product). Element-wise work on the
  // tensor (zero_grad, the optimizer's update) is split the same way, so
  // each thread finds its columns in its own core's cache; splitting
  // differently moves the whole tensor between cores every step, which costs
  // more than the split gains (measured: docs/14-performance.md).
  int grad_threads() const { return grad_threads_ ? std::max(1, *grad_threads_) : 1; }

  // f(begin, end) over the elements [0, size()), in the column blocks of
  // grad_threads(). f must not throw.
  template <typename F>
  void for_each_share(F&& f) const {
    parallel_column_blocks(rows_, cols_, grad_threads(), std::forward<F>(f));
  }

 private:
  std::string name_;
  Scalar* value_;
  Scalar* grad_;
  const int* grad_threads_;
  Index rows_;
  Index cols_;
};

// Sets every gradient in the list to zero: gradients accumulate (+=) in
// backward, so each training step starts from zero.
template <typename Scalar>
void zero_grad(const std::vector<Parameter<Scalar>>& params) {
  for (const auto& p : params) {
    Scalar* g = p.grad_data();
    p.for_each_share([g](Index i, Index end) { std::fill(g + i, g + end, Scalar(0)); });
  }
}

}  // namespace hnn
