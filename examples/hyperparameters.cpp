// SPDX-License-Identifier: MIT
// Hyperparameters, seen: what the learning rate, the batch size, gradient
// clipping and a learning rate lowered on a plateau do to a training run,
// drawn as pictures; and the method that keeps the choice honest — choose on
// the validation part, measure once on the test part.
//
// Data:    the 3-arm spiral (toy_data.hpp), 600 points, split by class into
//          training (360), validation (120) and test (120) parts.
// Network: 2 → Dense(32) → ReLU → Dense(32) → ReLU → Dense(3) (He), SoftmaxCrossEntropy;
//          the clipping runs use ten hidden layers.
// Runs:    1. full-batch gradient descent for 300 steps at η = 0.01, 0.1, 1, 10, 100;
//          2. SGD for 40 epochs on a grid of 4 batch sizes × 9 learning rates, the
//             final validation loss of each; the best cell's model is measured on the
//             test part, once;
//          3. ten hidden layers, SGD with momentum 0.9 (η = 0.1, batches of 32), without
//             and with clip_grad_norm = 1;
//          4. SGD with momentum 0.9 (η = 0.1, batches of 16) for 200 epochs, at a constant
//             rate and with ReduceLROnPlateau on the validation loss.
// Look for: η = 0.01 barely moves, 0.1 is slow, 1 is fast, 10 jumps up and stays at
//           chance, 100 overflows within a few steps (fit stops; the line ends there).
//           In the grid the best learning rate grows with the batch size. The deep
//           network's loss explodes to a non-finite value without clipping and trains
//           with it. The rate lowered on each plateau ends with a lower, steadier
//           validation loss than the constant rate.
// Writes:  learning_rates.svg, batch_lr_grid.svg, gradient_clipping.svg and
//          reduce_on_plateau.svg into the folder given as argv[1] (default out/).
// Run:     bash scripts/demo.sh hyperparameters       (builds it, runs it: pictures in out/)
//          build/demo/examples/hyperparameters docs/images   (regenerates the docs' pictures)

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/model/reduce_on_plateau.hpp"
#include "hnn/plot/svg.hpp"
#include "toy_data.hpp"

