// SPDX-License-Identifier: MIT
#pragma once
// Catalogue entries for the normalization layers (layers/batch_norm.hpp,
// layers/layer_norm.hpp): BatchNorm on features and on images, LayerNorm on
// images. Both are smooth everywhere (σ ≥ √ε > 0), so the samples need only
// be varied; they are off-centre and not of unit spread, so normalizing
// changes them.

#include <cstdint>
#include <memory>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/batch_norm.hpp"
#include "hnn/layers/layer_norm.hpp"
#include "test_support.hpp"

namespace hnn_test {
namespace catalogue {

// BatchNorm over 4 features, with settings other than the defaults so a
// model file's round trip shows them.
struct BatchNormDenseEntry {
  static constexpr const char* type = "BatchNorm";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    hnn::BatchNormOptions o;
    o.momentum = 0.2;
    o.epsilon = 1e-3;
    return std::make_unique<hnn::BatchNorm<S>>(4, o);
  }
  static hnn::Shape input() { return hnn::Shape{4}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) {
    return uniform(4, n, seed, -1.0, 3.0);
  }
};

// BatchNorm over the 3 channels of 4 × 5 images: statistics over n·20 values.
struct BatchNormImageEntry {
  static constexpr const char* type = "BatchNorm";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::BatchNorm<S>>(3);
  }
  static hnn::Shape input() { return hnn::Shape{3, 4, 5}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) {
    return uniform(60, n, seed, -1.0, 3.0);
  }
};

// LayerNorm over whole 2 × 2 × 3 samples.
struct LayerNormEntry {
  static constexpr const char* type = "LayerNorm";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::LayerNorm<S>>(hnn::Shape{2, 2, 3}, 1e-4);
  }
  static hnn::Shape input() { return hnn::Shape{2, 2, 3}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) {
    return uniform(12, n, seed, -1.0, 3.0);
  }
};

}  // namespace catalogue
}  // namespace hnn_test

TYPE_TO_STRING_AS("BatchNorm on features", hnn_test::catalogue::BatchNormDenseEntry);
TYPE_TO_STRING_AS("BatchNorm on images", hnn_test::catalogue::BatchNormImageEntry);
TYPE_TO_STRING_AS("LayerNorm", hnn_test::catalogue::LayerNormEntry);
