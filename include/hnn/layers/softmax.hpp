// SPDX-License-Identifier: MIT
#pragma once
// A softmax layer: each column of scores becomes a probability distribution.
//
//   Y = softmax(Z)                           column by column
//   dZ = Y ⊙ (dY − 1 (1ᵀ (Y ⊙ dY)))          the Jacobian-vector product
//
// The math is in hnn/activations/softmax.hpp. For training a classifier,
// end the network with a Dense layer and use SoftmaxCrossEntropy on its
// logits instead: it is faster and cannot blow up. Use this layer when the
// probabilities themselves are wanted downstream (or to learn why not).

#include <memory>
#include <string>

#include "hnn/activations/softmax.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

/// A softmax layer: each column of scores becomes a probability distribution.
template <typename Scalar>
class Softmax : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  std::string type_name() const override { return "Softmax"; }
  // Over the values of each sample: a vector in, a vector of the same size out.
  Shape compute_output_shape(const Shape& input) const override {
    if (input.rank() != 1) {
      throw ShapeError("Softmax: takes a vector per sample, but is given " + input.str() +
                       " (put a Flatten before it)");
    }
    return input;
  }

 protected:
  In forward_impl(In Z, Mode /*mode*/) override {
    check_nonempty("Softmax.forward", "input", Z.rows(), Z.cols());
    auto Y = batch_view(Y_, Z.rows(), Z.cols());
    softmax_forward(Z, Y);  // Y = softmax(Z)
    return Y;
  }

  In backward_impl(In dY) override {
    const auto Y = Y_.leftCols(dY.cols());  // the last output
    if (!this->input_gradient_wanted()) return dZ_.leftCols(0);
    auto dZ = batch_view(dZ_, Y.rows(), Y.cols());
    softmax_backward(Y, dY, dZ);  // dZ = Jᵀ dY
    return dZ;
  }

 public:
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Softmax>(*this); }

 private:
  Mat Y_;   // output (classes × largest n): backward needs Y, not Z
  Mat dZ_;  // input-gradient buffer (classes × largest n)
};

}  // namespace hnn
