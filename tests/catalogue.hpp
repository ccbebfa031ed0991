// SPDX-License-Identifier: MIT
#pragma once
// The catalogue: one list of everything hnn ships that the tests go over —
// every layer type (each with a small model using it), every activation
// function and every loss. The gradient checks, the float/double
// instantiations, the no-allocation test, the model-file round trip, the
// summary test and the registry-coverage test all iterate over these lists,
// so a new layer, activation or loss is one more entry here, and the
// registry-coverage test (tests/io/test_catalogue.cpp) fails until it is.

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

namespace hnn_test {
namespace catalogue {

using hnn::Index;
using hnn::Matrix;

// ===========================================================================
// Activation functions: every struct in include/hnn/activations/ (softmax,
// which couples a column's entries, is the Softmax layer below).

template <template <typename> class F>
struct Fn {
  template <typename S>
  using type = F<S>;
};
#define HNN_CATALOGUE_ACTIVATIONS                                                 \
  hnn_test::catalogue::Fn<hnn::Identity>, hnn_test::catalogue::Fn<hnn::Sigmoid>,  \
      hnn_test::catalogue::Fn<hnn::Tanh>, hnn_test::catalogue::Fn<hnn::ReLU>,     \
      hnn_test::catalogue::Fn<hnn::LeakyReLU>, hnn_test::catalogue::Fn<hnn::ELU>, \
      hnn_test::catalogue::Fn<hnn::SELU>, hnn_test::catalogue::Fn<hnn::Softplus>, \
      hnn_test::catalogue::Fn<hnn::GELU>, hnn_test::catalogue::Fn<hnn::SiLU>

// ===========================================================================
// Losses. Each case builds the loss in any Scalar and gives a prediction and
// a target (a matrix, or class labels) at which the loss is smooth.

// ---------------------------------------------------------------------------
// Sample data for the gradient checks.

// Uniform numbers in [lo, hi).
inline Matrix<double> uniform(Index rows, Index cols, std::uint64_t seed, double lo, double hi) {
  hnn::Random rng(seed);
  Matrix<double> m(rows, cols);
  rng.fill_uniform(m, lo, hi);
  return m;
}

inline Matrix<double> normal(Index rows, Index cols, std::uint64_t seed, double stddev = 1.0) {
  hnn::Random rng(seed);
  Matrix<double> m(rows, cols);
  rng.fill_normal(m, 0.0, stddev);
  return m;
}

// Soft targets: each column a probability distribution (sums to 1).
inline Matrix<double> distributions(Index rows, Index cols, std::uint64_t seed) {
  Matrix<double> t = uniform(rows, cols, seed, 0.1, 1.0);
  for (Index j = 0; j < cols; ++j)
    t.col(j) /= t.col(j).sum();
  return t;
}

inline hnn::Labels labels(Index classes, Index n, std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Labels y(n);
  for (Index j = 0; j < n; ++j)
    y(j) = static_cast<int>(rng.below(static_cast<std::uint64_t>(classes)));
  return y;
}

// A target in the loss's Scalar: matrices are cast, labels stay as they are.
template <typename S>
Matrix<S> as(const Matrix<double>& t) {
  return t.cast<S>();
}
template <typename S>
inline const hnn::Labels& as(const hnn::Labels& y) {
  return y;
}

// ---------------------------------------------------------------------------
// The list of losses. Each case builds the loss in any Scalar and gives a
// prediction and a target (a matrix, or class labels) at which the loss is
// smooth; a new loss (or target form) is one more struct in HNN_CATALOGUE_LOSSES.

inline constexpr Index rows = 4, cols = 5;

struct MSECase {
  template <typename S>
  static hnn::MSE<S> make() {
    return {};
  }
  static Matrix<double> prediction() { return normal(rows, cols, 1); }
  static Matrix<double> target() { return normal(rows, cols, 2); }
};

struct MAECase {
  template <typename S>
  static hnn::MAE<S> make() {
    return {};
  }
  // |p − t| has a kink at p = t: every error is at least 0.1 away from 0.
  static Matrix<double> prediction() { return target() + hnn_test::away_from_zero(rows, cols, 3); }
  static Matrix<double> target() { return normal(rows, cols, 4); }
};

struct HuberCase {
  static constexpr double delta = 0.8;
  template <typename S>
  static hnn::Huber<S> make() {
    return hnn::Huber<S>(S(delta));
  }
  // Errors with 0.1 ≤ |e| ≤ 2.1: some inside δ (quadratic), some outside
  // (linear). The test below checks that both kinds occur.
  static Matrix<double> prediction() { return target() + hnn_test::away_from_zero(rows, cols, 6); }
  static Matrix<double> target() { return normal(rows, cols, 5); }
};

struct BinaryCrossEntropyCase {
  template <typename S>
  static hnn::BinaryCrossEntropy<S> make() {
    return {};
  }
  // Probabilities in (0.05, 0.95), away from the clamp; soft targets in [0, 1].
  static Matrix<double> prediction() { return uniform(rows, cols, 7, 0.05, 0.95); }
  static Matrix<double> target() { return uniform(rows, cols, 8, 0.0, 1.0); }
};

struct BinaryCrossEntropyWithLogitsCase {
  template <typename S>
  static hnn::BinaryCrossEntropyWithLogits<S> make() {
    return {};
  }
  static Matrix<double> prediction() { return normal(rows, cols, 9, 3.0); }
  static Matrix<double> target() { return uniform(rows, cols, 10, 0.0, 1.0); }
};

struct CrossEntropyCase {
  template <typename S>
  static hnn::CrossEntropy<S> make() {
    return {};
  }
  // Each element is its own variable here: P need not sum to 1 for the check.
  static Matrix<double> prediction() { return uniform(rows, cols, 11, 0.05, 0.95); }
  static Matrix<double> target() { return distributions(rows, cols, 12); }
};

struct CrossEntropyLabelsCase : CrossEntropyCase {
  static hnn::Labels target() { return labels(rows, cols, 13); }
};

struct SoftmaxCrossEntropyCase {
  template <typename S>
  static hnn::SoftmaxCrossEntropy<S> make() {
    return {};
  }
  static Matrix<double> prediction() { return normal(rows, cols, 14, 2.0); }
  static Matrix<double> target() { return distributions(rows, cols, 15); }
};

struct SoftmaxCrossEntropyLabelsCase : SoftmaxCrossEntropyCase {
  static hnn::Labels target() { return labels(rows, cols, 16); }
};

// Logits of 2 steps of 2 classes (rows = 4), soft targets at each step.
struct SequenceSoftmaxCrossEntropyCase {
  template <typename S>
  static hnn::SequenceSoftmaxCrossEntropy<S> make() {
    return hnn::SequenceSoftmaxCrossEntropy<S>(2);
  }
  static Matrix<double> prediction() { return normal(rows, cols, 17, 2.0); }
  static Matrix<double> target() {
    Matrix<double> t = distributions(2, 2 * cols, 18);  // one distribution per step
    return Eigen::Map<Matrix<double>>(t.data(), rows, cols);
  }
};

#define HNN_CATALOGUE_LOSSES                                                                  \
  hnn_test::catalogue::MSECase, hnn_test::catalogue::MAECase, hnn_test::catalogue::HuberCase, \
      hnn_test::catalogue::BinaryCrossEntropyCase,                                            \
      hnn_test::catalogue::BinaryCrossEntropyWithLogitsCase,                                  \
      hnn_test::catalogue::CrossEntropyCase, hnn_test::catalogue::CrossEntropyLabelsCase,     \
      hnn_test::catalogue::SoftmaxCrossEntropyCase,                                           \
      hnn_test::catalogue::SoftmaxCrossEntropyLabelsCase,                                     \
      hnn_test::catalogue::SequenceSoftmaxCrossEntropyCase

// The losses that take a target matrix only.
#define HNN_CATALOGUE_MATRIX_ONLY_LOSSES                                                      \
  hnn_test::catalogue::MSECase, hnn_test::catalogue::MAECase, hnn_test::catalogue::HuberCase, \
      hnn_test::catalogue::BinaryCrossEntropyCase,                                            \
      hnn_test::catalogue::BinaryCrossEntropyWithLogitsCase

// ===========================================================================
// Layers: every type LayerRegistry::builtin() knows, at least once. Each
// entry gives
//   type            the registered type name
//   make<S>(rng)    the layer, in float or double
//   input()         the shape of one input sample it is checked on
//   sample(n, seed) a batch of n such samples, away from the layer's kinks
//   model<S>(rng)   a small model that uses it (input → … → the layer → …)

// A small model around `layer`: the input shape, the layer, then a Flatten
// and a Dense to two outputs so every model ends in a vector.
template <typename S>
hnn::Sequential<S> around(const hnn::Shape& input, std::unique_ptr<hnn::Layer<S>> layer,
                          hnn::Random& rng) {
  hnn::Sequential<S> m(input);
  m.add(std::move(layer));
  if (m.output_shape().rank() > 1) m.add(hnn::Flatten<S>());
  m.add(
      hnn::Dense<S>(m.output_size(), 2, rng, hnn::Init::normal(0, 0.5), hnn::Init::normal(0, 0.5)));
  return m;
}

struct DenseEntry {
  static constexpr const char* type = "Dense";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    return std::make_unique<hnn::Dense<S>>(4, 3, rng, hnn::Init::normal(0, 1),
                                           hnn::Init::normal(0, 1));
  }
  static hnn::Shape input() { return hnn::Shape{4}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(4, n, seed); }
};
// Wide enough that 6 samples' dZ and X hold fewer numbers than dW
// (6 · (16 + 12) ≤ 16 · 12): backward keeps dW as its factors
// (perf/lazy_gradient.hpp), and the check reads it through the Parameter.
struct DenseKeptFactorsEntry {
  static constexpr const char* type = "Dense";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    return std::make_unique<hnn::Dense<S>>(16, 12, rng, hnn::Init::normal(0, 1),
                                           hnn::Init::normal(0, 1));
  }
  static hnn::Shape input() { return hnn::Shape{16}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(16, n, seed); }
};
struct SoftmaxEntry {
  static constexpr const char* type = "Softmax";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::Softmax<S>>();
  }
  static hnn::Shape input() { return hnn::Shape{5}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(5, n, seed, 2.0); }
};
struct FlattenEntry {
  static constexpr const char* type = "Flatten";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::Flatten<S>>();
  }
  static hnn::Shape input() { return hnn::Shape{2, 3, 2}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(12, n, seed); }
};
struct ReshapeEntry {
  static constexpr const char* type = "Reshape";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::Reshape<S>>(hnn::Shape{3, 4});
  }
  static hnn::Shape input() { return hnn::Shape{12}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(12, n, seed); }
};
// An activation layer. Functions with a setting get a value other than their
// default, so the settings' round trip through a file is seen. The sample is
// away from 0, where ReLU, LeakyReLU, ELU and SELU have kinks.
template <template <typename> class F>
struct ActivationEntry {
  static constexpr const char* type = F<double>::name;
  template <typename S>
  static F<S> function() {
    if constexpr (std::is_same_v<F<S>, hnn::LeakyReLU<S>> || std::is_same_v<F<S>, hnn::ELU<S>>) {
      return F<S>(S(0.3));
    } else if constexpr (std::is_same_v<F<S>, hnn::GELU<S>>) {
      return F<S>(true);
    } else {
      return F<S>();
    }
  }
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::Activation<S, F>>(function<S>());
  }
  static hnn::Shape input() { return hnn::Shape{2, 3}; }  // element-wise: any shape
  static Matrix<double> sample(Index n, std::uint64_t seed) {
    return hnn_test::away_from_zero(6, n, seed);
  }
};

