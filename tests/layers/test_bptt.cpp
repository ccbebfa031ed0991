// SPDX-License-Identifier: MIT
// Truncated backpropagation through time (layers/recurrent.hpp): with a
// window k ≥ T every gradient equals full BPTT exactly; with k < T it equals
// (a) for the tanh RNN, a reference unrolled by hand in this file, and
// (b) for RNN, LSTM and GRU, full BPTT run chunk by chunk — a stateful layer
// of the same weights over steps [0, k), [k, 2k), …, each chunk starting from
// the state the last one ended in, its gradients summed.

#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace test_bptt {

constexpr Index F = 3, H = 4, N = 2;

Matrix<double> bptt_random(Index rows, Index cols, std::uint64_t seed, double s = 1.0) {
  hnn::Random rng(seed);
  Matrix<double> m(rows, cols);
  rng.fill_normal(m, 0.0, s);
  return m;
}

// Everything one backward gives: dX, the parameter gradients, the state gradients.
struct BpttGradients {
  Matrix<double> dX;
  std::vector<Matrix<double>> params, states;
};

// One forward from the initial states `init` and one backward(G), from zeroed gradients.
BpttGradients run_bptt(hnn::Layer<double>& layer, const Matrix<double>& X, const Matrix<double>& G,
                       const std::vector<Matrix<double>>& init) {
  for (auto& p : layer.parameters())
    p.grad().setZero();
  layer.forward(X, hnn::Mode::train);  // sizes the state
  auto states = layer.sequence_state();
  for (std::size_t k = 0; k < states.size(); ++k)
    states[k].initial() = init[k];
  layer.forward(X, hnn::Mode::train);
  BpttGradients g;
  g.dX = layer.backward(G);
  for (auto& p : layer.parameters())
    g.params.emplace_back(p.grad());
  for (auto& s : layer.sequence_state())
    g.states.emplace_back(s.grad());
  return g;
}

// Full BPTT chunk by chunk: `stateful` is a stateful layer with full BPTT
// and the same weights; G is the output gradient (sequence output).
BpttGradients run_chunked(hnn::Layer<double>& stateful, const Matrix<double>& X,
                          const Matrix<double>& G, const std::vector<Matrix<double>>& init, Index T,
                          Index k) {
  for (auto& p : stateful.parameters())
    p.grad().setZero();
  BpttGradients g;
  g.dX = Matrix<double>::Zero(X.rows(), X.cols());
  bool first = true;
  for (Index start = 0; start < T; start += k) {
    const Index len = std::min(k, T - start);
    stateful.set_input_shape(hnn::Shape{len, F});
    const Matrix<double> Xc = X.middleRows(start * F, len * F);
    const Matrix<double> Gc = G.middleRows(start * H, len * H);
    if (first) {
      stateful.reset_state();
      stateful.forward(Xc, hnn::Mode::train);  // sizes the state
      auto states = stateful.sequence_state();
      for (std::size_t s = 0; s < states.size(); ++s)
        states[s].initial() = init[s];
    }
    stateful.forward(Xc, hnn::Mode::train);  // from the state the last chunk ended in
    g.dX.middleRows(start * F, len * F) = stateful.backward(Gc);
    if (first) {
      for (auto& s : stateful.sequence_state())
        g.states.emplace_back(s.grad());
    }
    first = false;
  }
  for (auto& p : stateful.parameters())
    g.params.emplace_back(p.grad());
  return g;
}

void check_same_gradients(const BpttGradients& a, const BpttGradients& b, double tolerance) {
  CHECK((a.dX - b.dX).norm() <= tolerance * (1 + a.dX.norm()));
  REQUIRE(a.params.size() == b.params.size());
  for (std::size_t k = 0; k < a.params.size(); ++k)
    CHECK((a.params[k] - b.params[k]).norm() <= tolerance * (1 + a.params[k].norm()));
  REQUIRE(a.states.size() == b.states.size());
  for (std::size_t k = 0; k < a.states.size(); ++k)
    CHECK((a.states[k] - b.states[k]).norm() <= tolerance * (1 + a.states[k].norm()));
}

template <typename Cell>
std::unique_ptr<hnn::Layer<double>> bptt_cell(
    Index window, bool stateful, hnn::SequenceOutput output = hnn::SequenceOutput::sequence) {
  hnn::Random rng(17);  // the same weights every time
  hnn::LSTMOptions o;
  o.bptt_window = window;
  o.stateful = stateful;
  o.output = output;
  if constexpr (std::is_same_v<Cell, hnn::RNN<double>>) {
    hnn::RNNOptions r;
    static_cast<hnn::RecurrentOptions&>(r) = o;
    return std::make_unique<Cell>(F, H, rng, r);
  } else {
    return std::make_unique<Cell>(F, H, rng, o);
  }
}

}  // namespace test_bptt

