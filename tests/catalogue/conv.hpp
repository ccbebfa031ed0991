// SPDX-License-Identifier: MIT
#pragma once
// The catalogue's Conv2D entries (tests/catalogue.hpp lists them): a plain
// 3×3 convolution, and a strided one with a non-square kernel, "same"
// padding and no bias.

#include <memory>

#include "catalogue.hpp"
#include "hnn/layers/conv2d.hpp"

namespace hnn_test {
namespace catalogue {

struct Conv2DEntry {
  static constexpr const char* type = "Conv2D";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    hnn::Conv2DOptions o;
    o.weights = hnn::Init::normal(0, 0.5);
    o.bias_init = hnn::Init::normal(0, 0.5);
    return std::make_unique<hnn::Conv2D<S>>(2, 3, hnn::Window(3), rng, o);
  }
  static hnn::Shape input() { return hnn::Shape{2, 5, 6}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(60, n, seed); }
};
struct Conv2DStridedEntry {
  static constexpr const char* type = "Conv2D";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    hnn::Conv2DOptions o;
    o.stride = 2;
    o.padding = hnn::Padding::same();
    o.bias = false;
    o.weights = hnn::Init::normal(0, 0.5);
    return std::make_unique<hnn::Conv2D<S>>(3, 2, hnn::Window(2, 3), rng, o);
  }
  static hnn::Shape input() { return hnn::Shape{3, 5, 6}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(90, n, seed); }
};

}  // namespace catalogue
}  // namespace hnn_test

TYPE_TO_STRING_AS("Conv2D", hnn_test::catalogue::Conv2DEntry);
TYPE_TO_STRING_AS("Conv2D stride 2, same, 2×3, no bias", hnn_test::catalogue::Conv2DStridedEntry);
