// SPDX-License-Identifier: MIT
// hnn's sequence layers pinned to PyTorch: tests/fixtures/torch/rnn.txt,
// lstm.txt, gru.txt, embedding.txt, lstm_classifier_adam.txt and
// gru_classifier_adam.txt, written by scripts/make_torch_fixtures.py with
// PyTorch in float64:
//
//   nn.RNN, nn.LSTM, nn.GRU (3 → 4) on 2 sequences of 5 steps from a non-zero
//     initial state, the loss sum(output ⊙ G): every step's output, the final
//     states, and the gradients of every parameter, the input and the initial
//     state (h₀, and c₀ for LSTM);
//   nn.Embedding(7, 3) on 2 sequences of 4 tokens: the output and dW;
//   Embedding → LSTM or GRU (last step) → Linear, with CrossEntropyLoss: the
//     logits, the loss, every gradient, then 3 Adam steps.
//
// hnn loads the same parameters and must agree to 1e-9 per tensor
// (‖a − r‖ / ‖r‖, tests/model/torch_fixture.hpp). The files are in hnn's
// orientation (their header gives it); PyTorch's recurrent weights are hnn's
// as they are, in the same gate order.
//
// HNN_TORCH_REPORT=1 in the environment prints the largest relative error
// of each case (=all: every tensor's).

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "hnn/hnn.hpp"
#include "model/torch_fixture.hpp"

using hnn::Index;
using Mat = hnn::Matrix<double>;

using hnn_test::torch::Comparer;
using hnn_test::torch::Fixture;

// In a namespace of its own: the unity build may compile this file with the
// other torch reference tests.
namespace {
namespace recurrent_reference {

constexpr double tolerance = 1e-9;

// Writes the fixture's matrix of each parameter's name into it.
void load_parameters(const Fixture& f, hnn::Layer<double>& layer) {
  for (auto& p : layer.parameters()) {
    const Mat& w = f.matrix(p.name());
    REQUIRE_MESSAGE((w.rows() == p.rows() && w.cols() == p.cols()),
                    f.source() << ": " << p.name() << " is " << hnn::shape_string(w)
                               << ", hnn's is " << hnn::shape_string(p.rows(), p.cols()));
    p.value() = w;
  }
}

template <typename Cell>
void check_layer_file(const std::string& file) {
  const Fixture f = Fixture::load(file);
  const Mat& X = f.matrix("X");
  const Mat& G = f.matrix("G");
  const Index H = f.matrix("h0").rows(), T = G.rows() / H, F = X.rows() / T;
  hnn::Random rng(1);  // overwritten by the fixture's
  Cell layer(F, H, rng);
  layer.set_input_shape(hnn::Shape{T, F});
  load_parameters(f, layer);
  layer.forward(X, hnn::Mode::train);  // sizes the state
  auto states = layer.sequence_state();
  states[0].initial() = f.matrix("h0");
  if (states.size() == 2) states[1].initial() = f.matrix("c0");
  for (auto& p : layer.parameters())
    p.grad().setZero();
  const Mat output = layer.forward(X, hnn::Mode::train);
  const Mat dX = layer.backward(G);

  Comparer compare(file, tolerance);
  compare.check("output", output, f.matrix("output"));
  compare.check("h_n", output.bottomRows(H), f.matrix("h_n"));
  compare.check("loss", Mat::Constant(1, 1, output.cwiseProduct(G).sum()),
                Mat::Constant(1, 1, f.scalar("loss")));
  for (auto& p : layer.parameters())
    compare.check("gradient of " + p.name(), p.grad(), f.matrix("grad." + p.name()));
  compare.check("gradient of X", dX, f.matrix("grad.X"));
  states = layer.sequence_state();
  compare.check("gradient of h0", states[0].grad(), f.matrix("grad.h0"));
  if (states.size() == 2) {
    compare.check("gradient of c0", states[1].grad(), f.matrix("grad.c0"));
    // c_n: a stateful LSTM of the same weights carries it into its next state.
    hnn::LSTMOptions o;
    o.stateful = true;
    hnn::LSTM<double> stateful(F, H, rng, o);
    stateful.set_input_shape(hnn::Shape{T, F});
    load_parameters(f, stateful);
    stateful.forward(X, hnn::Mode::infer);
    auto s = stateful.sequence_state();
    s[0].initial() = f.matrix("h0");
    s[1].initial() = f.matrix("c0");
    stateful.forward(X, hnn::Mode::infer);
    s = stateful.sequence_state();
    compare.check("h_n (carried)", s[0].initial(), f.matrix("h_n"));
    compare.check("c_n (carried)", s[1].initial(), f.matrix("c_n"));
  }
}

template <typename Cell>
hnn::Sequential<double> make_classifier(const Fixture& f) {
  const Index T = f.matrix("X").rows();
  const Mat& E = f.matrix("0.W");
  const Index H = f.matrix("1.W_hh").cols();
  hnn::Random rng(1);
  hnn::Sequential<double> model(hnn::Shape{T});
  hnn::LSTMOptions last;
  last.output = hnn::SequenceOutput::last;
  model.add(hnn::Embedding<double>(E.cols(), E.rows(), rng))
      .add(Cell(E.rows(), H, rng, last))
      .add(hnn::Dense<double>(H, f.matrix("2.W").rows(), rng));
  for (auto& p : model.parameters()) {
    const Mat& w = f.matrix(p.name());
    REQUIRE((w.rows() == p.rows() && w.cols() == p.cols()));
    p.value() = w;
  }
  return model;
}

double loss_and_gradient(hnn::Sequential<double>& model, const Mat& X, const hnn::Labels& y,
                         Mat& logits) {
  const hnn::SoftmaxCrossEntropy<double> loss;
  logits = model.forward(X, hnn::Mode::train);
  Mat dY(logits.rows(), logits.cols());
  loss.gradient(logits, y, dY);
  model.backward(dY);
  return loss.value(logits, y);
}

template <typename Cell>
void check_classifier_file(const std::string& file) {
  Fixture f = Fixture::load(file);
  const Mat& X = f.matrix("X");
  const hnn::Labels& y = f.labels("y");
  Comparer compare(file, tolerance);
  {
    auto model = make_classifier<Cell>(f);
    model.zero_grad();
    Mat logits;
    const double loss = loss_and_gradient(model, X, y, logits);
    compare.check("logits", logits, f.matrix("logits"));
    compare.check("loss", Mat::Constant(1, 1, loss), Mat::Constant(1, 1, f.scalar("loss")));
    for (auto& p : model.parameters())
      compare.check("gradient of " + p.name(), p.grad(), f.matrix("grad." + p.name()));
  }
  REQUIRE(f.optimizer() == "Adam");
  hnn::AdamOptions o;
  o.learning_rate = f.take_number("lr");
  o.beta1 = f.take_number("beta1");
  o.beta2 = f.take_number("beta2");
  o.eps = f.take_number("eps");
  o.weight_decay = f.take_number("weight_decay");
  o.amsgrad = f.take_flag("amsgrad");
  REQUIRE_FALSE(f.take_flag("maximize"));
  const int steps = int(f.take_number("steps"));
  REQUIRE(f.unread().empty());
  hnn::Adam<double> adam(o);
  auto model = make_classifier<Cell>(f);
  Mat losses(1, steps), logits;
  for (int s = 0; s < steps; ++s) {
    model.zero_grad();
    losses(0, s) = loss_and_gradient(model, X, y, logits);
    adam.step(model.parameters());
  }
  compare.check("loss_per_step", losses, f.matrix("loss_per_step"));
  for (auto& p : model.parameters())
    compare.check(p.name() + " after the Adam steps", p.value(), f.matrix("trained." + p.name()));
}

}  // namespace recurrent_reference
}  // namespace

