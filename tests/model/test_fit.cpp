// SPDX-License-Identifier: MIT
// The training loop: the three gradient-descent variants, validation,
// metrics, callbacks (early stopping restores the best weights), determinism,
// and a diverging loss stopping with an error.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <sstream>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

// Two Gaussian blobs in 2-D, classes 0 and 1, one sample per column.
struct Blobs {
  Matrix<float> X;
  hnn::Labels y;
  Matrix<float> Y;  // the same labels as a 1 × n matrix (for binary losses)
  explicit Blobs(Index n, std::uint64_t seed) : X(2, n), y(n), Y(1, n) {
    hnn::Random rng(seed);
    for (Index j = 0; j < n; ++j) {
      const int c = int(j % 2);
      X(0, j) = float(rng.normal(c ? 1.5 : -1.5, 0.7));
      X(1, j) = float(rng.normal(c ? -1.0 : 1.0, 0.7));
      y(j) = c;
      Y(0, j) = float(c);
    }
  }
};

hnn::Sequential<float> small_classifier(std::uint64_t seed, Index outputs = 2) {
  hnn::Random rng(seed);
  hnn::Sequential<float> model(2);
  model.add(hnn::Dense<float>(2, 8, rng))
      .add(hnn::Activation<float, hnn::Tanh>())
      .add(hnn::Dense<float>(8, outputs, rng));
  return model;
}

hnn::FitOptions<float> quiet(int epochs, Index batch) {
  hnn::FitOptions<float> o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.verbosity = hnn::Verbosity::quiet;
  return o;
}

}  // namespace

TEST_CASE("fit: batch, stochastic and mini-batch gradient descent all learn") {
  const Blobs data(200, 1);
  hnn::SoftmaxCrossEntropy<float> loss;
  for (Index batch : {Index(0), Index(1), Index(16)}) {
    auto model = small_classifier(2);
    hnn::SGD<float> sgd(batch == 1 ? 0.01 : 0.2);
    auto o = quiet(batch == 0 ? 100 : 10, batch);
    o.metrics = {hnn::Metric::accuracy()};
    const auto before = model.evaluate(data.X, data.y, loss);
    const auto h = model.fit(data.X, data.y, loss, sgd, o);
    INFO("batch size " << batch);
    CHECK(h.epochs() == std::size_t(o.epochs));
    CHECK(h["loss"].back() < before.loss / 2);
    CHECK(h["accuracy"].back() > 0.95);
    // batch 0: one step per epoch; batch 1: 200 steps; batch 16: 13 steps.
    const long steps = batch == 0 ? 100 : (batch == 1 ? 2000 : 130);
    CHECK(sgd.steps() == steps);
  }
}

TEST_CASE("fit with binary targets, validation data and every metric") {
  const Blobs train(200, 3), valid(100, 4);
  auto model = small_classifier(5, 1);
  hnn::Adam<float> adam(0.05);
  auto o = quiet(15, 32);
  o.metrics = {hnn::Metric::binary_accuracy(0.0), hnn::Metric::mse()};
  o.validate_on(valid.X, valid.Y);
  const auto h = model.fit(train.X, train.Y, hnn::BinaryCrossEntropyWithLogits<float>(), adam, o);
  CHECK(h.has("val_loss"));
  CHECK(h.has("val_accuracy"));
  CHECK(h.has("val_mse"));
  CHECK(h["val_accuracy"].back() > 0.95);
  const auto e = model.evaluate(valid.X, valid.Y, hnn::BinaryCrossEntropyWithLogits<float>(),
                                {hnn::Metric::binary_accuracy(0.0)});
  CHECK(e.loss == doctest::Approx(h["val_loss"].back()).epsilon(1e-5));
  CHECK(e["accuracy"] == doctest::Approx(h["val_accuracy"].back()));
}