#define HNN_CATALOGUE_LAYERS                                                                  \
  hnn_test::catalogue::DenseEntry, hnn_test::catalogue::DenseKeptFactorsEntry,                \
      hnn_test::catalogue::SoftmaxEntry, hnn_test::catalogue::FlattenEntry,                   \
      hnn_test::catalogue::ReshapeEntry, hnn_test::catalogue::ActivationEntry<hnn::Identity>, \
      hnn_test::catalogue::ActivationEntry<hnn::Sigmoid>,                                     \
      hnn_test::catalogue::ActivationEntry<hnn::Tanh>,                                        \
      hnn_test::catalogue::ActivationEntry<hnn::ReLU>,                                        \
      hnn_test::catalogue::ActivationEntry<hnn::LeakyReLU>,                                   \
      hnn_test::catalogue::ActivationEntry<hnn::ELU>,                                         \
      hnn_test::catalogue::ActivationEntry<hnn::SELU>,                                        \
      hnn_test::catalogue::ActivationEntry<hnn::Softplus>,                                    \
      hnn_test::catalogue::ActivationEntry<hnn::SiLU>,                                        \
      hnn_test::catalogue::ActivationEntry<hnn::GELU>, hnn_test::catalogue::Conv2DEntry,      \
      hnn_test::catalogue::Conv2DStridedEntry, hnn_test::catalogue::BatchNormDenseEntry,      \
      hnn_test::catalogue::BatchNormImageEntry, hnn_test::catalogue::LayerNormEntry,          \
      hnn_test::catalogue::MaxPool2DEntry, hnn_test::catalogue::AvgPool2DEntry,               \
      hnn_test::catalogue::GlobalAvgPool2DEntry, hnn_test::catalogue::DropoutEntry,           \
      hnn_test::catalogue::ResidualEntry, hnn_test::catalogue::ResidualProjectionEntry,       \
      hnn_test::catalogue::ResidualImageEntry, hnn_test::catalogue::RNNEntry,                 \
      hnn_test::catalogue::RNNReluLastEntry, hnn_test::catalogue::LSTMEntry,                  \
      hnn_test::catalogue::LSTMLastEntry, hnn_test::catalogue::GRUEntry,                      \
      hnn_test::catalogue::GRULastEntry, hnn_test::catalogue::EmbeddingEntry,                 \
      hnn_test::catalogue::TimeDistributedEntry

