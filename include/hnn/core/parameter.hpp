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

namespace detail {
// Zeros into a (rows × cols) tensor, each thread its block of columns.
template <typename Scalar>
void fill_zeros(Scalar* data, Index rows, Index cols, int threads) {
  parallel_column_blocks(rows, cols, std::max(1, threads), [data](Index i, Index end) {
    std::fill(data + i, data + end, Scalar(0));
  });
}
}  // namespace detail

// What a layer records about one of its gradients, beyond the numbers.
template <typename Scalar>
class GradientState {
 public:
  // Over how many threads the gradient was last computed, each thread a
  // block of columns (core/parallel.hpp: product).
  int threads = 1;
  // zero_grad() declared the gradient zero without writing the zeros; the
  // layer's next backward writes it (=) instead of adding to it (+=), and
  // reading it through a Parameter writes the zeros first.
  bool pending_zero = false;

  // For the layer's backward, when it computes the gradient itself: whether
  // to add to it (false once, right after zero_grad()). A gradient deferred
  // by the backward before (no zero_grad() between) is computed first.
  bool accumulate(MutRef<Scalar> grad) {
    if (deferred()) settle(grad);
    const bool add = !pending_zero;
    pending_zero = false;
    return add;
  }

  // A deferred gradient. Some gradients are a product of two thin factors:
  // Dense's dW = dZ Xᵀ is (out × n)(n × in), with n samples. When the
  // gradient was zero and the factors hold fewer numbers than the gradient,
  // the layer may keep copies of L and R instead of computing G = L Rᵀ.
  // Plain SGD then takes its step as one product, w ← w − η L Rᵀ
  // (add_to()), and G is never written: at batch 1 that saves two of the
  // three passes over W a step otherwise makes (write G, then read G and W
  // to update W). Anything that reads G through a Parameter gets it
  // computed first (settle()); the factors stay until zero_grad().
  //
  // defer() returns false, keeping nothing, when deferring does not pay.
  template <typename LhsDerived, typename RhsDerived>
  bool defer(const Eigen::MatrixBase<LhsDerived>& L, const Eigen::MatrixBase<RhsDerived>& R) {
    // Worth it when G was zero, the factors are smaller than G, and the
    // product runs on one thread (split, the serial copies cost what the
    // saved pass over G would have gained).
    const Index n = L.cols();
    const bool worth = pending_zero && n > 0 && n * (L.rows() + R.rows()) <= L.rows() * R.rows() &&
                       product_threads(L.rows(), n, R.rows()) == 1;
    if (!worth) return false;
    if (L_.cols() < n || L_.rows() != L.rows()) L_.resize(L.rows(), n);  // grows only
    if (R_.cols() < n || R_.rows() != R.rows()) R_.resize(R.rows(), n);
    L_.leftCols(n) = L;
    R_.leftCols(n) = R;
    n_ = n;
    pending_zero = false;
    return true;
  }
  bool deferred() const { return n_ > 0; }

  // Brings the gradient's storage up to date: writes the zeros zero_grad()
  // left unwritten, or computes G = L Rᵀ from deferred factors.
  void settle(MutRef<Scalar> grad) {
    if (pending_zero) {
      pending_zero = false;
      detail::fill_zeros(grad.data(), grad.rows(), grad.cols(), threads);
    } else if (deferred()) {
      threads = product(grad, L_.leftCols(n_), R_.leftCols(n_).transpose());  // G = L Rᵀ
      n_ = 0;
    }
  }

  // value += alpha G from the deferred factors, as one product. Returns
  // false, doing nothing, when the gradient is not deferred.
  bool add_to(MutRef<Scalar> value, Scalar alpha) {
    if (!deferred()) return false;
    threads = product(value, L_.leftCols(n_), R_.leftCols(n_).transpose(), true, alpha);
    return true;
  }

  // zero_grad(): the gradient is zero; nothing is written until needed.
  void zero() {
    pending_zero = true;
    n_ = 0;
  }

 private:
  Matrix<Scalar> L_, R_;  // copies of the factors (sized for the largest n deferred)
  Index n_ = 0;           // their columns in use; 0: nothing deferred
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
            Eigen::PlainObjectBase<Derived>& grad, GradientState<Scalar>* state = nullptr)
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
    if (state_) {  // write what the layer left unwritten: zeros, or a deferred gradient
      MapType g(grad_, rows_, cols_);
      state_->settle(g);
    }
    return grad_;
  }

  // value += alpha · gradient as one product, when the layer deferred the
  // gradient (GradientState::defer); returns false, doing nothing, when it
  // did not. Plain SGD's step: w ← w − η ∇w with alpha = −η.
  bool add_deferred_gradient(Scalar alpha) const {
    if (!state_) return false;
    MapType w(value_, rows_, cols_);
    return state_->add_to(w, alpha);
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
      state_->zero();
    } else {
      detail::fill_zeros(grad_, rows_, cols_, grad_threads());
    }
  }

 private:
  std::string name_;
  Scalar* value_;
  Scalar* grad_;
  GradientState<Scalar>* state_;
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