TEST_CASE("regression metrics: MSE, MAE and R² by hand") {
  Matrix<double> P(1, 4), T(1, 4);
  P << 1, 2, 3, 5;
  T << 1, 2, 4, 4;
  CHECK(hnn::metrics::mse(P, T) == doctest::Approx(0.5));  // (0 + 0 + 1 + 1) / 4
  CHECK(hnn::metrics::mae(P, T) == doctest::Approx(0.5));
  // t̄ = 2.75; Σ(t − t̄)² = 3.0625 + 0.5625 + 1.5625 + 1.5625 = 6.75; R² = 1 − 2/6.75
  CHECK(hnn::metrics::r2(P, T) == doctest::Approx(1 - 2 / 6.75));
  Matrix<double> S(3, 2);
  S << 0.1, 0.7,  //
      0.8, 0.2,   //
      0.1, 0.1;
  hnn::Labels y(2);
  y << 1, 2;
  CHECK(hnn::metrics::accuracy(S, y) == 0.5);
}

TEST_CASE("same seed, same thread count: bit-identical weights") {
  const Blobs data(120, 7);
  Matrix<float> w[2];
  for (int run = 0; run < 2; ++run) {
    auto model = small_classifier(11);
    hnn::Adam<float> adam(0.01);
    model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), adam, quiet(5, 10));
    w[run] = model.parameters()[0].value();
  }
  CHECK(w[0] == w[1]);
  // A different shuffling seed gives different weights.
  auto model = small_classifier(11);
  hnn::Adam<float> adam(0.01);
  auto o = quiet(5, 10);
  o.seed = 2;
  model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
  CHECK(model.parameters()[0].value() != w[0]);
}

namespace {
// Records every epoch's validation loss and the weights after each epoch.
struct Recorder : hnn::Callback<float> {
  std::vector<Matrix<float>> weights;
  void on_epoch_end(hnn::TrainingState<float>& s) override {
    weights.push_back(s.model.parameters()[0].value());
  }
};
}  // namespace

TEST_CASE(
    "early stopping stops after `patience` epochs without improvement and restores the best "
    "weights") {
  const Blobs train(100, 1), valid(60, 2);
  auto model = small_classifier(3);
  hnn::SGD<float> sgd(3.0);  // far too large: the validation loss soon stops improving
  auto o = quiet(60, 10);
  o.validate_on(valid.X, valid.y);
  auto stopper = std::make_shared<hnn::EarlyStopping<float>>(3);
  auto recorder = std::make_shared<Recorder>();
  o.callbacks = {recorder, stopper};
  const auto h = model.fit(train.X, train.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
  const auto& val = h["val_loss"];
  const int best = stopper->best_epoch();
  REQUIRE(best >= 0);
  CHECK(h.epochs() < 60);
  CHECK(int(h.epochs()) ==
        best + 1 + 3);  // the best epoch, then `patience` epochs without improvement
  for (double v : val)
    CHECK(v >= val[std::size_t(best)]);
  CHECK(model.parameters()[0].value() == recorder->weights[std::size_t(best)]);
}

TEST_CASE("learning-rate scheduler and checkpoint callbacks") {
  const Blobs train(100, 1), valid(60, 2);
  auto model = small_classifier(3);
  hnn::SGD<float> sgd(0.4);
  auto o = quiet(6, 20);
  o.validate_on(valid.X, valid.y);
  int saves = 0;
  auto checkpoint =
      std::make_shared<hnn::Checkpoint<float>>([&saves](hnn::Sequential<float>&, int) { ++saves; });
  o.callbacks = {std::make_shared<hnn::LearningRateScheduler<float>>(hnn::Schedule::step(2, 0.5)),
                 checkpoint};
  const auto h = model.fit(train.X, train.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
  const std::vector<double> expected{0.4, 0.4, 0.2, 0.2, 0.1, 0.1};
  REQUIRE(h["lr"].size() == 6);
  for (std::size_t e = 0; e < 6; ++e)
    CHECK(h["lr"][e] == doctest::Approx(expected[e]));
  CHECK(saves >= 1);
  REQUIRE(checkpoint->best_model() != nullptr);
  const double best = *std::min_element(h["val_loss"].begin(), h["val_loss"].end());
  CHECK(h["val_loss"][std::size_t(checkpoint->best_epoch())] == best);
}

TEST_CASE("a non-finite loss stops training with an error naming the epoch and batch") {
  Blobs data(40, 1);
  data.X(0, 25) = std::numeric_limits<float>::quiet_NaN();  // sample 25 lands in batch 3 of 4
  auto model = small_classifier(1);
  hnn::SGD<float> sgd(0.1);
  auto o = quiet(2, 10);
  o.shuffle = false;
  hnn_test::check_throws_with<hnn::NumericError>(
      [&] { model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o); },
      "at epoch 1, batch 3 of 4");
}

TEST_CASE("fit rejects bad arguments with clear messages") {
  const Blobs data(20, 1);
  auto model = small_classifier(1);
  hnn::SGD<float> sgd(0.1);
  hnn::SoftmaxCrossEntropy<float> loss;
  auto o = quiet(1, 4);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { model.fit(data.X, data.y.head(10).eval(), loss, sgd, o); }, "20 samples but 10 labels");
  hnn::Labels bad = data.y;
  bad(3) = 7;
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { model.fit(data.X, bad, loss, sgd, o); },
                                                  "label 7 of sample 3");
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { model.fit(Matrix<float>::Zero(3, 20), data.y, loss, sgd, o); }, "expected 2 rows");
  o.batch_size = -1;
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { model.fit(data.X, data.y, loss, sgd, o); },
                                                  "batch_size");
  o.batch_size = 4;
  o.epochs = -2;
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { model.fit(data.X, data.y, loss, sgd, o); },
                                                  "epochs");
  o.epochs = 1;
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { model.fit(data.X, data.Y, hnn::MSE<float>(), sgd, o); },
      "targets have shape (1 × 20), expected (2 × 20)");
}

