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
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

#include "hnn/core/error.hpp"
#include "hnn/core/parallel.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/layer.hpp"

namespace hnn {

// Whether an activation struct has settings() (LeakyReLU's alpha, …).
template <typename F, typename = void>
struct has_settings : std::false_type {};
template <typename F>
struct has_settings<F, std::void_t<decltype(std::declval<const F&>().settings())>>
    : std::true_type {};

template <typename Scalar, template <typename> class Function>
class Activation : public Layer<Scalar> {
 public:
  using typename Layer<Scalar>::Mat;
  using typename Layer<Scalar>::In;
  using FunctionType = Function<Scalar>;

  explicit Activation(FunctionType f = FunctionType()) : f_(f) {}

  std::string type_name() const override { return FunctionType::name; }

  // "LeakyReLU(alpha=0.2)" for a function with settings, else "LeakyReLU".
  std::string describe() const override {
    const Settings s = settings();
    if (s.empty()) return type_name();
    std::ostringstream d;
    d << type_name() << '(';
    for (std::size_t k = 0; k < s.size(); ++k)
      d << (k ? ", " : "") << s[k].first << '=' << s[k].second;
    d << ')';
    return d.str();
  }

  Settings settings() const override {
    if constexpr (has_settings<FunctionType>::value) {
      return f_.settings();
    } else {
      return {};
    }
  }
  const FunctionType& function() const { return f_; }

  // Element-wise: any number of rows in, the same number out.
  Index output_size(Index input_size) const override { return input_size; }

 protected:
  In forward_impl(In Z, Mode /*mode*/) override {
    auto Y = batch_view(Y_, Z.rows(), Z.cols());
    parallel_columns(Z.rows(), Z.cols(), [&](Index j, Index n) {
      f_.forward(Z.middleCols(j, n).array(), Y.middleCols(j, n).array());  // Y = f(Z)
    });
    return Y;
  }

  In backward_impl(In dY) override {
    const auto& Z = this->input();
    if (!this->input_gradient_wanted()) return dZ_.leftCols(0);
    auto dZ = batch_view(dZ_, Z.rows(), Z.cols());
    parallel_columns(Z.rows(), Z.cols(), [&](Index j, Index n) {
      f_.backward(Z.middleCols(j, n).array(), Y_.middleCols(j, n).array(),
                  dY.middleCols(j, n).array(), dZ.middleCols(j, n).array());  // dZ = dY ⊙ f'(Z)
    });
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
