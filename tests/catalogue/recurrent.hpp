// SPDX-License-Identifier: MIT
#pragma once
// The catalogue entries of the sequence layers (listed in
// HNN_CATALOGUE_LAYERS): RNN (tanh, whole sequence; ReLU, last step), LSTM
// (whole sequence, with a BPTT window as long as the sequence, which must be
// full BPTT; last step with a forget-gate bias), GRU (both outputs),
// Embedding and TimeDistributed. Sequences of T = 4 steps of 3 features.

#include <cstdint>
#include <memory>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "test_support.hpp"

namespace hnn_test {
namespace catalogue {

inline constexpr Index sequence_steps = 4, sequence_features = 3;

struct RNNEntry {
  static constexpr const char* type = "RNN";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    return std::make_unique<hnn::RNN<S>>(sequence_features, 5, rng);
  }
  static hnn::Shape input() { return hnn::Shape{sequence_steps, sequence_features}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) {
    return normal(sequence_steps * sequence_features, n, seed);
  }
};
// ReLU has a kink at 0: the pre-activations are kept away from it by a
// positive input and the draws of this seed (the check passes or fails the same
// way every run).
struct RNNReluLastEntry : RNNEntry {
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    hnn::RNNOptions o;
    o.activation = hnn::RNNActivation::relu;
    o.output = hnn::SequenceOutput::last;
    return std::make_unique<hnn::RNN<S>>(sequence_features, 5, rng, o);
  }
  static Matrix<double> sample(Index n, std::uint64_t seed) {
    return uniform(sequence_steps * sequence_features, n, seed, 0.5, 1.5);
  }
};
struct LSTMEntry : RNNEntry {
  static constexpr const char* type = "LSTM";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    hnn::LSTMOptions o;
    o.bptt_window = sequence_steps;  // k ≥ T: full BPTT
    return std::make_unique<hnn::LSTM<S>>(sequence_features, 5, rng, o);
  }
};
struct LSTMLastEntry : RNNEntry {
  static constexpr const char* type = "LSTM";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    hnn::LSTMOptions o;
    o.output = hnn::SequenceOutput::last;
    o.forget_bias = 1.0;
    return std::make_unique<hnn::LSTM<S>>(sequence_features, 5, rng, o);
  }
};
struct GRUEntry : RNNEntry {
  static constexpr const char* type = "GRU";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    return std::make_unique<hnn::GRU<S>>(sequence_features, 5, rng);
  }
};
struct GRULastEntry : RNNEntry {
  static constexpr const char* type = "GRU";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    hnn::RecurrentOptions o;
    o.output = hnn::SequenceOutput::last;
    return std::make_unique<hnn::GRU<S>>(sequence_features, 5, rng, o);
  }
};
// A vocabulary of 7 tokens, vectors of 3; sequences of 5 indices.
struct EmbeddingEntry {
  static constexpr const char* type = "Embedding";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    return std::make_unique<hnn::Embedding<S>>(7, 3, rng);
  }
  static hnn::Shape input() { return hnn::Shape{5}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) {
    hnn::Random rng(seed);
    Matrix<double> X(5, n);
    for (Index j = 0; j < n; ++j)
      for (Index t = 0; t < 5; ++t)
        X(t, j) = double(rng.below(7));
    return X;
  }
};
struct TimeDistributedEntry : RNNEntry {
  static constexpr const char* type = "TimeDistributed";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random& rng) {
    return std::make_unique<hnn::TimeDistributed<S>>(
        sequence_features, 2, rng, hnn::Init::normal(0, 1), hnn::Init::normal(0, 1));
  }
};

}  // namespace catalogue
}  // namespace hnn_test

TYPE_TO_STRING_AS("RNN", hnn_test::catalogue::RNNEntry);
TYPE_TO_STRING_AS("RNN ReLU, last step", hnn_test::catalogue::RNNReluLastEntry);
TYPE_TO_STRING_AS("LSTM, BPTT window = T", hnn_test::catalogue::LSTMEntry);
TYPE_TO_STRING_AS("LSTM, last step, forget bias", hnn_test::catalogue::LSTMLastEntry);
TYPE_TO_STRING_AS("GRU", hnn_test::catalogue::GRUEntry);
TYPE_TO_STRING_AS("GRU, last step", hnn_test::catalogue::GRULastEntry);
TYPE_TO_STRING_AS("Embedding", hnn_test::catalogue::EmbeddingEntry);
TYPE_TO_STRING_AS("TimeDistributed", hnn_test::catalogue::TimeDistributedEntry);
