// SPDX-License-Identifier: MIT
// RNN, LSTM and GRU (layers/rnn.hpp, lstm.hpp, gru.hpp): the gradient checked
// through time — over T ≥ 4 steps from a non-zero initial state, the input
// gradient at every step, every parameter and ∂L/∂h₀ (and ∂L/∂c₀), for both
// outputs, stateless and stateful; the stateful carry-over and reset_state();
// the settings; and the errors.

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace test_recurrent {

constexpr Index T = 5, F = 3, H = 4, N = 3;

template <template <typename> class Cell>
std::unique_ptr<hnn::Recurrent<double>> make_cell(hnn::Random& rng, hnn::SequenceOutput output,
                                                  bool stateful) {
  hnn::LSTMOptions o;  // an LSTMOptions is a RecurrentOptions and an RNNOptions' base
  o.output = output;
  o.stateful = stateful;
  if constexpr (std::is_same_v<Cell<double>, hnn::LSTM<double>>) {
    return std::make_unique<hnn::LSTM<double>>(F, H, rng, o);
  } else if constexpr (std::is_same_v<Cell<double>, hnn::RNN<double>>) {
    hnn::RNNOptions r;
    static_cast<hnn::RecurrentOptions&>(r) = o;
    return std::make_unique<hnn::RNN<double>>(F, H, rng, r);
  } else {
    return std::make_unique<Cell<double>>(F, H, rng, o);
  }
}

Matrix<double> recurrent_random(Index rows, Index cols, std::uint64_t seed, double s = 1.0) {
  hnn::Random rng(seed);
  Matrix<double> m(rows, cols);
  rng.fill_normal(m, 0.0, s);
  return m;
}

// Sizes the state with one forward, then writes non-zero values into it.
void set_random_recurrent_state(hnn::Layer<double>& layer, const Matrix<double>& X,
                                std::uint64_t seed) {
  layer.forward(X, hnn::Mode::train);
  for (auto& s : layer.sequence_state())
    s.initial() = recurrent_random(s.rows(), s.cols(), seed++, 0.7);
}

}  // namespace test_recurrent

TEST_CASE_TEMPLATE("recurrent gradient check through time from a non-zero state", Cell,
                   hnn::RNN<double>, hnn::LSTM<double>, hnn::GRU<double>) {
  using namespace test_recurrent;
  for (const auto output : {hnn::SequenceOutput::sequence, hnn::SequenceOutput::last}) {
    for (const bool stateful : {false, true}) {
      CAPTURE(int(output));
      CAPTURE(stateful);
      hnn::Random rng(11);
      std::unique_ptr<hnn::Recurrent<double>> layer;
      if constexpr (std::is_same_v<Cell, hnn::RNN<double>>) {
        layer = make_cell<hnn::RNN>(rng, output, stateful);
      } else if constexpr (std::is_same_v<Cell, hnn::LSTM<double>>) {
        layer = make_cell<hnn::LSTM>(rng, output, stateful);
      } else {
        layer = make_cell<hnn::GRU>(rng, output, stateful);
      }
      layer->set_input_shape(hnn::Shape{T, F});
      const Matrix<double> X = recurrent_random(T * F, N, 3);
      set_random_recurrent_state(*layer, X, 21);
      const auto report = hnn::check_layer(*layer, X);
      INFO(report.summary());
      CHECK(report.passed());
      const std::size_t states = std::is_same_v<Cell, hnn::LSTM<double>> ? 2 : 1;
      REQUIRE(report.tensors.size() == 1 + 4 + states);  // input, W_ih, W_hh, b_ih, b_hh, states
      CHECK(report.tensors[5].name == "h0");
      if (states == 2) CHECK(report.tensors[6].name == "c0");

      // Not vacuous: every step of the input, and the initial state, get a gradient.
      const Matrix<double> G = recurrent_random(layer->output_shape().size(), N, 5);
      for (auto& s : layer->sequence_state())
        s.initial() = recurrent_random(s.rows(), s.cols(), 22, 0.7);
      layer->forward(X, hnn::Mode::train);
      const Matrix<double> dX = layer->backward(G);
      for (Index t = 0; t < T; ++t)
        CHECK(dX.middleRows(t * F, F).norm() > 1e-6);
      for (auto& s : layer->sequence_state())
        CHECK(Matrix<double>(s.grad()).norm() > 1e-6);
    }
  }
}

