// SPDX-License-Identifier: MIT
// The training loop (model/train.hpp): the three gradient-descent variants,
// validation, metrics, callbacks (early stopping restores the best weights),
// determinism, and a diverging loss stopping with an error; the progress
// printer (model/progress.hpp) as a callback and through FitOptions::out;
// flush-to-zero during fit and evaluate (perf/flush_to_zero.hpp,
// FitOptions::flush_to_zero); and a model of image-shaped samples trained,
// saved and reloaded (core/shape.hpp, layers/flatten.hpp, io/model_file.hpp).

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

using hnn_test::quiet;

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

namespace {

// Puts a NaN into the model's last bias after the run's last batch, as an
// update that went bad would: no later loss sees it.
struct SpoilLastStep : hnn::Callback<float> {
  int epochs = 0;
  void on_batch_end(hnn::TrainingState<float>& s, double) override {
    if (s.epoch + 1 == epochs && s.batch + 1 == s.batches) {
      s.model.layer(s.model.size() - 1).parameters()[1].value()(0, 0) =
          std::numeric_limits<float>::quiet_NaN();
    }
  }
};

}  // namespace

TEST_CASE("fit never returns normally with a non-finite parameter, and names it") {
  const Blobs data(20, 1);
  auto model = small_classifier(1);
  hnn::SGD<float> sgd(0.1);
  auto o = quiet(2, 10);
  auto spoil = std::make_shared<SpoilLastStep>();
  spoil->epochs = 2;
  o.callbacks = {spoil};
  hnn_test::check_throws_with<hnn::NumericError>(
      [&] { model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o); },
      "fit: after epoch 2, parameter b of layer 2 (Dense(8 → 2)) is not finite (NaN or inf)");
}

TEST_CASE("a schedule whose rate leaves the finite numbers stops fit before a step with it") {
  const Blobs data(20, 1);
  auto model = small_classifier(1);
  hnn::SGD<float> sgd(1e-3);
  auto o = quiet(3, 10);
  // 1e-3 · (1e300)^e: finite at epoch 1 (e = 0), 1e297 at epoch 2 (too large
  // for float), inf at epoch 3.
  o.callbacks = {
      std::make_shared<hnn::LearningRateScheduler<float>>(hnn::Schedule::exponential(1e300))};
  const auto before = model.parameters()[0].value().eval();
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o); },
      "LearningRateScheduler: the exponential schedule's rate for epoch 2: optimizer: "
      "learning_rate 1e+297 is too large for the model's scalar type");
  CHECK(model.parameters()[0].value().allFinite());
  CHECK(model.parameters()[0].value() != before);  // epoch 1 trained
  hnn::Sequential<double> dmodel(2);
  hnn::Random rng(2);
  dmodel.add(hnn::Dense<double>(2, 2, rng));
  hnn::FitOptions<double> od;
  od.epochs = 3;
  od.verbosity = hnn::Verbosity::quiet;
  od.callbacks = {
      std::make_shared<hnn::LearningRateScheduler<double>>(hnn::Schedule::exponential(1e300))};
  const Matrix<double> Xd = data.X.cast<double>();
  hnn::SGD<double> sgd_double(0.1);
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { dmodel.fit(Xd, data.y, hnn::SoftmaxCrossEntropy<double>(), sgd_double, od); },
      "LearningRateScheduler: the exponential schedule's rate for epoch 3: optimizer: "
      "learning_rate must be a finite number >= 0, got inf");
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
  o.clip_grad_norm = std::numeric_limits<double>::infinity();
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { model.fit(data.X, data.y, loss, sgd, o); },
      "fit: clip_grad_norm (0 is off) must be a finite number >= 0, got inf");
  o.clip_grad_norm = 0;
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