namespace {

using S = float;
namespace plot = hnn::plot;

// Training, validation and test parts of the spiral, each class split in
// proportion: the test part (20%) is set aside first, then the validation
// part (a quarter of the rest, 20% of the whole) from what is left.
struct Parts {
  hnn::Matrix<S> X_train, X_val, X_test;
  hnn::Labels y_train, y_val, y_test;
};

Parts three_parts() {
  hnn::Random rng(3);
  const auto all = toy::spiral<S>(200, 3, 0.2, rng);  // 600 points, 3 arms
  const auto mode = hnn::SplitMode::stratified;
  const auto test = hnn::train_validation_split(all.X, all.y, 0.2, 11, mode);
  const auto val = hnn::train_validation_split(test.X_train, test.y_train, 0.25, 12, mode);
  return {val.X_train, val.X_validation, test.X_validation,
          val.y_train, val.y_validation, test.y_validation};
}

// 2 → (Dense(32) → ReLU) × hidden → Dense(3), He-initialised, the same
// weights for the same `hidden` in every run.
hnn::Sequential<S> network(int hidden) {
  hnn::Random rng(5);
  hnn::Sequential<S> model(2);
  hnn::Index in = 2;
  for (int k = 0; k < hidden; ++k) {
    model.add(hnn::Dense<S>(in, 32, rng, hnn::Init::he_uniform()))
        .add(hnn::Activation<S, hnn::ReLU>());
    in = 32;
  }
  model.add(hnn::Dense<S>(in, 3, rng));
  return model;
}

// What a run recorded: every step's loss, the History epoch by epoch, and,
// when fit stopped on a non-finite loss, its message.
struct Run {
  std::vector<double> steps, losses;  // where each step ends (in epochs), its batch loss
  hnn::History history;
  std::string stopped;
};

Run train(hnn::Sequential<S>& model, const Parts& d, hnn::Optimizer<S>& optimizer,
          hnn::FitOptions<S> options) {
  Run run;
  auto steps = std::make_shared<hnn::BatchLossRecorder<S>>();
  options.callbacks.insert(options.callbacks.begin(), steps);
  options.callbacks.push_back(std::make_shared<hnn::EpochCallback<S>>(
      [&run](hnn::TrainingState<S>& s) { run.history = s.history; }));
  options.validate_on(d.X_val, d.y_val);
  options.metrics = {hnn::Metric::accuracy()};
  options.verbosity = hnn::Verbosity::quiet;
  try {
    model.fit(d.X_train, d.y_train, hnn::SoftmaxCrossEntropy<S>(), optimizer, options);
  } catch (const hnn::NumericError& e) {  // a non-finite loss: keep what came before it
    run.stopped = e.what();
  }
  run.steps = steps->positions();
  run.losses = steps->losses();
  return run;
}

std::string rate_name(double eta) {
  char s[32];
  std::snprintf(s, sizeof s, "%g", eta);
  return s;
}

double last(const std::vector<double>& v) {
  return v.empty() ? std::nan("") : v.back();
}

// v[k], or NaN past the end (a run that stopped early).
double at(const std::vector<double>& v, std::size_t k) {
  return k < v.size() ? v[k] : std::nan("");
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : "out";
  std::filesystem::create_directories(out);
  const auto file = [&out](const std::string& name) { return (out / name).string(); };
  const Parts d = three_parts();
  std::printf("training %ld, validation %ld, test %ld points\n", long(d.X_train.cols()),
              long(d.X_val.cols()), long(d.X_test.cols()));
  bool ok = true;

  // 1. One network, full-batch gradient descent, five learning rates.
  plot::Chart rates("Training loss, full-batch gradient descent");
  rates.x_label("step")
      .y_label("cross-entropy")
      .log_x()
      .x_range(1, 300)
      .log_y()
      .y_range(0.01, 1000);
  rates.size(620, 380).hline(std::log(3.0), "chance: ln 3");
  std::vector<Run> by_rate;
  for (const double eta : {0.01, 0.1, 1.0, 10.0, 100.0}) {
    hnn::Sequential<S> model = network(2);
    hnn::SGD<S> sgd(eta);
    hnn::FitOptions<S> o;
    o.epochs = 300;
    o.batch_size = 0;  // the full batch: one step per epoch
    Run r = train(model, d, sgd, o);
    std::string name = "η = " + rate_name(eta);
    if (!r.stopped.empty()) {  // the line ends at the last finite loss, off the chart
      char note[96];
      std::snprintf(note, sizeof note, ": %.1e at step %zu, then not finite", r.losses.back(),
                    r.losses.size());
      name += note;
    }
    rates.line(name, r.steps, r.losses, plot::Style().width(1.6));
    std::printf("η = %-5g  loss at steps 1, 10, 100, 300: %7.3g %7.3g %7.3g %7.3g; largest %.3g",
                eta, r.losses[0], at(r.losses, 9), at(r.losses, 99), at(r.losses, 299),
                *std::max_element(r.losses.begin(), r.losses.end()));
    if (!r.stopped.empty()) {
      std::printf("\n           %zu steps:", r.losses.size());
      for (const double loss : r.losses)
        std::printf(" %.3g", loss);
      std::printf("; then: %s", r.stopped.c_str());
    }
    std::printf("\n");
    by_rate.push_back(std::move(r));
  }
  rates.save(file("learning_rates.svg"));
  ok = ok && !by_rate[4].stopped.empty() && by_rate[2].losses.back() < 0.1 &&
       by_rate[0].losses.back() > 0.5;

  // 2. Batch size × learning rate: the final validation loss of each run.
  // The hyperparameters are chosen on the validation part alone.
  const std::vector<hnn::Index> batch_sizes = {4, 16, 64, 0};  // 0: the full batch (360)
  const std::vector<double> etas = {0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30};
  hnn::Matrix<double> final_val(hnn::Index(batch_sizes.size()), hnn::Index(etas.size()));
  std::unique_ptr<hnn::Sequential<S>> chosen;  // the model of the lowest validation loss
  int best_r = 0, best_c = 0;
  double best = INFINITY;
  for (std::size_t r = 0; r < batch_sizes.size(); ++r) {
    for (std::size_t c = 0; c < etas.size(); ++c) {
      hnn::Sequential<S> model = network(2);
      hnn::SGD<S> sgd(etas[c]);
      hnn::FitOptions<S> o;
      o.epochs = 40;
      o.batch_size = batch_sizes[r];
      const Run run = train(model, d, sgd, o);
      const double v = run.stopped.empty() ? last(run.history["val_loss"]) : std::nan("");
      final_val(hnn::Index(r), hnn::Index(c)) = v;
      if (v < best) {  // false for NaN
        best = v;
        best_r = int(r);
        best_c = int(c);
        chosen = std::make_unique<hnn::Sequential<S>>(std::move(model));
      }
    }
  }
  // The test part, touched once: the chosen model's loss and accuracy.
  const hnn::Evaluation test = chosen->evaluate(d.X_test, d.y_test, hnn::SoftmaxCrossEntropy<S>(),
                                                {hnn::Metric::accuracy()});

  std::vector<std::string> row_names, column_names;
  for (const hnn::Index b : batch_sizes)
    row_names.push_back(b == 0 ? "360 (full)" : std::to_string(b));
  for (const double eta : etas)
    column_names.push_back(rate_name(eta));
  plot::ValueGrid grid("Validation loss after 40 epochs of SGD");
  grid.rows("batch size", row_names).columns("learning rate η", column_names);
  grid.values(final_val).log_scale().colorbar_label("validation loss (log scale)");
  grid.colormap([](double t) { return plot::viridis(1 - t); });  // bright: a low loss
  grid.not_finite_label("diverged").mark(best_r, best_c);
  grid.save(file("batch_lr_grid.svg"));
  std::printf("\nvalidation loss after 40 epochs (rows: batch size; columns: η)\n%11s", "");
  for (const double eta : etas)
    std::printf("%8g", eta);
  for (std::size_t r = 0; r < batch_sizes.size(); ++r) {
    std::printf("\n%11s", row_names[r].c_str());
    for (std::size_t c = 0; c < etas.size(); ++c)
      std::printf("%8.3g", final_val(hnn::Index(r), hnn::Index(c)));
  }
  std::printf("\nchosen on validation: batch %s, η = %g, validation loss %.4f\n",
              row_names[std::size_t(best_r)].c_str(), etas[std::size_t(best_c)],
              final_val(best_r, best_c));
  std::printf("measured once on test: loss %.4f, accuracy %.1f%%\n", test.loss,
              100 * test["accuracy"]);
  ok = ok && test["accuracy"] >= 0.9;

  // 3. Ten hidden layers: the same run without and with gradient clipping.
  plot::Chart clipping("Ten hidden layers, SGD with momentum 0.9, η = 0.1");
  clipping.x_label("epoch").y_label("training loss").log_y().size(620, 380);
  clipping.hline(std::log(3.0), "chance: ln 3");
  std::vector<Run> deep;
  for (const double clip : {0.0, 1.0}) {
    hnn::Sequential<S> model = network(10);
    hnn::SGDOptions so;
    so.learning_rate = 0.1;
    so.momentum = 0.9;
    hnn::SGD<S> sgd(so);
    hnn::FitOptions<S> o;
    o.epochs = 100;
    o.batch_size = 32;
    o.clip_grad_norm = clip;  // 0: off; else g ← g · clip / (‖g‖ + 10⁻⁶) when ‖g‖ > clip
    Run r = train(model, d, sgd, o);
    const std::string name = clip == 0 ? "no clipping" : "clip_grad_norm = " + rate_name(clip);
    const plot::Color colour = plot::palette(deep.size());
    clipping.line(name + ", each batch", r.steps, r.losses,
                  plot::Style().color(plot::mix(colour, plot::white, 0.55)).width(0.8));
    clipping.line(name + ", epoch mean", r.history["loss"], plot::Style().color(colour));
    if (!r.stopped.empty()) {
      clipping.scatter(name + ": the last finite loss", {r.steps.back()}, {r.losses.back()},
                       plot::Style().color(colour).markers(5).outline(plot::black, 1));
    }
    const auto& means = r.history["loss"];
    std::printf(
        "\n%s: %zu steps, the largest batch loss %.3g; epoch means %.3g … %.3g over %zu "
        "epochs, the last %.3g",
        name.c_str(), r.losses.size(), *std::max_element(r.losses.begin(), r.losses.end()),
        *std::min_element(means.begin(), means.end()),
        *std::max_element(means.begin(), means.end()), means.size(), means.back());
    if (r.stopped.empty()) {
      std::printf(", validation accuracy at the end %.1f%%", 100 * last(r.history["val_accuracy"]));
    } else {
      std::printf("\n  then: %s", r.stopped.c_str());
    }
    deep.push_back(std::move(r));
  }
  std::printf("\n");
  clipping.save(file("gradient_clipping.svg"));
  ok = ok && (!deep[0].stopped.empty() || last(deep[0].history["loss"]) > 1.0) &&
       deep[1].stopped.empty() && last(deep[1].history["val_accuracy"]) >= 0.9;

  // 4. A constant rate, and the rate lowered whenever the validation loss stalls.
  plot::Chart loss_chart("Validation loss");
  loss_chart.x_label("epoch").y_label("cross-entropy").log_y().size(460, 340);
  plot::Chart rate_chart("Learning rate");
  rate_chart.x_label("epoch").y_label("η").log_y().y_range(0.005, 0.2).size(460, 340);
  std::vector<Run> plateau_runs;
  for (const bool reduce : {false, true}) {
    hnn::Sequential<S> model = network(2);
    hnn::SGDOptions so;
    so.learning_rate = 0.1;
    so.momentum = 0.9;
    hnn::SGD<S> sgd(so);
    hnn::FitOptions<S> o;
    o.epochs = 200;
    o.batch_size = 16;
    if (reduce) {
      hnn::PlateauOptions p;  // monitor "val_loss", threshold 10⁻⁴ relative
      p.factor = 0.5;         // η ← η / 2
      p.patience = 10;        // after 11 epochs in a row without improvement
      o.callbacks.push_back(std::make_shared<hnn::ReduceLROnPlateau<S>>(p));
    }
    Run r = train(model, d, sgd, o);
    const std::string name = reduce ? "ReduceLROnPlateau (×0.5, patience 10)" : "constant η";
    loss_chart.line(name, r.history["val_loss"], plot::Style().width(1.4));
    std::vector<double> eta =
        reduce ? r.history["lr"] : std::vector<double>(r.history.epochs(), 0.1);
    rate_chart.line(name, eta);
    std::printf("%s: final validation loss %.4f, lowest %.4f, final η %g", name.c_str(),
                last(r.history["val_loss"]),
                *std::min_element(r.history["val_loss"].begin(), r.history["val_loss"].end()),
                eta.back());
    for (std::size_t e = 1; e < eta.size(); ++e)  // the first epoch at each new rate
      if (eta[e] != eta[e - 1]) std::printf("; η = %g from epoch %zu", eta[e], e + 1);
    std::printf("\n");
    plateau_runs.push_back(std::move(r));
  }
  plot::Figure plateau_figure(2, "Lowering η when the validation loss stalls");
  plateau_figure.add(loss_chart).add(rate_chart);
  plateau_figure.save(file("reduce_on_plateau.svg"));
  ok = ok && last(plateau_runs[1].history["lr"]) < 0.1 &&
       last(plateau_runs[1].history["val_loss"]) < last(plateau_runs[0].history["val_loss"]);

  for (const char* name : {"learning_rates.svg", "batch_lr_grid.svg", "gradient_clipping.svg",
                           "reduce_on_plateau.svg"})
    std::printf("wrote %s\n", file(name).c_str());
  std::printf("%s\n", ok ? "every goal met" : "a goal was missed");
  return ok ? 0 : 1;
}
