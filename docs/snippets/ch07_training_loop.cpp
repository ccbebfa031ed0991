// SPDX-License-Identifier: MIT
// The code of docs/07-training-loop.md: fit() next to the loop it runs,
// written out by hand; what the History records; the progress printer;
// early stopping; a run resumed from a checkpoint; predict and evaluate.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

using hnn::Index;
using hnn::Matrix;

namespace {

// Two overlapping Gaussian clouds in the plane: class 0 around (−1, 0.5),
// class 1 around (1, −0.5), alternating, one sample per column.
struct Clouds {
  Matrix<float> X;
  hnn::Labels y;
  Clouds(Index n, double spread, std::uint64_t seed) : X(2, n), y(n) {
    hnn::Random rng(seed);
    for (Index j = 0; j < n; ++j) {
      y(j) = int(j % 2);
      X(0, j) = float(rng.normal(y(j) ? 1.0 : -1.0, spread));
      X(1, j) = float(rng.normal(y(j) ? -0.5 : 0.5, spread));
    }
  }
};

hnn::Sequential<float> classifier(Index hidden, std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<float> model(2);
  model.add(hnn::Dense<float>(2, hidden, rng))
      .add(hnn::Activation<float, hnn::Tanh>())
      .add(hnn::Dense<float>(hidden, 2, rng));
  return model;
}

}  // namespace

TEST_CASE("docs: fit runs this loop") {
  const Clouds data(200, 0.8, 1);
  hnn::SoftmaxCrossEntropy<float> loss;
  const auto start = classifier(8, 2);

  // With fit: 3 epochs of mini-batches of 32, in the order of the data.
  auto fitted = start;
  hnn::SGD<float> sgd_fit(0.1);
  hnn::FitOptions<float> options;
  options.epochs = 3;
  options.batch_size = 32;
  options.shuffle = false;
  options.verbosity = hnn::Verbosity::quiet;
  fitted.fit(data.X, data.y, loss, sgd_fit, options);

  // By hand: the same steps.
  auto model = start;
  hnn::SGD<float> sgd(0.1);
  auto params = model.parameters();
  const Index N = data.X.cols(), B = 32;
  Matrix<float> dP;
  for (int epoch = 0; epoch < 3; ++epoch) {
    for (Index first = 0; first < N; first += B) {
      const Index n = std::min(B, N - first);  // the last batch is smaller: 200 = 6 × 32 + 8
      const auto X = data.X.middleCols(first, n);
      const auto y = data.y.segment(first, n);
      model.zero_grad();                                                  // gradients accumulate
      const hnn::ConstRef<float> P = model.forward(X, hnn::Mode::train);  // P = f(X)
      dP.resize(P.rows(), n);
      const float L = loss.value_and_gradient(P, y, dP);  // L, and dP = ∂L/∂P
      REQUIRE(std::isfinite(L));
      model.backward(dP);  // ∂L/∂w for every w
      sgd.step(params);    // w ← w − η ∂L/∂w
    }
  }

  CHECK(sgd.steps() == 3 * 7);
  const auto by_fit = fitted.parameters();
  for (std::size_t k = 0; k < params.size(); ++k) {
    INFO(params[k].name());
    CHECK(params[k].value() == by_fit[k].value());  // the same numbers, bit for bit
  }
}

TEST_CASE("docs: what fit records in the History") {
  const Clouds train(200, 0.8, 1), valid(100, 0.8, 3);
  hnn::SoftmaxCrossEntropy<float> loss;
  auto model = classifier(8, 2);
  hnn::Adam<float> adam(0.01);

  hnn::FitOptions<float> options;
  options.epochs = 5;
  options.batch_size = 32;
  options.verbosity = hnn::Verbosity::quiet;
  options.metrics = {hnn::Metric::accuracy()};
  options.validate_on(valid.X, valid.y);
  options.callbacks.push_back(
      std::make_shared<hnn::LearningRateScheduler<float>>(hnn::Schedule::exponential(0.5)));
  const hnn::History history = model.fit(train.X, train.y, loss, adam, options);

  const std::vector<std::string> names = {"loss",         "accuracy", "val_loss",
                                          "val_accuracy", "seconds",  "lr"};
  CHECK(history.names() == names);
  CHECK(history.epochs() == 5);
  for (const auto& name : names)
    CHECK(history[name].size() == 5);
  CHECK(history["lr"][4] == doctest::Approx(0.01 * 0.5 * 0.5 * 0.5 * 0.5));

  // "val_loss" is evaluate() on the validation data with the weights at the end of the epoch.
  const hnn::Evaluation e = model.evaluate(valid.X, valid.y, loss, {hnn::Metric::accuracy()});
  CHECK(e.loss == doctest::Approx(hnn::last(history, "val_loss")));
  CHECK(e["accuracy"] == doctest::Approx(hnn::last(history, "val_accuracy")));

  std::ostringstream s;
  for (std::size_t k = 0; k < 5; ++k) {
    s << "epoch " << k + 1;
    for (const auto& name : names)
      s << "  " << name << ' ' << history[name][k];
    s << '\n';
  }
  show(s.str());
}