TEST_CASE_TEMPLATE("recurrent: a wrong recurrent gradient is caught by the check", Cell,
                   hnn::RNN<double>, hnn::GRU<double>) {
  using namespace test_recurrent;
  hnn::Random rng(2);
  Cell layer(F, H, rng);
  layer.set_input_shape(hnn::Shape{T, F});
  const Matrix<double> X = recurrent_random(T * F, N, 3);
  // Truncation with k = 2 < T drops part of the gradient: not the gradient of L.
  hnn::RNNOptions o;
  o.bptt_window = 2;
  hnn::Random same(2);
  Cell truncated(F, H, same, o);
  truncated.set_input_shape(hnn::Shape{T, F});
  CHECK(hnn::check_layer(layer, X).passed());
  const auto report = hnn::check_layer(truncated, X);
  CHECK_FALSE(report.passed());
}

TEST_CASE("RNN forward by hand: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)") {
  using namespace test_recurrent;
  hnn::Random rng(4);
  hnn::RNN<double> rnn(F, H, rng);
  rnn.set_input_shape(hnn::Shape{T, F});
  const Matrix<double> X = recurrent_random(T * F, 2, 6);
  set_random_recurrent_state(rnn, X, 30);
  const Matrix<double> h0 = rnn.sequence_state()[0].initial();
  const Matrix<double> Y = rnn.forward(X, hnn::Mode::infer);
  for (Index j = 0; j < 2; ++j) {
    Matrix<double> h = h0.col(j);
    for (Index t = 0; t < T; ++t) {
      h = (rnn.W_ih() * X.col(j).segment(t * F, F) + rnn.b_ih() + rnn.W_hh() * h + rnn.b_hh())
              .array()
              .tanh()
              .matrix();
      CHECK((Y.col(j).segment(t * H, H) - h).norm() <= 1e-14);
    }
  }
  // A layer that is not stateful starts the next forward from zero again.
  CHECK(Matrix<double>(rnn.sequence_state()[0].initial()).isZero(0));
}

TEST_CASE_TEMPLATE("stateful: two halves of a sequence give the whole sequence's output", Cell,
                   hnn::RNN<double>, hnn::LSTM<double>, hnn::GRU<double>) {
  using namespace test_recurrent;
  hnn::RecurrentOptions o;
  o.stateful = true;
  hnn::Random r1(8), r2(8);
  std::unique_ptr<hnn::Layer<double>> whole, halves;
  if constexpr (std::is_same_v<Cell, hnn::RNN<double>>) {
    whole = std::make_unique<hnn::RNN<double>>(F, H, r1);
    hnn::RNNOptions ro;
    ro.stateful = true;
    halves = std::make_unique<hnn::RNN<double>>(F, H, r2, ro);
  } else if constexpr (std::is_same_v<Cell, hnn::LSTM<double>>) {
    whole = std::make_unique<hnn::LSTM<double>>(F, H, r1);
    hnn::LSTMOptions lo;
    lo.stateful = true;
    halves = std::make_unique<hnn::LSTM<double>>(F, H, r2, lo);
  } else {
    whole = std::make_unique<Cell>(F, H, r1);
    halves = std::make_unique<Cell>(F, H, r2, o);
  }
  CHECK(halves->stateful());
  CHECK_FALSE(whole->stateful());
  whole->set_input_shape(hnn::Shape{6, F});
  halves->set_input_shape(hnn::Shape{3, F});
  const Matrix<double> X = recurrent_random(6 * F, N, 9);
  const Matrix<double> first = X.topRows(3 * F), second = X.bottomRows(3 * F);
  const Matrix<double> Y = whole->forward(X, hnn::Mode::infer);
  const Matrix<double> Y1 = halves->forward(first, hnn::Mode::infer);
  const Matrix<double> Y2 = halves->forward(second, hnn::Mode::infer);
  CHECK((Y.topRows(3 * H) - Y1).norm() <= 1e-13);
  CHECK((Y.bottomRows(3 * H) - Y2).norm() <= 1e-13);
  // reset_state(): the next batch starts from zero, as the first did.
  halves->reset_state();
  for (auto& s : halves->sequence_state())
    CHECK(Matrix<double>(s.initial()).isZero(0));
  CHECK(Matrix<double>(halves->forward(first, hnn::Mode::infer)) == Y1);
  // A stateful layer carrying a state refuses another batch size.
  const Matrix<double> two = first.leftCols(2);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { halves->forward(two, hnn::Mode::infer); },
                                               "carries the state of 3 sequences, but is given 2");
  halves->reset_state();
  CHECK_NOTHROW(halves->forward(two, hnn::Mode::infer));
}

