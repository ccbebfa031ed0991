// SPDX-License-Identifier: MIT
#pragma once
// Embedding: a table of learned vectors, one per token of a vocabulary;
// PyTorch's nn.Embedding.
//
// Input: a sequence of T token indices per sample, Shape{T} (or {T, 1}),
// stored as numbers in the column: X(t, j) = k_tj, a whole number with
// 0 ≤ k_tj < V. Output: the sequence of their vectors, Shape{T, D}.
//
// Forward:
//   y_tj = W e_{k_tj} = W(:, k_tj)      (D × 1)   W (D × V): column k is token k's vector
//   Y = [y_1j; …; y_Tj] per sample       (TD × n)
//
// Backward, given dY (TD × n):
//   dW(:, k_tj) += dy_tj                 (D × 1)   for every step t of every sample j
//
// The output does not change when an index moves by less than it takes to
// reach the next whole number, so there is no input gradient:
// has_input_gradient() is false, the gradient checker skips the input, and an
// Embedding is a first layer (the model asks it for no dX; asked anyway, it
// returns zeros). An index that is not a whole number in [0, V) is an
// ArgumentError naming the index, the step and the sample.
//
// W is (D × V) where PyTorch's weight is (V × D): one column per token keeps
// a token's vector contiguous, as a sample's step is.

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/init/initializer.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

/// A table of learned vectors: token k becomes column k of W (D × V).
template <typename Scalar>
class Embedding : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  /// A table of `vocabulary` vectors of `dimension` numbers, drawn from `weights` (N(0, 1)).
  // N(0, 1) is PyTorch's default for nn.Embedding.
  Embedding(Index vocabulary, Index dimension, Random& rng, Init weights = Init::normal(0, 1))
      : W_(checked_rows(vocabulary, dimension), vocabulary), dW_(Mat::Zero(dimension, vocabulary)) {
    weights.fill(W_, vocabulary, dimension, rng);
  }

  std::string type_name() const override { return "Embedding"; }
  std::string describe() const override {
    std::ostringstream s;
    s << "Embedding(" << vocabulary() << " → " << dimension() << ')';
    return s.str();
  }
  /// The number of tokens, V.
  Index vocabulary() const { return W_.cols(); }
  /// The numbers per vector, D.
  Index dimension() const { return W_.rows(); }

  // {T} or {T, 1} → {T, D}
  Shape compute_output_shape(const Shape& input) const override {
    if (!(input.rank() == 1 || (input.rank() == 2 && input[1] == 1))) {
      std::ostringstream s;
      s << describe() << ": takes a sequence of token indices, Shape{T}, but is given " << input;
      throw ShapeError(s.str());
    }
    return Shape{input[0], dimension()};
  }

  /// False: an index has no gradient (see above).
  bool has_input_gradient() const override { return false; }

 protected:
  In forward_impl(In X, Mode /*mode*/) override {
    const Index T = X.rows(), D = dimension();
    auto Y = batch_view(Y_, T * D, X.cols());
    for (Index j = 0; j < X.cols(); ++j)
      for (Index t = 0; t < T; ++t)
        Y.block(t * D, j, D, 1) = W_.col(token(X, t, j));  // y_tj = W(:, k_tj)
    return Y;
  }

  In backward_impl(In dY) override {
    const auto& X = this->input();
    const Index T = X.rows(), D = dimension();
    for (Index j = 0; j < X.cols(); ++j)
      for (Index t = 0; t < T; ++t)
        dW_.col(Index(X(t, j))) += dY.block(t * D, j, D, 1);  // dW(:, k_tj) += dy_tj
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX = batch_view(dX_, T, dY.cols());
    dX.setZero();  // no gradient with respect to an index
    return dX;
  }

 public:
  std::vector<Parameter<Scalar>> parameters() override { return {Parameter<Scalar>("W", W_, dW_)}; }

  Settings settings() const override {
    return {{"vocabulary", double(vocabulary())}, {"dimension", double(dimension())}};
  }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<Embedding>(*this);
  }

  /// The table W (D × V): column k is token k's vector.
  const Mat& W() const { return W_; }

 private:
  static Index checked_rows(Index vocabulary, Index dimension) {
    if (vocabulary <= 0 || dimension <= 0) {
      std::ostringstream s;
      s << "Embedding: sizes must be positive, got vocabulary = " << vocabulary
        << ", dimension = " << dimension;
      throw ArgumentError(s.str());
    }
    return dimension;
  }

  // The index k_tj, checked: a whole number in [0, V).
  Index token(const In& X, Index t, Index j) const {
    const Scalar k = X(t, j);
    if (!(k >= 0 && k < Scalar(vocabulary())) || k != std::floor(k)) {
      std::ostringstream s;
      s << describe() << ".forward: token index " << k << " at step " << t << " of sample " << j
        << " is not in the vocabulary (a whole number from 0 to " << vocabulary() - 1 << ')';
      throw ArgumentError(s.str());
    }
    return Index(k);
  }

  Mat W_;   // the table       (D × V)
  Mat dW_;  // ∂L/∂W           (D × V), accumulated
  Mat Y_;   // output buffer   (TD × largest n)
  Mat dX_;  // zeros, when asked for (T × largest n)
};

}  // namespace hnn
