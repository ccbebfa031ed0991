// SPDX-License-Identifier: MIT
// ReduceLROnPlateau (model/reduce_on_plateau.hpp): the learning rates it sets
// on hand-made series of monitored values are PyTorch's, number for number
// (relative and absolute thresholds, min and max, patience, cooldown,
// min_lr, eps, NaN); the same through fit(), with "lr" in the History; a run
// interrupted and resumed from a checkpoint reduces on the same epochs and
// ends with the same weights, bit for bit; and the errors: every bad option
// named, an unknown monitor, a LearningRateScheduler or a second
// ReduceLROnPlateau in the same fit().
//
// The expected rates come from PyTorch 1.13 (torch.optim.SGD on one
// parameter, lr0 as below): the rate before each scheduler.step(metric),
// then the rate after the last step —
//
//   s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
//   for m in metrics: lrs.append(opt.param_groups[0]['lr']); s.step(m)
//   lrs.append(opt.param_groups[0]['lr'])
//
// printed with "%.17g", so the comparisons below are exact.

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "model/test_layers_with_state.hpp"
#include "test_support.hpp"

namespace reduce_on_plateau_tests {

using hnn::PlateauOptions;
using hnn::ThresholdMode;
using hnn_test::check_throws_with;

namespace {

const double nan = std::numeric_limits<double>::quiet_NaN();

// A series that goes down, stalls, creeps, and drops again.
const std::vector<double> falling = {1.0,  0.95, 0.91, 0.905, 0.9, 0.85, 0.82, 0.82, 0.83,
                                     0.80, 0.79, 0.79, 0.79,  0.5, 0.6,  0.6,  0.6};
// A series to raise (an accuracy).
const std::vector<double> rising = {0.5, 0.6, 0.605, 0.61, 0.7, 0.69, 0.695, 0.7, 0.71, 0.8};

// The rate each epoch trained with ("lr"), then the rate after the last
// epoch: the callback driven by hand, the monitored series recorded as
// "score".
std::vector<double> rates(const PlateauOptions& options, double lr0,
                          const std::vector<double>& metrics) {
  hnn::Sequential<double> model(1);
  hnn::SGD<double> sgd(lr0);
  hnn::History history;
  auto plateau = std::make_shared<hnn::ReduceLROnPlateau<double>>(options);
  const std::vector<std::shared_ptr<hnn::Callback<double>>> callbacks = {plateau};
  hnn::TrainingState<double> state{model, sgd,   history, 0,       0,       0,       0,
                                   0,     false, {},      nullptr, nullptr, nullptr, nullptr};
  state.callbacks = &callbacks;
  plateau->on_train_begin(state);
  for (std::size_t e = 0; e < metrics.size(); ++e) {
    state.epoch = int(e);
    history.record("score", metrics[e]);
    plateau->on_epoch_end(state);
  }
  std::vector<double> lrs = history["lr"];
  lrs.push_back(sgd.learning_rate());
  return lrs;
}

PlateauOptions scored(double factor, int patience) {
  PlateauOptions o;
  o.monitor = "score";
  o.factor = factor;
  o.patience = patience;
  return o;
}

// Records metrics[epoch] as "score": a hand-made series inside fit(),
// stateless, so a resumed run records the same.
struct Script : hnn::Callback<float> {
  std::vector<double> metrics;
  explicit Script(std::vector<double> m) : metrics(std::move(m)) {}
  void on_epoch_end(hnn::TrainingState<float>& s) override {
    s.history.record("score", metrics[std::size_t(s.epoch)]);
  }
};

}  // namespace

TEST_CASE("ReduceLROnPlateau: PyTorch's rates with a relative and an absolute threshold") {
  PlateauOptions o = scored(0.5, 2);
  o.threshold = 0.05;
  o.threshold_mode = ThresholdMode::relative;
  // best·(1 − 0.05): 0.95 is not below 1·0.95, 0.91 is; 0.905, 0.9 and 0.85
  // are not below 0.8645, 0.82 is, …
  CHECK(rates(o, 0.1, falling) ==
        std::vector<double>{0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
                            0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
                            0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
                            0.050000000000000003, 0.050000000000000003, 0.050000000000000003,
                            0.050000000000000003, 0.025000000000000001, 0.025000000000000001,
                            0.025000000000000001, 0.025000000000000001, 0.012500000000000001});
  o.threshold_mode = ThresholdMode::absolute;  // best − 0.05: 0.5 is a big improvement
  CHECK(rates(o, 0.1, falling) ==
        std::vector<double>{0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
                            0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
                            0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
                            0.050000000000000003, 0.050000000000000003, 0.050000000000000003,
                            0.050000000000000003, 0.050000000000000003, 0.050000000000000003,
                            0.050000000000000003, 0.050000000000000003, 0.025000000000000001});
}

TEST_CASE("ReduceLROnPlateau: the defaults are PyTorch's (factor 0.1, patience 10, 1e-4 rel)") {
  const PlateauOptions d;
  CHECK(d.monitor == "val_loss");
  CHECK_FALSE(d.higher_is_better);
  CHECK(d.factor == 0.1);
  CHECK(d.patience == 10);
  CHECK(d.threshold == 1e-4);
  CHECK(d.threshold_mode == ThresholdMode::relative);
  CHECK(d.cooldown == 0);
  CHECK(d.min_lr == 0);
  CHECK(d.eps == 1e-8);
  PlateauOptions o;
  o.monitor = "score";
  // PyTorch's default options on `falling`: no 11 bad epochs in a row, no reduction.
  CHECK(rates(o, 0.1, falling) == std::vector<double>(falling.size() + 1, 0.1));
  // On a constant series: epoch 1 improves on +inf, epochs 2 … 12 are bad,
  // and the 11th bad one (> patience) lowers the rate at the end of epoch 12.
  std::vector<double> expected(12, 0.1);  // epochs 1 … 12
  expected.resize(15,
                  0.010000000000000002);  // 13, 14 and after: 0.1 · 0.1 in double, as in PyTorch
  CHECK(rates(o, 0.1, std::vector<double>(14, 1.0)) == expected);
}

TEST_CASE("ReduceLROnPlateau: cooldown, min_lr and eps as PyTorch has them") {
  PlateauOptions o = scored(0.5, 1);
  o.cooldown = 3;
  // After each reduction the next three epochs count no bad epoch, then two
  // bad ones (> patience 1) lower the rate again: every five epochs.
  CHECK(rates(o, 1.0, std::vector<double>(15, 1.0)) ==
        std::vector<double>{1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.125,
                            0.125, 0.125});

  o = scored(0.5, 0);  // patience 0: every epoch without improvement lowers the rate
  o.min_lr = 0.2;
  CHECK(rates(o, 1.0, std::vector<double>(8, 1.0)) ==
        std::vector<double>{1, 1, 0.5, 0.25, 0.20000000000000001, 0.20000000000000001,
                            0.20000000000000001, 0.20000000000000001, 0.20000000000000001});

  // From 1.25e-8 the step to 6.25e-9 is below eps = 1e-8: skipped.
  o = scored(0.5, 0);
  CHECK(rates(o, 1e-7, std::vector<double>(5, 1.0)) ==
        std::vector<double>{9.9999999999999995e-08, 9.9999999999999995e-08, 4.9999999999999998e-08,
                            2.4999999999999999e-08, 1.2499999999999999e-08,
                            1.2499999999999999e-08});
  o.eps = 0;  // now it is taken
  CHECK(rates(o, 1e-7, std::vector<double>(5, 1.0)).back() == 6.2499999999999997e-09);
}

TEST_CASE("ReduceLROnPlateau: a series to raise (mode max), both thresholds, and NaN") {
  PlateauOptions o = scored(0.3, 1);
  o.higher_is_better = true;
  o.threshold = 0.01;
  o.threshold_mode = ThresholdMode::absolute;
  CHECK(rates(o, 0.01, rising) == std::vector<double>{0.01, 0.01, 0.01, 0.01, 0.0030000000000000001,
                                                      0.0030000000000000001, 0.0030000000000000001,
                                                      0.00089999999999999998,
                                                      0.00089999999999999998, 0.00027, 0.00027});
  o.threshold_mode = ThresholdMode::relative;
  CHECK(rates(o, 0.01, rising) ==
        std::vector<double>{0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.0030000000000000001,
                            0.0030000000000000001, 0.0030000000000000001, 0.0030000000000000001});

  // A NaN never improves: it counts as a bad epoch, and leaves the best alone.
  o = scored(0.1, 1);
  CHECK(rates(o, 0.1, {1.0, nan, nan, 0.9, nan, nan, nan}) ==
        std::vector<double>{0.10000000000000001, 0.10000000000000001, 0.10000000000000001,
                            0.010000000000000002, 0.010000000000000002, 0.010000000000000002,
                            0.0010000000000000002, 0.0010000000000000002});
}

TEST_CASE("ReduceLROnPlateau: in fit(), \"lr\" is the rate each epoch trained with") {
  const hnn_test::HalfwayData data;
  hnn::Random rng(2);
  hnn::Sequential<float> model(3);
  model.add(hnn::Dense<float>(3, 2, rng));
  hnn::SGD<float> sgd(0.1);
  PlateauOptions o = scored(0.5, 2);
  o.threshold = 0.05;
  auto plateau = std::make_shared<hnn::ReduceLROnPlateau<float>>(o);
  hnn::FitOptions<float> f;
  f.epochs = int(falling.size());
  f.batch_size = 16;
  f.verbosity = hnn::Verbosity::quiet;
  f.callbacks = {std::make_shared<Script>(falling), plateau};  // the score first
  const hnn::History h = model.fit(data.X, data.T, hnn::MSE<float>(), sgd, f);
  const std::vector<double> expected = rates(o, 0.1, falling);
  CHECK(h["lr"] == std::vector<double>(expected.begin(), expected.end() - 1));
  CHECK(sgd.learning_rate() == expected.back());
  CHECK(plateau->reductions() == 3);
  CHECK(plateau->best() == 0.5);
  CHECK(plateau->bad_epochs() == 0);  // reduced at the end of the last epoch
}

TEST_CASE("ReduceLROnPlateau: a resumed run reduces on the same epochs, bit for bit") {
  const hnn_test::HalfwayData data;
  hnn_test::TempDir dir;
  PlateauOptions o = scored(0.5, 1);
  o.threshold = 0.05;
  o.cooldown = 2;
  const int epochs = int(falling.size());

  // Adam on shuffled batches; the checkpoint after every epoch. `first`:
  // only the first k epochs; `resume`: the rest, from the checkpoint, in a
  // fresh model and optimizer. `forget`: the position loses the callback's
  // counters before the rest runs.
  struct Run {
    std::vector<hnn::Matrix<float>> weights;
    hnn::History history;
    double lr = 0;
  };
  const auto run = [&](int stop_after, bool resume, bool forget) {
    hnn::Random rng(5);
    hnn::Sequential<float> model(3);
    model.add(hnn::Dense<float>(3, 4, rng))
        .add(hnn::Activation<float, hnn::Tanh>())
        .add(hnn::Dense<float>(4, 2, rng));
    hnn::Adam<float> adam(0.02);
    hnn::FitOptions<float> f;
    f.epochs = stop_after;
    f.batch_size = 10;
    f.seed = 7;
    f.verbosity = hnn::Verbosity::quiet;
    f.validate_on(data.X, data.T_val);
    f.callbacks = {std::make_shared<Script>(falling),
                   std::make_shared<hnn::ReduceLROnPlateau<float>>(o),
                   hnn::resumable_checkpoint<float>(dir.file(resume ? "next.ckpt" : "run.ckpt"))};
    hnn::TrainingPosition<float> position;
    if (resume) {
      position = hnn::load_checkpoint(dir.file("run.ckpt"), model, adam);
      if (forget) position.values.clear();
      f.epochs = epochs;
      f.resume_from = &position;
    }
    Run r;
    r.history = model.fit(data.X, data.T, hnn::MSE<float>(), adam, f);
    for (auto& p : model.parameters())
      r.weights.emplace_back(p.value());
    r.lr = adam.learning_rate();
    return r;
  };

  const Run whole = run(epochs, false, false);
  const std::vector<double> expected = rates(o, 0.02, falling);  // 4 reductions
  CHECK(whole.history["lr"] == std::vector<double>(expected.begin(), expected.end() - 1));
  // Interrupted after epoch 6: the rate was lowered at the end of epoch 5,
  // one epoch of cooldown is left. After epoch 8: best 0.85, one bad epoch
  // counted, and the next (0.83) lowers the rate — if the count came through.
  for (const int k : {6, 8}) {
    INFO("interrupted after epoch " << k);
    run(k, false, false);
    const Run rest = run(0, true, false);
    CHECK(rest.history["lr"] == whole.history["lr"]);
    CHECK(rest.history["val_loss"] == whole.history["val_loss"]);
    CHECK(rest.lr == whole.lr);
    REQUIRE(rest.weights.size() == whole.weights.size());
    for (std::size_t j = 0; j < whole.weights.size(); ++j)
      CHECK(rest.weights[j] == whole.weights[j]);
  }

  // Without the counters the resumed run lowers the rate later.
  const Run forgot = run(0, true, true);
  CHECK(forgot.history["lr"] != whole.history["lr"]);
  CHECK(forgot.weights.back() != whole.weights.back());
}

TEST_CASE("ReduceLROnPlateau: every bad option is refused, naming it") {
  const auto refused = [](const std::function<void(PlateauOptions&)>& change,
                          const std::string& message) {
    PlateauOptions o;
    change(o);
    check_throws_with<hnn::ArgumentError>([&] { hnn::ReduceLROnPlateau<float> r(o); }, message);
  };
  refused([](PlateauOptions& o) { o.factor = 1; },
          "ReduceLROnPlateau: factor must be a finite number in (0, 1), got 1");
  refused([](PlateauOptions& o) { o.factor = 0; }, "ReduceLROnPlateau: factor");
  refused([](PlateauOptions& o) { o.factor = nan; }, "ReduceLROnPlateau: factor");
  refused([](PlateauOptions& o) { o.patience = -1; },
          "ReduceLROnPlateau: patience must be >= 0, got -1");
  refused([](PlateauOptions& o) { o.cooldown = -2; },
          "ReduceLROnPlateau: cooldown must be >= 0, got -2");
  refused([](PlateauOptions& o) { o.threshold = -1e-3; }, "ReduceLROnPlateau: threshold");
  refused([](PlateauOptions& o) { o.threshold = 1; },
          "ReduceLROnPlateau: threshold (relative) must be a finite number in [0, 1)");
  refused(
      [](PlateauOptions& o) {
        o.threshold_mode = ThresholdMode::absolute;
        o.threshold = std::numeric_limits<double>::infinity();
      },
      "ReduceLROnPlateau: threshold must be a finite number >= 0");
  refused([](PlateauOptions& o) { o.min_lr = -1; }, "ReduceLROnPlateau: min_lr");
  refused([](PlateauOptions& o) { o.eps = nan; }, "ReduceLROnPlateau: eps");
  refused([](PlateauOptions& o) { o.monitor = ""; }, "ReduceLROnPlateau: monitor");
  // An absolute threshold of 1 or more is a valid one.
  PlateauOptions o;
  o.threshold_mode = ThresholdMode::absolute;
  o.threshold = 2;
  CHECK_NOTHROW(hnn::ReduceLROnPlateau<float>{o});
}

TEST_CASE("ReduceLROnPlateau: an unknown monitor, a schedule beside it, or two are errors") {
  const hnn_test::HalfwayData data;
  hnn::Random rng(2);
  hnn::Sequential<float> model(3);
  model.add(hnn::Dense<float>(3, 2, rng));
  hnn::SGD<float> sgd(0.1);
  hnn::FitOptions<float> f;
  f.epochs = 2;
  f.verbosity = hnn::Verbosity::quiet;
  const auto fit = [&] { model.fit(data.X, data.T, hnn::MSE<float>(), sgd, f); };

  // The default monitor without validation data; a misspelt one with it.
  f.callbacks = {std::make_shared<hnn::ReduceLROnPlateau<float>>()};
  check_throws_with<hnn::ArgumentError>(
      fit,
      "ReduceLROnPlateau: monitor \"val_loss\" is not recorded (validation data or that "
      "metric missing?); the History has: loss, seconds, lr");
  PlateauOptions o;
  o.monitor = "val_los";
  f.validate_on(data.X, data.T_val);
  f.callbacks = {std::make_shared<hnn::ReduceLROnPlateau<float>>(o)};
  check_throws_with<hnn::ArgumentError>(fit, "monitor \"val_los\" is not recorded");

  // With a schedule, in either order, or with a second plateau callback.
  const auto schedule =
      std::make_shared<hnn::LearningRateScheduler<float>>(hnn::Schedule::step(2, 0.5));
  const auto plateau = std::make_shared<hnn::ReduceLROnPlateau<float>>();
  f.callbacks = {schedule, plateau};
  check_throws_with<hnn::ArgumentError>(fit,
                                        "ReduceLROnPlateau: the callbacks also hold a "
                                        "LearningRateScheduler");
  f.callbacks = {plateau, schedule};
  check_throws_with<hnn::ArgumentError>(fit, "LearningRateScheduler");
  f.callbacks = {plateau, std::make_shared<hnn::ReduceLROnPlateau<float>>()};
  check_throws_with<hnn::ArgumentError>(fit, "a second ReduceLROnPlateau");
  f.callbacks = {plateau};
  CHECK_NOTHROW(fit());
  CHECK(sgd.learning_rate() == 0.1);  // two epochs, patience 10: no reduction
}

}  // namespace reduce_on_plateau_tests