namespace {
// The lines of a text.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}
// A line without its last word (an epoch's time, which differs run to run).
std::string without_time(const std::string& line) {
  return line.substr(0, line.find_last_of(' '));
}

// What fit printed for the early-stopping run below, with the printer given
// as a callback (a stream of our own) or made by fit (FitOptions::out).
struct PrintedRun {
  std::vector<std::string> lines;
  hnn::History history;
  std::string stop_reason_expected;
};
PrintedRun printed_run(bool as_callback) {
  const Blobs train(100, 1), valid(60, 2);
  auto model = small_classifier(3);
  hnn::SGD<float> sgd(3.0);  // too large: the validation loss soon stops improving
  auto o = quiet(60, 10);
  o.validate_on(valid.X, valid.y);
  o.metrics = {hnn::Metric::accuracy()};
  auto stopper = std::make_shared<hnn::EarlyStopping<float>>(3);
  std::ostringstream out;
  o.callbacks = {stopper};
  if (as_callback) {
    o.callbacks.push_back(std::make_shared<hnn::ProgressPrinter<float>>(out));
  } else {
    o.verbosity = hnn::Verbosity::epochs;
    o.out = &out;
  }
  PrintedRun r;
  r.history = model.fit(train.X, train.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
  r.lines = lines_of(out.str());
  std::ostringstream reason;
  reason << "early stopping: val_loss did not improve for 3 epochs (best "
         << std::to_string(stopper->best_value()) << " at epoch " << stopper->best_epoch() + 1
         << ")";
  r.stop_reason_expected = reason.str();
  return r;
}
}  // namespace

TEST_CASE("ProgressPrinter: one line per epoch with every series, then why training stopped") {
  const PrintedRun r = printed_run(true);
  const std::size_t epochs = r.history.epochs();
  REQUIRE(epochs < 60);  // early stopping ended it
  std::string all;
  for (const auto& l : r.lines)
    all += l + '\n';
  INFO(all);
  REQUIRE(r.lines.size() == epochs + 1);
  for (std::size_t e = 0; e < epochs; ++e) {
    const std::string& line = r.lines[e];
    std::ostringstream start;
    start << "epoch " << (e + 1 < 10 ? "  " : " ") << e + 1 << "/60  loss ";
    CHECK(line.rfind(start.str(), 0) == 0);
    for (const char* series : {"  accuracy ", "  val_loss ", "  val_accuracy "})
      CHECK(line.find(series) != std::string::npos);
    CHECK(line.find("seconds") == std::string::npos);  // the time is shown as "0.01s"
    CHECK(line.back() == 's');
  }
  // The numbers are the History's, to 4 decimals.
  std::ostringstream first_loss;
  first_loss << std::fixed << std::setprecision(4) << r.history["loss"][0];
  CHECK(r.lines[0].find("loss " + first_loss.str()) != std::string::npos);
  CHECK(r.lines.back() == r.stop_reason_expected);
}

TEST_CASE(
    "ProgressPrinter: fit's own printer (Verbosity::epochs, FitOptions::out) prints the same") {
  const PrintedRun mine = printed_run(true), fits = printed_run(false);
  REQUIRE(fits.lines.size() == mine.lines.size());
  for (std::size_t k = 0; k + 1 < fits.lines.size(); ++k)
    CHECK(without_time(fits.lines[k]) == without_time(mine.lines[k]));
  CHECK(fits.lines.back() == mine.stop_reason_expected);
}

TEST_CASE("ProgressPrinter: a live bar redraws itself and clears the line before each epoch's") {
  const Blobs data(40, 1);
  auto model = small_classifier(1);
  hnn::SGD<float> sgd(0.1);
  std::ostringstream out;
  auto o = quiet(2, 10);
  o.callbacks = {
      std::make_shared<hnn::ProgressPrinter<float>>(out, hnn::ProgressPrinter<float>::Bar::live)};
  model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
  const std::string s = out.str();
  INFO(s);
  CHECK(s.find("\repoch 1/2 [") != std::string::npos);
  CHECK(s.find("] 4/4  loss ") != std::string::npos);
  CHECK(s.find("\r\033[Kepoch   2/2  loss ") != std::string::npos);
  // Not live: no carriage returns at all.
  std::ostringstream plain;
  o.callbacks = {std::make_shared<hnn::ProgressPrinter<float>>(plain)};
  model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
  CHECK(plain.str().find('\r') == std::string::npos);
}

namespace {
// Records whether flush-to-zero is on after every batch.
template <typename S>
struct FlushSpy : hnn::Callback<S> {
  std::vector<bool> seen;
  void on_batch_end(hnn::TrainingState<S>&, double) override {
    seen.push_back(hnn::FlushToZero::active());
  }
};
// An identity layer that records whether flush-to-zero is on at every forward.
template <typename S>
class FlushProbe : public hnn::Layer<S> {
 public:
  using typename hnn::Layer<S>::In;
  std::vector<bool> seen;
  std::string type_name() const override { return "FlushProbe"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override { return in; }
  std::unique_ptr<hnn::Layer<S>> clone() const override {
    return std::make_unique<FlushProbe>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode) override {
    seen.push_back(hnn::FlushToZero::active());
    return X;
  }
  In backward_impl(In dY) override { return dY; }
};
template <typename S>
hnn::Sequential<S> probed_classifier() {
  hnn::Random rng(4);
  hnn::Sequential<S> m(2);
  m.add(hnn::Dense<S>(2, 4, rng)).add(FlushProbe<S>()).add(hnn::Dense<S>(4, 2, rng));
  return m;
}
template <typename S>
std::vector<bool>& probe_of(hnn::Sequential<S>& m) {
  return dynamic_cast<FlushProbe<S>&>(m.layer(1)).seen;
}
bool all_are(const std::vector<bool>& v, bool value) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [value](bool b) { return b == value; });
}
}  // namespace