// The small model of an entry.
template <typename Entry, typename S>
hnn::Sequential<S> model_of(hnn::Random& rng) {
  return around<S>(Entry::input(), Entry::template make<S>(rng), rng);
}

}  // namespace catalogue
}  // namespace hnn_test

// The names doctest shows for the entries (--list-test-cases).
// The names doctest shows for the cases (--list-test-cases).
TYPE_TO_STRING_AS("MSE", hnn_test::catalogue::MSECase);
TYPE_TO_STRING_AS("MAE", hnn_test::catalogue::MAECase);
TYPE_TO_STRING_AS("Huber", hnn_test::catalogue::HuberCase);
TYPE_TO_STRING_AS("BinaryCrossEntropy", hnn_test::catalogue::BinaryCrossEntropyCase);
TYPE_TO_STRING_AS("BinaryCrossEntropyWithLogits",
                  hnn_test::catalogue::BinaryCrossEntropyWithLogitsCase);
TYPE_TO_STRING_AS("CrossEntropy", hnn_test::catalogue::CrossEntropyCase);
TYPE_TO_STRING_AS("CrossEntropy with labels", hnn_test::catalogue::CrossEntropyLabelsCase);
TYPE_TO_STRING_AS("SoftmaxCrossEntropy", hnn_test::catalogue::SoftmaxCrossEntropyCase);
TYPE_TO_STRING_AS("SoftmaxCrossEntropy with labels",
                  hnn_test::catalogue::SoftmaxCrossEntropyLabelsCase);