TEST_CASE("recurrent: shapes, settings, describe and the forget-gate bias") {
  using namespace test_recurrent;
  hnn::Random rng(1);
  hnn::LSTMOptions o;
  o.output = hnn::SequenceOutput::last;
  o.forget_bias = 1.0;
  o.bptt_window = 8;
  hnn::LSTM<float> lstm(F, H, rng, o);
  CHECK(lstm.compute_output_shape(hnn::Shape{7, F}) == hnn::Shape{H});
  CHECK(lstm.describe() == "LSTM(3 → 4, last, bptt 8)");
  CHECK(lstm.W_ih().rows() == 4 * H);
  CHECK(lstm.W_hh().cols() == H);
  CHECK(lstm.b_ih().middleRows(H, H).isConstant(1.0f));  // forget block, order i, f, g, o
  CHECK(lstm.b_hh().middleRows(H, H).isZero(0));
  const hnn::Settings expected{{"features", 3.0},
                               {"hidden", 4.0},
                               {"output", "last"},
                               {"stateful", 0.0},
                               {"bptt_window", 8.0}};
  CHECK(lstm.settings() == expected);
  hnn::GRU<float> gru(F, H, rng);
  CHECK(gru.compute_output_shape(hnn::Shape{7, F}) == (hnn::Shape{7, H}));
  CHECK(gru.W_hh().rows() == 3 * H);
  hnn::RNNOptions ro;
  ro.activation = hnn::RNNActivation::relu;
  ro.stateful = true;
  hnn::RNN<float> rnn(F, H, rng, ro);
  CHECK(rnn.describe() == "RNN(3 → 4, stateful)");
  CHECK(rnn.settings().back().second == hnn::Setting("relu"));
  // PyTorch's initialisation: every weight in [−1/√H, 1/√H].
  CHECK(gru.W_ih().cwiseAbs().maxCoeff() <= 0.5f);
  CHECK(gru.W_hh().cwiseAbs().maxCoeff() <= 0.5f);
}

TEST_CASE("recurrent: clear errors") {
  using namespace test_recurrent;
  hnn::Random rng(1);
  hnn::GRU<double> gru(F, H, rng);
  // A sequence whose feature count does not match.
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] {
        gru.set_input_shape(hnn::Shape{5, 4});
      },
      "GRU(3 → 4): takes a sequence of steps of 3 features, Shape{T, 3}, but is given 5×4");
  hnn_test::check_throws_with<hnn::ShapeError>([&] { gru.set_input_shape(hnn::Shape{15}); },
                                               "but is given 15");
  // A zero-length sequence: no such shape, and no such batch.
  hnn_test::check_throws_with<hnn::ShapeError>([&] { (void)hnn::Shape::sequence(0, F); },
                                               "every dimension must be ≥ 1");
  const Matrix<double> empty(0, 2);
  CHECK_THROWS_AS(gru.forward(empty, hnn::Mode::infer), hnn::ShapeError);
  // A batch of the wrong length for the layer's input shape.
  gru.set_input_shape(hnn::Shape{5, F});
  const Matrix<double> short_batch = recurrent_random(4 * F, 2, 1);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { gru.forward(short_batch, hnn::Mode::infer); },
                                               "(samples of 5×3 = 15 values)");
  // Sizes and windows.
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::LSTM<double>(0, 4, rng); },
                                                  "LSTM: sizes must be positive");
  hnn::RNNOptions o;
  o.bptt_window = -1;
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::RNN<double>(3, 4, rng, o); },
                                                  "bptt_window must be ≥ 0");
  // Settings from a file.
  hnn::Settings s{{"features", 3.0},
                  {"hidden", 4.0},
                  {"output", "all"},
                  {"stateful", 0.0},
                  {"bptt_window", 0.0}};
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { hnn::LayerRegistry<double>::builtin().make("GRU", s); },
      "setting \"output\" must be \"sequence\" or \"last\"");
}
