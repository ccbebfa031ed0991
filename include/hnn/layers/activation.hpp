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
//
// Element by element, so a sample of any shape comes out with the same
// shape. apply_forward and apply_backward (perf/elementwise.hpp) run f's
// forward and backward over the batch, split over threads when it is large.

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "hnn/core/error.hpp"
#include "hnn/core/settings.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"
#include "hnn/perf/elementwise.hpp"

namespace hnn {

/// Whether an activation struct has settings() (LeakyReLU's alpha, …).
template <typename F, typename = void>
struct has_settings : std::false_type {};
template <typename F>
struct has_settings<F, std::void_t<decltype(std::declval<const F&>().settings())>>
    : std::true_type {};

/// A layer applying an activation struct element-wise: Y = f(Z), dZ = dY ⊙ f'(Z).
template <typename Scalar, template <typename> class Function>
class Activation : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;
  /// The activation struct, for this layer's scalar type.
  using FunctionType = Function<Scalar>;

  /// A layer over `f` (with its settings, such as LeakyReLU's alpha).
  explicit Activation(FunctionType f = FunctionType()) : f_(f) {}

  std::string type_name() const override { return FunctionType::name; }

  // The function's settings (LeakyReLU's alpha), if it has any.
  Settings settings() const override {
    Settings s;
    if constexpr (has_settings<FunctionType>::value) {
      for (const auto& kv : f_.settings())
        s.emplace_back(kv.first, kv.second);
    }
    return s;
  }
  /// The activation struct with its settings.
  const FunctionType& function() const { return f_; }

  // Element-wise: a sample of any shape in, the same shape out.
  Shape compute_output_shape(const Shape& input) const override { return input; }

 protected:
  In forward_impl(In Z, Mode /*mode*/) override {
    auto Y = batch_view(Y_, Z.rows(), Z.cols());
    apply_forward(f_, Z, Y);  // Y = f(Z)
    return Y;
  }

  In backward_impl(In dY) override {
    const auto& Z = this->input();
    if (!this->input_gradient_wanted()) return dZ_.leftCols(0);
    auto dZ = batch_view(dZ_, Z.rows(), Z.cols());
    apply_backward(f_, Z, Y_.leftCols(Z.cols()), dY, dZ);  // dZ = dY ⊙ f'(Z)
    return dZ;
  }

 public:
  std::unique_ptr<Layer<Scalar>> clone() const override {
    return std::make_unique<Activation>(*this);
  }

 private:
  FunctionType f_;
  Mat Y_;   // output buffer (units × largest n)
  Mat dZ_;  // input-gradient buffer (units × largest n)
};

}  // namespace hnn
