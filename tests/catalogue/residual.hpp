// SPDX-License-Identifier: MIT
#pragma once
// The catalogue entries of the residual block (layers/residual.hpp, listed in
// HNN_CATALOGUE_LAYERS): an identity skip over vectors, a projection over
// vectors, and an image block whose projection changes the channels and
// shrinks the image with a stride. The weights are N(0, 0.5²), so f(x) is not
// small next to x and a wrong path through f shows in the checks.

#include <cstdint>
#include <memory>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/residual.hpp"
#include "test_support.hpp"

namespace hnn_test {
namespace catalogue {

// y = x + Dense(tanh(Dense(x))), 4 → 4.
struct ResidualEntry {
  static constexpr const char* type = "Residual";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    const auto w = hnn::Init::normal(0, 0.5);
    auto block = std::make_unique<hnn::Residual<S>>(hnn::Shape{4});
    block->add(hnn::Dense<S>(4, 5, rng, w, w))
        .add(hnn::Activation<S, hnn::Tanh>())
        .add(hnn::Dense<S>(5, 4, rng, w, w));
    return block;
  }
  static hnn::Shape input() { return hnn::Shape{4}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(4, n, seed); }
};

// y = P x + tanh(Dense(x)), 4 → 6: P (6 × 4).
struct ResidualProjectionEntry {
  static constexpr const char* type = "Residual";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    const auto w = hnn::Init::normal(0, 0.5);
    auto block = std::make_unique<hnn::Residual<S>>(hnn::Shape{4});
    block->add(hnn::Dense<S>(4, 6, rng, w, w)).add(hnn::Activation<S, hnn::Tanh>());
    block->project(rng, 1, w);
    return block;
  }
  static hnn::Shape input() { return hnn::Shape{4}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(4, n, seed); }
};

// Images 2×5×6 → 4×3×3: Conv2D 3×3 "same" → BatchNorm → ReLU → Conv2D 3×3
// stride 2 "same", and P a 1×1 convolution 2 → 4 with stride 2.
struct ResidualImageEntry {
  static constexpr const char* type = "Residual";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    hnn::Conv2DOptions same;
    same.padding = hnn::Padding::same();
    same.bias = false;
    same.weights = hnn::Init::normal(0, 0.5);
    hnn::Conv2DOptions down = same;
    down.stride = 2;
    auto block = std::make_unique<hnn::Residual<S>>(hnn::Shape{2, 5, 6});
    block->add(hnn::Conv2D<S>(2, 3, hnn::Window(3), rng, same))
        .add(hnn::BatchNorm<S>(3))
        .add(hnn::Activation<S, hnn::ReLU>())
        .add(hnn::Conv2D<S>(3, 4, hnn::Window(3), rng, down));
    block->project(rng, 2, hnn::Init::normal(0, 0.5));
    return block;
  }
  static hnn::Shape input() { return hnn::Shape{2, 5, 6}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(60, n, seed); }
};

}  // namespace catalogue
}  // namespace hnn_test

TYPE_TO_STRING_AS("Residual", hnn_test::catalogue::ResidualEntry);
TYPE_TO_STRING_AS("Residual with a projection", hnn_test::catalogue::ResidualProjectionEntry);
TYPE_TO_STRING_AS("Residual on images, projection with stride 2",
                  hnn_test::catalogue::ResidualImageEntry);
