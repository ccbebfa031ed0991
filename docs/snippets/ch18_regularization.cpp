// SPDX-License-Identifier: MIT
// The code of docs/18-regularization.md: a network that over-fits 20 noisy
// samples of sin(πx), and what an L2 penalty, an L1 penalty, dropout and
// early stopping change; dropout's 1/(1 − p) and the mean it keeps; L2 as
// SGD's weight decay; drop_last's steps per epoch.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "../../examples/noisy_sine.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/dropout.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

using hnn::Index;
using hnn::Matrix;

// In a namespace of its own: the unity build compiles several snippet files
// as one translation unit.
namespace ch18 {

// The experiment's data and network, shared with examples/overfitting.cpp,
// which draws the same runs.
using overfitting::network;
using overfitting::NoisySine;

struct Run {
  std::string name;
  double train = 0, val = 0;  // MSE after training, in inference mode
  double best_val = 0;        // the lowest validation loss of any epoch,
  int best_epoch = 0;         // and that epoch (from 1)
  double small = 0;           // the fraction of the 64 × 64 weights with |w| < 0.01
};

// 2,000 epochs of Adam on the full batch, with the validation loss after each.
Run train(const std::string& name, hnn::Sequential<float> model, const NoisySine& data) {
  hnn::Adam<float> adam(overfitting::learning_rate);
  const hnn::FitOptions<float> options = overfitting::fit_options(data);
  const hnn::History h = model.fit(data.X, data.Y, hnn::MSE<float>(), adam, options);

  Run r;
  r.name = name;
  r.train = model.evaluate(data.X, data.Y, hnn::MSE<float>()).loss;
  r.val = model.evaluate(data.X_val, data.Y_val, hnn::MSE<float>()).loss;
  const auto& val = h["val_loss"];
  const auto best = std::min_element(val.begin(), val.end());
  r.best_val = *best;
  r.best_epoch = int(best - val.begin()) + 1;
  const Matrix<float> W = overfitting::middle_weights(model);
  r.small = double((W.array().abs() < 0.01f).count()) / double(W.size());
  return r;
}

std::string row(const Run& r) {
  char line[160];
  std::snprintf(line, sizeof line,
                "%-16s train %.4f   val %.4f   best val %.4f at epoch %4d   %5.1f%%",
                r.name.c_str(), r.train, r.val, r.best_val, r.best_epoch, 100 * r.small);
  return line;
}

TEST_CASE("docs: 20 noisy points over-fitted, and what L2, L1 and dropout change") {
  const NoisySine data;
  const Run none = train("none", network(hnn::Penalty(), 0), data);
  const Run l2 = train("L2 0.001", network(hnn::Penalty::L2(1e-3), 0), data);
  const Run l1 = train("L1 0.001", network(hnn::Penalty::L1(1e-3), 0), data);
  const Run dropout = train("dropout 0.1", network(hnn::Penalty(), 0.1), data);
  show("                 loss after 2,000 epochs                                 |w| < 0.01");
  for (const Run& r : {none, l2, l1, dropout})
    show(row(r));

  // Without regularization the network fits the noise: a training loss far
  // below the noise's variance (0.16), a validation loss that was lowest early
  // and has grown several times over since.
  CHECK(none.train < 0.05);
  CHECK(none.best_epoch < 500);
  CHECK(none.val > 3 * none.best_val);
  // Each regularizer gives up some of the training fit for a better curve.
  for (const Run* r : {&l2, &l1, &dropout}) {
    CAPTURE(r->name);
    CHECK(r->train > none.train);
    CHECK(r->val < 0.6 * none.val);
  }
  // L1 sets most weights to (almost) zero; L2 makes them small, not zero.
  CHECK(l1.small > 0.9);
  CHECK(none.small < 0.1);
  CHECK(l2.small < l1.small);
}

TEST_CASE("docs: early stopping keeps the epoch of the best validation loss") {
  const NoisySine data;
  auto model = network(hnn::Penalty(), 0);
  hnn::Adam<float> adam(overfitting::learning_rate);
  hnn::FitOptions<float> options = overfitting::fit_options(data);
  auto stopper = std::make_shared<hnn::EarlyStopping<float>>(100);  // patience: 100 epochs
  options.callbacks.push_back(stopper);
  const hnn::History h = model.fit(data.X, data.Y, hnn::MSE<float>(), adam, options);

  const double val = model.evaluate(data.X_val, data.Y_val, hnn::MSE<float>()).loss;
  CHECK(h.epochs() < 2000);                                           // stopped early,
  CHECK(h.epochs() == std::size_t(stopper->best_epoch() + 1 + 100));  // 100 epochs after the best
  CHECK(val == doctest::Approx(stopper->best_value()));               // with the best weights
  show("stopped after " + std::to_string(h.epochs()) + " epochs; validation loss " +
       std::to_string(val) + " (best epoch " + std::to_string(stopper->best_epoch() + 1) + ")");
}

TEST_CASE("docs: dropout's 1/(1 − p) keeps the mean; inference is the identity") {
  const double p = 0.3;
  hnn::Dropout<double> dropout(p);
  const Matrix<double> X = Matrix<double>::Constant(4, 3, 2.0);
  hnn::Random rng(1);
  Matrix<double> sum = Matrix<double>::Zero(4, 3);
  const int draws = 20000;
  bool zero_or_scaled = true;
  for (int k = 0; k < draws; ++k) {
    const Matrix<double> Y = dropout.forward(X, hnn::Mode::train, rng);
    zero_or_scaled = zero_or_scaled && ((Y.array() == 0) || (Y.array() == 2 / (1 - p))).all();
    sum += Y;
  }
  CHECK(zero_or_scaled);                    // each value dropped, or kept and scaled by 1/(1 − p)
  const Matrix<double> mean = sum / draws;  // E[Y] = X: each within 4 standard errors
  const double se = 2.0 * std::sqrt(p / (1 - p) / draws);
  CHECK((mean - X).cwiseAbs().maxCoeff() < 4 * se);
  CHECK(dropout.forward(X, hnn::Mode::infer).data() == X.data());  // Y = X, no copy
}

TEST_CASE("docs: an L2 penalty of wd/2 takes the steps of SGD's weight decay wd") {
  const double lr = 0.1, wd = 0.2;
  const std::vector<double> grads = {0.5, -0.3, 0.8, 0.1, -0.6};
  Matrix<double> w1 = Matrix<double>::Ones(1, 1), g1(1, 1);  // penalized
  Matrix<double> w2 = Matrix<double>::Ones(1, 1), g2(1, 1);  // decayed by the optimizer
  std::vector<hnn::Parameter<double>> p1 = {{"W", w1, g1}}, p2 = {{"W", w2, g2}};
  std::vector<hnn::PenalizedWeights<double>> penalized = {{p1[0], hnn::Penalty::L2(wd / 2)}};
  hnn::SGD<double> plain(lr);
  hnn::SGDOptions o;
  o.learning_rate = lr;
  o.weight_decay = wd;
  hnn::SGD<double> decayed(o);
  double w = 1;
  for (const double g : grads) {
    g1(0, 0) = g2(0, 0) = g;
    hnn::add_penalty_gradients(penalized);  // g1 = g + 2 (wd/2) w
    plain.step(p1);                         // w ← w − η (g + 2 λ₂ w)
    decayed.step(p2);                       // w ← w − η (g + wd w)
    w = (1 - lr * wd) * w - lr * g;         // w ← (1 − η wd) w − η g
    CHECK(w1(0, 0) == w2(0, 0));
    CHECK(w1(0, 0) == doctest::Approx(w).epsilon(1e-14));
  }
}

TEST_CASE("docs: drop_last: 8,001 samples in batches of 32 take 250 steps, not 251") {
  hnn::Random rng(1);
  Matrix<float> X(1, 8001), Y(1, 8001);
  rng.fill_uniform(X, -1, 1);
  Y = 2 * X;
  for (const bool drop : {false, true}) {
    hnn::Sequential<float> model(1);
    model.add(hnn::Dense<float>(1, 1, rng));
    hnn::SGD<float> sgd(0.01);
    hnn::FitOptions<float> options;
    options.epochs = 1;
    options.batch_size = 32;
    options.drop_last = drop;
    options.verbosity = hnn::Verbosity::quiet;
    std::vector<Index> sizes;  // the samples of each step
    struct Sizes : hnn::Callback<float> {
      std::vector<Index>* sizes;
      explicit Sizes(std::vector<Index>* s) : sizes(s) {}
      void on_batch_end(hnn::TrainingState<float>& s, double) override {
        sizes->push_back(s.batch_size);
      }
    };
    options.callbacks.push_back(std::make_shared<Sizes>(&sizes));
    model.fit(X, Y, hnn::MSE<float>(), sgd, options);
    CHECK(sgd.steps() == (drop ? 250 : 251));  // ⌊8001/32⌋ or ⌈8001/32⌉
    CHECK(sizes.back() == (drop ? 32 : 1));    // the last step: a full batch, or one sample
  }
}

}  // namespace ch18