TEST_CASE("docs: the progress printer is a callback that writes to a stream") {
  const Clouds data(200, 0.8, 1);
  hnn::SoftmaxCrossEntropy<float> loss;
  auto model = classifier(8, 2);
  hnn::SGD<float> sgd(0.1);

  std::ostringstream log;
  hnn::FitOptions<float> options;
  options.epochs = 3;
  options.metrics = {hnn::Metric::accuracy()};
  options.verbosity = hnn::Verbosity::epochs;  // one line per epoch, no live bar
  options.out = &log;                          // a string instead of the terminal
  model.fit(data.X, data.y, loss, sgd, options);

  const std::string text = log.str();
  CHECK(text.rfind("epoch   1/3  loss ", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
  show(text);
}

TEST_CASE("docs: early stopping puts back the weights of the best epoch") {
  // Few, noisy training points and a large network: it soon fits the noise,
  // and the validation loss turns back up.
  const Clouds train(40, 1.2, 4), valid(400, 1.2, 5);
  hnn::SoftmaxCrossEntropy<float> loss;
  auto model = classifier(64, 6);
  hnn::Adam<float> adam(0.05);

  hnn::FitOptions<float> options;
  options.epochs = 500;
  options.batch_size = 0;  // the full batch, every epoch
  options.verbosity = hnn::Verbosity::quiet;
  options.validate_on(valid.X, valid.y);
  auto stopper = std::make_shared<hnn::EarlyStopping<float>>(10);  // patience 10
  options.callbacks.push_back(stopper);
  const hnn::History history = model.fit(train.X, train.y, loss, adam, options);

  const auto& val = history["val_loss"];
  const double best = *std::min_element(val.begin(), val.end());
  CHECK(history.epochs() < 500);                           // it stopped early
  CHECK(val[std::size_t(stopper->best_epoch())] == best);  // it knows the best epoch
  CHECK(model.evaluate(valid.X, valid.y, loss).loss == doctest::Approx(best));  // and went back

  std::ostringstream s;
  s << "stopped after " << history.epochs() << " epochs; best val_loss " << best << " at epoch "
    << stopper->best_epoch() + 1 << "; last val_loss " << val.back();
  show(s.str());
}

TEST_CASE("docs: a run resumed from a checkpoint ends where the whole run ends") {
  const Clouds data(200, 0.8, 1);
  hnn::SoftmaxCrossEntropy<float> loss;
  const std::string path =
      (std::filesystem::temp_directory_path() / "hnn_docs_ch07_resume.ckpt").string();
  hnn::FitOptions<float> options;
  options.epochs = 6;
  options.verbosity = hnn::Verbosity::quiet;

  // The whole run: 6 epochs.
  auto whole = classifier(8, 2);
  hnn::Adam<float> adam_whole(0.01);
  whole.fit(data.X, data.y, loss, adam_whole, options);

  // The same run, saved after every epoch and interrupted after epoch 3.
  options.callbacks.push_back(hnn::resumable_checkpoint<float>(path));
  options.callbacks.push_back(std::make_shared<hnn::EpochCallback<float>>([](auto& state) {
    if (state.epoch + 1 == 3) state.stop = true;  // as if the process were killed here
  }));
  auto interrupted = classifier(8, 2);
  hnn::Adam<float> adam_interrupted(0.01);
  interrupted.fit(data.X, data.y, loss, adam_interrupted, options);

  // Later: a model and an optimizer built the same way continue from the file.
  auto resumed = classifier(8, 2);
  hnn::Adam<float> adam(0.01);
  const hnn::TrainingPosition<float> position = hnn::load_checkpoint(path, resumed, adam);
  CHECK(position.epochs_done == 3);
  options.resume_from = &position;
  const hnn::History history = resumed.fit(data.X, data.y, loss, adam, options);

  CHECK(history.epochs() == 6);  // the first 3 epochs come from the checkpoint
  const auto mine = resumed.parameters(), theirs = whole.parameters();
  for (std::size_t k = 0; k < mine.size(); ++k)
    CHECK(mine[k].value() == theirs[k].value());  // bit for bit
  std::filesystem::remove(path);
}

TEST_CASE("docs: predict and evaluate") {
  const Clouds train(200, 0.8, 1), test(100, 0.8, 7);
  hnn::SoftmaxCrossEntropy<float> loss;
  auto model = classifier(8, 2);
  hnn::Adam<float> adam(0.01);
  hnn::FitOptions<float> options;
  options.epochs = 20;
  options.verbosity = hnn::Verbosity::quiet;
  model.fit(train.X, train.y, loss, adam, options);

  const Matrix<float> Z = model.predict(test.X);  // logits (2 × 100), in inference mode
  hnn::Labels predicted(Z.cols());
  for (Index j = 0; j < Z.cols(); ++j)
    Z.col(j).maxCoeff(&predicted(j));  // the class with the largest logit
  const double right = double((predicted.array() == test.y.array()).count()) / double(Z.cols());

  const hnn::Evaluation e = model.evaluate(test.X, test.y, loss, {hnn::Metric::accuracy()});
  CHECK(e.loss == doctest::Approx(loss.value(Z, test.y)));
  CHECK(e["accuracy"] == doctest::Approx(right));
  CHECK(e["accuracy"] > 0.8);
}
