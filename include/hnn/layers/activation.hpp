// SPDX-License-Identifier: MIT
#pragma once
// An activation layer applies a function f element by element:
//
//   Y = f(Z)                        Z, Y (units × n)
//   dZ = dY ⊙ f'(Z)                 ⊙ is the element-wise product
//
// f and f' come from a struct in hnn/activations/ (Tanh, ReLU, …): one
// template serves them all, so a new activation is a new struct, not a new
// layer. Activation<float, Tanh> is a tanh layer; a struct with a setting
// is passed in: Activation<float, LeakyReLU>(LeakyReLU<float>(0.2f)).

#include <memory>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

template <typename Scalar, template <typename> class Function>
class Activation : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;
  using FunctionType = Function<Scalar>;

  explicit Activation(FunctionType f = FunctionType()) : f_(f) {}

  std::string type_name() const override { return FunctionType::name; }
  const FunctionType& function() const { return f_; }

  // Element-wise: any number of rows in, the same number out.
  Index output_size(Index input_size) const override { return input_size; }

  In forward(In Z, Mode /*mode*/) override {
    Z_.bind(Z);
    auto Y = batch_view(Y_, Z.rows(), Z.cols());
    f_.forward(Z.array(), Y.array());  // Y = f(Z)
    return Y;
  }

  In backward(In dY) override {
    if (!Z_.bound()) throw Error(type_name() + ".backward: called before forward");
    const auto& Z = Z_();
    check_same_shape(type_name() + ".backward", "gradient", dY, "forward input", Z);
    if (!this->input_gradient_wanted()) return dZ_.leftCols(0);
    auto dZ = batch_view(dZ_, Z.rows(), Z.cols());
    f_.backward(Z.array(), Y_.leftCols(Z.cols()).array(), dY.array(),
                dZ.array());  // dZ = dY ⊙ f'(Z)
    return dZ;
  }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<Activation>(*this);
  }

 private:
  FunctionType f_;
  InputView<Scalar> Z_;  // the last input (units × n), a view of the caller's batch
  Mat Y_;                // output buffer (units × largest n)
  Mat dZ_;               // input-gradient buffer (units × largest n)
};

}  // namespace hnn