TEST_CASE_TEMPLATE("truncated BPTT with k ≥ T equals full BPTT exactly", Cell, hnn::RNN<double>,
                   hnn::LSTM<double>, hnn::GRU<double>) {
  using namespace test_bptt;
  constexpr Index T = 6;
  for (const auto output : {hnn::SequenceOutput::sequence, hnn::SequenceOutput::last}) {
    auto full = bptt_cell<Cell>(0, false, output);
    full->set_input_shape(hnn::Shape{T, F});
    const Matrix<double> X = bptt_random(T * F, N, 1);
    const Matrix<double> G = bptt_random(full->output_shape().size(), N, 2);
    std::vector<Matrix<double>> init;
    for (std::size_t k = 0; k < full->sequence_state().size(); ++k)
      init.push_back(bptt_random(H, N, 3 + k, 0.5));
    const BpttGradients a = run_bptt(*full, X, G, init);
    for (const Index k : {T, T + 1, 100 * T}) {
      auto truncated = bptt_cell<Cell>(k, false, output);
      truncated->set_input_shape(hnn::Shape{T, F});
      const BpttGradients b = run_bptt(*truncated, X, G, init);
      CHECK(a.dX == b.dX);  // bit for bit
      for (std::size_t p = 0; p < a.params.size(); ++p)
        CHECK(a.params[p] == b.params[p]);
      for (std::size_t s = 0; s < a.states.size(); ++s)
        CHECK(a.states[s] == b.states[s]);
    }
  }
}

TEST_CASE_TEMPLATE("truncated BPTT with k < T equals full BPTT chunk by chunk", Cell,
                   hnn::RNN<double>, hnn::LSTM<double>, hnn::GRU<double>) {
  using namespace test_bptt;
  constexpr Index T = 7;
  for (const Index k : {1, 2, 3, 6}) {  // 3: chunks of 3, 3 and 1
    CAPTURE(k);
    auto truncated = bptt_cell<Cell>(k, false);
    truncated->set_input_shape(hnn::Shape{T, F});
    const Matrix<double> X = bptt_random(T * F, N, 4);
    const Matrix<double> G = bptt_random(T * H, N, 5);
    std::vector<Matrix<double>> init;
    for (std::size_t s = 0; s < truncated->sequence_state().size(); ++s)
      init.push_back(bptt_random(H, N, 6 + s, 0.5));
    const BpttGradients a = run_bptt(*truncated, X, G, init);
    auto reference = bptt_cell<Cell>(0, true);
    const BpttGradients b = run_chunked(*reference, X, G, init, T, k);
    check_same_gradients(a, b, 1e-13);
    // And it is not full BPTT.
    auto full = bptt_cell<Cell>(0, false);
    full->set_input_shape(hnn::Shape{T, F});
    const BpttGradients c = run_bptt(*full, X, G, init);
    CHECK((a.params[1] - c.params[1]).norm() > 1e-6);  // W_hh
  }
}

TEST_CASE("truncated BPTT of the tanh RNN against a hand-unrolled reference") {
  using namespace test_bptt;
  constexpr Index T = 7, k = 3;
  auto layer = bptt_cell<hnn::RNN<double>>(k, false);
  layer->set_input_shape(hnn::Shape{T, F});
  auto& rnn = dynamic_cast<hnn::RNN<double>&>(*layer);
  const Matrix<double> X = bptt_random(T * F, N, 7);
  const Matrix<double> G = bptt_random(T * H, N, 8);
  const std::vector<Matrix<double>> init{bptt_random(H, N, 9, 0.5)};
  const BpttGradients a = run_bptt(*layer, X, G, init);

  // The reference: each sample on its own, every step written out.
  const Matrix<double>&Wih = rnn.W_ih(), &Whh = rnn.W_hh(), &bih = rnn.b_ih(), &bhh = rnn.b_hh();
  Matrix<double> dWih = Matrix<double>::Zero(H, F), dWhh = Matrix<double>::Zero(H, H);
  Matrix<double> dbih = Matrix<double>::Zero(H, 1), dbhh = Matrix<double>::Zero(H, 1);
  Matrix<double> dX(T * F, N), dh0(H, N);
  for (Index j = 0; j < N; ++j) {
    std::vector<Matrix<double>> h(T + 1);  // h[0] = h_0, h[t + 1] = h_t of step t
    h[0] = init[0].col(j);
    for (Index t = 0; t < T; ++t) {
      const Matrix<double> x = X.col(j).segment(t * F, F);
      h[t + 1] = (Wih * x + bih + Whh * h[t] + bhh).array().tanh().matrix();
    }
    Matrix<double> back = Matrix<double>::Zero(H, 1);  // from step t + 1 to step t
    for (Index t = T - 1; t >= 0; --t) {
      const Matrix<double> dh = G.col(j).segment(t * H, H) + back;
      const Matrix<double> da = dh.cwiseProduct((1 - h[t + 1].array().square()).matrix());
      dWih += da * X.col(j).segment(t * F, F).transpose();
      dWhh += da * h[t].transpose();
      dbih += da;
      dbhh += da;
      dX.col(j).segment(t * F, F) = Wih.transpose() * da;
      back = Whh.transpose() * da;
      if (t % k == 0 && t > 0) back.setZero();  // the gradient stops at a chunk border
      if (t == 0) dh0.col(j) = back;
    }
  }
  CHECK((a.dX - dX).norm() <= 1e-13);
  CHECK((a.params[0] - dWih).norm() <= 1e-12);
  CHECK((a.params[1] - dWhh).norm() <= 1e-12);
  CHECK((a.params[2] - dbih).norm() <= 1e-12);
  CHECK((a.params[3] - dbhh).norm() <= 1e-12);
  CHECK((a.states[0] - dh0).norm() <= 1e-13);
}
