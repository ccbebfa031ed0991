// SPDX-License-Identifier: MIT
#pragma once
// LazyGradient: a parameter gradient that writes its numbers only when it
// must. Dense keeps its dW in one (layers/dense.hpp); to the layer's code it
// is a gradient that backward adds a product to,
//
//   add_product(dW_, dZ, X.transpose());   // dW += dZ Xᵀ
//
// and to everything else it is a DeferredGradient (core/parameter.hpp) that
// Parameter::grad() reads. Two savings hide behind that line
// (docs/14-performance.md measures both):
//
// 1. Zeroing without writing zeros. zero_grad() only marks the gradient
//    zero; the next add_product writes G = A B instead of adding to zeros,
//    which saves a pass over G. A read before that writes the zeros.
// 2. Keeping the factors. When G is zero, the factors A (rows × n) and
//    B (n × cols) hold fewer numbers than G, and the product would run on one
//    thread, add_product keeps copies of A and Bᵀ instead of computing G.
//    Plain SGD then steps w ← w − η A B as one product (add_scaled_to) and G
//    is never written: at batch 1 that saves two of the three passes over W a
//    step otherwise makes (write G, then read G and W to update W). Reading G
//    (Adam, momentum, clipping, monitors, the gradient checker) computes it
//    from the factors first; they stay until zero_grad().
//
// The copies are copies, not views: a caller that changes the layer's input
// between backward and the step gets the same step.

#include <algorithm>

#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"
#include "hnn/perf/products.hpp"
#include "hnn/perf/threads.hpp"

namespace hnn {

/// A gradient that writes its numbers only when it must.
template <typename Scalar>
class LazyGradient final : public DeferredGradient<Scalar> {
 public:
  LazyGradient() = default;
  /// A zero (rows × cols) gradient.
  // A zero (rows × cols) gradient.
  LazyGradient(Index rows, Index cols) : G_(Matrix<Scalar>::Zero(rows, cols)) {}
  /// Copies the numbers, the kept factors and the pending zero.
  LazyGradient(const LazyGradient&) = default;
  /// Assigns like the copy constructor.
  LazyGradient& operator=(const LazyGradient&) = default;
  ~LazyGradient() = default;

  /// The gradient's rows.
  Index rows() const { return G_.rows(); }
  /// The gradient's columns.
  Index cols() const { return G_.cols(); }

  /// G += A B, with A (rows × n) and B (n × cols).
  // G += A B, with A (rows × n) and B (n × cols).
  template <typename Lhs, typename Rhs>
  void add_product(const Eigen::MatrixBase<Lhs>& A, const Eigen::MatrixBase<Rhs>& B) {
    if (keep_factors(A, B)) return;
    if (n_ > 0) write_out();  // factors kept by an earlier backward: G = their product first
    if (pending_zero_) {
      pending_zero_ = false;
      threads_ = set_product(G_, A, B);  // G = A B: it was zero
    } else {
      threads_ = hnn::add_product(G_, A, B);  // G += A B
    }
  }

  Matrix<Scalar>& numbers() override {
    write_out();
    return G_;
  }

  void zero() override {
    pending_zero_ = true;
    n_ = 0;
  }

  bool add_scaled_to(MutRef<Scalar> value, Scalar alpha) override {
    if (n_ == 0) return false;
    threads_ = add_scaled_product(value, alpha, A_.leftCols(n_), Bt_.leftCols(n_).transpose());
    return true;
  }

  int threads() const override { return std::max(1, threads_); }

  /// Whether G is held as factors right now.
  // Whether G is held as factors right now (tests, docs).
  bool holds_factors() const { return n_ > 0; }

 private:
  // Keeps copies of A and Bᵀ when that pays (see 2. above); false otherwise.
  template <typename Lhs, typename Rhs>
  bool keep_factors(const Eigen::MatrixBase<Lhs>& A, const Eigen::MatrixBase<Rhs>& B) {
    const Index n = A.cols();
    const bool worth = pending_zero_ && n > 0 && n * (A.rows() + B.cols()) <= A.rows() * B.cols() &&
                       product_threads(A.rows(), n, B.cols()) == 1;
    if (!worth) return false;
    if (A_.cols() < n || A_.rows() != A.rows()) A_.resize(A.rows(), n);  // grows only
    if (Bt_.cols() < n || Bt_.rows() != B.cols()) Bt_.resize(B.cols(), n);
    A_.leftCols(n) = A;
    Bt_.leftCols(n) = B.transpose();
    n_ = n;
    pending_zero_ = false;
    return true;
  }

  // Brings G's numbers up to date: the zeros zero() left unwritten, or the
  // product of the kept factors.
  void write_out() {
    if (pending_zero_) {
      pending_zero_ = false;
      Scalar* g = G_.data();
      parallel_column_blocks(G_.rows(), G_.cols(), threads(),
                             [g](Index i, Index end) { std::fill(g + i, g + end, Scalar(0)); });
    } else if (n_ > 0) {
      threads_ = set_product(G_, A_.leftCols(n_), Bt_.leftCols(n_).transpose());  // G = A B
      n_ = 0;
    }
  }

  Matrix<Scalar> G_;       // the gradient (rows × cols)
  Matrix<Scalar> A_, Bt_;  // copies of the factors (sized for the largest n kept)
  Index n_ = 0;            // their columns in use; 0: G is not held as factors
  bool pending_zero_ = false;
  int threads_ = 1;
};

/// G += A B for a LazyGradient.
// G += A B for a LazyGradient: the verb the layers use for any gradient.
template <typename Scalar, typename Lhs, typename Rhs>
void add_product(LazyGradient<Scalar>& G, const Eigen::MatrixBase<Lhs>& A,
                 const Eigen::MatrixBase<Rhs>& B) {
  G.add_product(A, B);
}

/// w ← w + alpha ∇w from the kept factors; false when there are none.
// w ← w + alpha ∇w as one product, when the parameter's gradient is held as
// factors (plain SGD's step with alpha = −η); false, doing nothing, otherwise.
template <typename Scalar>
bool add_scaled_gradient_from_factors(Parameter<Scalar>& p, Scalar alpha) {
  DeferredGradient<Scalar>* g = p.deferred();
  return g != nullptr && g->add_scaled_to(p.value(), alpha);
}

}  // namespace hnn