TEST_CASE("fit prints one line per epoch, and nothing when quiet") {
  const Blobs data(20, 1);
  auto model = small_classifier(1);
  hnn::SGD<float> sgd(0.1);
  std::ostringstream out;
  auto o = quiet(3, 5);
  o.verbosity = hnn::Verbosity::epochs;
  o.out = &out;
  o.metrics = {hnn::Metric::accuracy()};
  model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
  const std::string s = out.str();
  INFO(s);
  CHECK(std::count(s.begin(), s.end(), '\n') == 3);
  CHECK(s.find("epoch   3/3  loss ") != std::string::npos);
  CHECK(s.find("accuracy") != std::string::npos);
  std::ostringstream none;
  o.verbosity = hnn::Verbosity::quiet;
  o.out = &none;
  model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
  CHECK(none.str().empty());
}

namespace {
// An "optimizer" that changes nothing and records the largest global
// gradient norm it is handed: what fit passes on after clipping.
struct NormSpy : hnn::Optimizer<float> {
  std::vector<hnn::Parameter<float>> params;
  double largest = 0;
  explicit NormSpy(std::vector<hnn::Parameter<float>> p)
      : hnn::Optimizer<float>(0.0), params(std::move(p)) {}
  std::string name() const override { return "NormSpy"; }

 protected:
  void update(hnn::Parameter<float>&, std::size_t k) override {
    if (k != 0) return;  // once per step
    double sum = 0;
    for (auto& p : params)
      sum += double(p.grad().squaredNorm());
    largest = std::max(largest, std::sqrt(sum));
  }
  StateTensors state_tensors() override { return {}; }
};
}  // namespace

TEST_CASE("fit clips gradients between backward and the step when asked") {
  const Blobs data(40, 1);
  auto model = small_classifier(1);
  auto o = quiet(2, 10);
  NormSpy plain(model.parameters());
  model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), plain, o);
  CHECK(plain.largest > 0.01);
  NormSpy clipped(model.parameters());
  o.clip_grad_norm = 0.01;
  model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), clipped, o);
  CHECK(clipped.largest <= 0.01 + 1e-6);
  o.clip_grad_norm = -1;
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), clipped, o); },
      "clip_grad_norm");
}