TYPE_TO_STRING_AS("SequenceSoftmaxCrossEntropy",
                  hnn_test::catalogue::SequenceSoftmaxCrossEntropyCase);
TYPE_TO_STRING_AS("Dense", hnn_test::catalogue::DenseEntry);
TYPE_TO_STRING_AS("Dense keeping dW as factors", hnn_test::catalogue::DenseKeptFactorsEntry);
TYPE_TO_STRING_AS("Softmax", hnn_test::catalogue::SoftmaxEntry);
TYPE_TO_STRING_AS("Flatten", hnn_test::catalogue::FlattenEntry);
TYPE_TO_STRING_AS("Reshape", hnn_test::catalogue::ReshapeEntry);
TYPE_TO_STRING_AS("Identity layer", hnn_test::catalogue::ActivationEntry<hnn::Identity>);
TYPE_TO_STRING_AS("Identity", hnn_test::catalogue::Fn<hnn::Identity>);
TYPE_TO_STRING_AS("Sigmoid layer", hnn_test::catalogue::ActivationEntry<hnn::Sigmoid>);
TYPE_TO_STRING_AS("Sigmoid", hnn_test::catalogue::Fn<hnn::Sigmoid>);
TYPE_TO_STRING_AS("Tanh layer", hnn_test::catalogue::ActivationEntry<hnn::Tanh>);
TYPE_TO_STRING_AS("Tanh", hnn_test::catalogue::Fn<hnn::Tanh>);
TYPE_TO_STRING_AS("ReLU layer", hnn_test::catalogue::ActivationEntry<hnn::ReLU>);
TYPE_TO_STRING_AS("ReLU", hnn_test::catalogue::Fn<hnn::ReLU>);
TYPE_TO_STRING_AS("LeakyReLU layer", hnn_test::catalogue::ActivationEntry<hnn::LeakyReLU>);
TYPE_TO_STRING_AS("LeakyReLU", hnn_test::catalogue::Fn<hnn::LeakyReLU>);
TYPE_TO_STRING_AS("ELU layer", hnn_test::catalogue::ActivationEntry<hnn::ELU>);
TYPE_TO_STRING_AS("ELU", hnn_test::catalogue::Fn<hnn::ELU>);
TYPE_TO_STRING_AS("SELU layer", hnn_test::catalogue::ActivationEntry<hnn::SELU>);
TYPE_TO_STRING_AS("SELU", hnn_test::catalogue::Fn<hnn::SELU>);
TYPE_TO_STRING_AS("Softplus layer", hnn_test::catalogue::ActivationEntry<hnn::Softplus>);
TYPE_TO_STRING_AS("Softplus", hnn_test::catalogue::Fn<hnn::Softplus>);
TYPE_TO_STRING_AS("SiLU layer", hnn_test::catalogue::ActivationEntry<hnn::SiLU>);
TYPE_TO_STRING_AS("SiLU", hnn_test::catalogue::Fn<hnn::SiLU>);
TYPE_TO_STRING_AS("GELU layer", hnn_test::catalogue::ActivationEntry<hnn::GELU>);
TYPE_TO_STRING_AS("GELU", hnn_test::catalogue::Fn<hnn::GELU>);

// The entries of the layers with a header of their own in tests/catalogue/.
#include "catalogue/conv.hpp"
#include "catalogue/norm.hpp"
#include "catalogue/pooling.hpp"
#include "catalogue/recurrent.hpp"
#include "catalogue/regularization.hpp"
#include "catalogue/residual.hpp"