TEST_CASE("flush-to-zero: on while a float model trains, off when asked, for double, and after") {
  const bool supported = hnn::FlushToZero::supported();
  if (!supported) MESSAGE("no MXCSR on this CPU: flush-to-zero is never on here");
  const bool before = hnn::FlushToZero::active();
  REQUIRE_FALSE(before);  // the suite runs without it
  const Blobs data(40, 1);
  hnn::SoftmaxCrossEntropy<float> loss;
  {
    auto model = probed_classifier<float>();
    hnn::SGD<float> sgd(0.1);
    auto spy = std::make_shared<FlushSpy<float>>();
    auto o = quiet(2, 10);
    o.callbacks = {spy};
    model.fit(data.X, data.y, loss, sgd, o);
    CHECK(all_are(spy->seen, supported));  // the default: on, callbacks included
    CHECK(all_are(probe_of(model), supported));
    CHECK(hnn::FlushToZero::active() == before);  // restored on return

    auto off = std::make_shared<FlushSpy<float>>();
    o.callbacks = {off};
    o.flush_to_zero = false;
    model.fit(data.X, data.y, loss, sgd, o);
    CHECK(all_are(off->seen, false));
  }
  {
    hnn::Random rng(2);
    hnn::Sequential<double> model(2);
    model.add(hnn::Dense<double>(2, 2, rng));
    hnn::SGD<double> sgd(0.1);
    auto spy = std::make_shared<FlushSpy<double>>();
    hnn::FitOptions<double> o;
    o.epochs = 1;
    o.batch_size = 10;
    o.verbosity = hnn::Verbosity::quiet;
    o.callbacks = {spy};
    const Matrix<double> X = data.X.cast<double>();
    model.fit(X, data.y, hnn::SoftmaxCrossEntropy<double>(), sgd, o);
    CHECK(all_are(spy->seen, false));  // a double model is left alone
  }
}

TEST_CASE("flush-to-zero: restored when an exception leaves fit") {
  Blobs data(40, 1);
  data.X(0, 25) = std::numeric_limits<float>::quiet_NaN();  // batch 3 of 4
  auto model = small_classifier(1);
  hnn::SGD<float> sgd(0.1);
  auto spy = std::make_shared<FlushSpy<float>>();
  auto o = quiet(2, 10);
  o.shuffle = false;
  o.callbacks = {spy};
  CHECK_THROWS_AS(model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), sgd, o),
                  hnn::NumericError);
  CHECK(spy->seen.size() == 2);  // two batches ran, under flush-to-zero where it exists
  CHECK(all_are(spy->seen, hnn::FlushToZero::supported()));
  CHECK_FALSE(hnn::FlushToZero::active());
}

TEST_CASE("flush-to-zero: evaluate() of a float model flushes too, and restores") {
  const Blobs data(20, 1);
  auto model = probed_classifier<float>();
  model.evaluate(data.X, data.y, hnn::SoftmaxCrossEntropy<float>());
  CHECK(all_are(probe_of(model), hnn::FlushToZero::supported()));
  CHECK_FALSE(hnn::FlushToZero::active());
  probe_of(model).clear();
  model.predict(data.X);  // predict is not evaluate: no switch
  CHECK(all_are(probe_of(model), false));
  auto twin = probed_classifier<double>();
  twin.evaluate(data.X.cast<double>(), data.y, hnn::SoftmaxCrossEntropy<double>());
  CHECK(all_are(probe_of(twin), false));
}

namespace {
// 28 × 28 one-channel images of three classes: a bright band across the top,
// the middle or the bottom rows, plus noise; stored row by row (an IDX image).
struct Bands {
  Matrix<float> X;
  hnn::Labels y;
  explicit Bands(Index n) : X(784, n), y(n) {
    hnn::Random rng(12);
    for (Index j = 0; j < n; ++j) {
      const int c = int(j % 3);
      y(j) = c;
      for (Index h = 0; h < 28; ++h)
        for (Index w = 0; w < 28; ++w) {
          const bool band = h >= 9 * c && h < 9 * c + 9;
          X(h * 28 + w, j) = float((band ? 0.8 : 0.1) + rng.uniform(-0.1, 0.1));
        }
    }
  }
};
}  // namespace

TEST_CASE("a model of 1×28×28 images with Flatten trains, saves, reloads and predicts the same") {
  const Bands data(60);
  hnn::Random rng(13);
  hnn::Sequential<float> model(hnn::Shape{1, 28, 28});
  model.add(hnn::Flatten<float>())
      .add(hnn::Dense<float>(784, 16, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(16, 3, rng));
  hnn::Adam<float> adam(0.01);
  auto o = quiet(8, 10);
  o.metrics = {hnn::Metric::accuracy()};
  const auto h = model.fit(data.X, data.y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
  CHECK(h["loss"].back() < h["loss"].front() / 4);
  CHECK(h["accuracy"].back() == 1.0);

  hnn_test::TempDir dir;
  hnn::save_model(model, dir.file("bands.hnn"));
  auto loaded = hnn::load_model<float>(dir.file("bands.hnn"));
  CHECK(loaded.input_shape() == hnn::Shape{1, 28, 28});
  const std::string s = loaded.summary();
  INFO(s);
  CHECK(s == model.summary());
  CHECK(s.find("input                       1×28×28") != std::string::npos);
  CHECK(s.find("0   Flatten                     784 ") != std::string::npos);
  CHECK(loaded.predict(data.X) == model.predict(data.X));
}
