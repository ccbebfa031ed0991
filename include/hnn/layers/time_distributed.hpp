// SPDX-License-Identifier: MIT
#pragma once
// TimeDistributed: one Dense layer applied to every step of a sequence, with
// the same W and b at every step (a language model's output layer: logits
// for the next token at every position).
//
// Input Shape{T, in}, output Shape{T, out}. A sequence is stored step by step
// (core/shape.hpp), so a batch of n sequences (T·in × n) is, number for
// number, a batch of T n steps (in × T n), column jT + t for step t of
// sample j. The layer is the Dense on that batch:
//
//   Z̃ = W X̃ + b 1ᵀ                 (out × T n)   = Z (T·out × n)
//   dW += dZ̃ X̃ᵀ,  db += dZ̃ 1,  dX̃ = Wᵀ dZ̃       (layers/dense.hpp)
//
// so the sums over the batch are sums over every step of every sample.
// Nothing is copied when the batch is stored whole (a Matrix or a block of
// its columns); any other layout is copied once into a buffer.

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/init/initializer.hpp"
#include "hnn/layers/dense.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

/// A Dense layer applied to every step of a sequence: {T, in} → {T, out}.
template <typename Scalar>
class TimeDistributed : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;

  /// A Dense(in → out) for every step, with W from `weights` and b from `bias`.
  TimeDistributed(Index in, Index out, Random& rng, Init weights = Init::xavier_uniform(),
                  Init bias = Init::zeros())
      : dense_(in, out, rng, weights, bias) {}

  std::string type_name() const override { return "TimeDistributed"; }
  std::string describe() const override { return "TimeDistributed(" + dense_.describe() + ')'; }

  // {T, in} → {T, out}
  Shape compute_output_shape(const Shape& input) const override {
    if (input.rank() != 2 || input[1] != dense_.in_size()) {
      std::ostringstream s;
      s << describe() << ": takes a sequence of steps of " << dense_.in_size()
        << " values, Shape{T, " << dense_.in_size() << "}, but is given " << input;
      throw ShapeError(s.str());
    }
    return Shape{input[0], dense_.out_size()};
  }

 protected:
  In forward_impl(In X, Mode mode) override {
    const Index T = this->sample_shape()[0], in = dense_.in_size(), n = X.cols();
    const In Z = dense_.forward(as_steps(X, Xc_, in, T * n), mode);  // Z̃ = W X̃ + b 1ᵀ
    return Steps(Z.data(), T * dense_.out_size(), n, Eigen::OuterStride<>(T * dense_.out_size()));
  }

  In backward_impl(In dZ) override {
    const Index out = dense_.out_size(), in = dense_.in_size(), n = dZ.cols();
    const Index T = dZ.rows() / out;
    dense_.set_input_gradient_wanted(this->input_gradient_wanted());
    const In dX = dense_.backward(as_steps(dZ, dZc_, out, T * n));  // dW, db; dX̃ = Wᵀ dZ̃
    if (!this->input_gradient_wanted()) return dX;
    return Steps(dX.data(), T * in, n, Eigen::OuterStride<>(T * in));
  }

 public:
  std::vector<Parameter<Scalar>> parameters() override { return dense_.parameters(); }

  Settings settings() const override { return dense_.settings(); }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<TimeDistributed>(*this);
  }

  /// The Dense applied at every step.
  const Dense<Scalar>& dense() const { return dense_; }

 private:
  using Steps = Eigen::Map<const Mat, 0, Eigen::OuterStride<>>;

  // M (rows·T × n) read as (rows × T n): the same numbers when M is stored whole.
  static Steps as_steps(const In& M, Mat& copy, Index rows, Index cols) {
    if (M.outerStride() == M.rows()) return Steps(M.data(), rows, cols, Eigen::OuterStride<>(rows));
    auto c = batch_view(copy, M.rows(), M.cols());
    c = M;
    return Steps(copy.data(), rows, cols, Eigen::OuterStride<>(rows));
  }

  Dense<Scalar> dense_;  // W (out × in), b (out × 1), applied at every step
  Mat Xc_, dZc_;         // copies of an input or gradient not stored whole
};

}  // namespace hnn