TEST_CASE("pinned to PyTorch: nn.RNN's output, final state and every gradient") {
  recurrent_reference::check_layer_file<hnn::RNN<double>>("rnn.txt");
}

TEST_CASE("pinned to PyTorch: nn.LSTM's output, final states and every gradient") {
  recurrent_reference::check_layer_file<hnn::LSTM<double>>("lstm.txt");
}

TEST_CASE("pinned to PyTorch: nn.GRU's output, final state and every gradient") {
  recurrent_reference::check_layer_file<hnn::GRU<double>>("gru.txt");
}

TEST_CASE("pinned to PyTorch: nn.Embedding's output and gradient") {
  const Fixture f = Fixture::load("embedding.txt");
  const Mat& X = f.matrix("X");
  const Mat& W = f.matrix("W");
  hnn::Random rng(1);
  hnn::Embedding<double> e(W.cols(), W.rows(), rng);
  e.set_input_shape(hnn::Shape{X.rows()});
  recurrent_reference::load_parameters(f, e);
  e.parameters()[0].grad().setZero();
  const Mat output = e.forward(X, hnn::Mode::train);
  e.backward(f.matrix("G"));
  Comparer compare("embedding.txt", recurrent_reference::tolerance);
  compare.check("output", output, f.matrix("output"));
  compare.check("gradient of W", e.parameters()[0].grad(), f.matrix("grad.W"));
}

TEST_CASE("pinned to PyTorch: an LSTM sequence classifier, gradients and 3 Adam steps") {
  recurrent_reference::check_classifier_file<hnn::LSTM<double>>("lstm_classifier_adam.txt");
}

TEST_CASE("pinned to PyTorch: a GRU sequence classifier, gradients and 3 Adam steps") {
  recurrent_reference::check_classifier_file<hnn::GRU<double>>("gru_classifier_adam.txt");
}
