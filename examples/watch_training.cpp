// SPDX-License-Identifier: MIT
// Watching a network learn: the loss and accuracy curves, on the training
// points and on points the network never trains on, the loss of every single
// mini-batch, and what happens inside each layer (weights, gradients and
// update sizes) epoch by epoch.
//
// Network: 2 → Dense(2 → 64) → ReLU → Dense(64 → 64) → ReLU → Dense(64 → 3) → (logits)
// Loss:    SoftmaxCrossEntropy; optimizer: Adam (η = 0.005), mini-batches of 32, 150 epochs.
// Data:    the 3-arm spiral (toy_data.hpp): 300 training points, and 300 more from the
//          same spiral as validation data.
// Look for: the per-batch loss is a noisy cloud around the epoch mean; the validation loss
//           follows the training loss down, then stops and creeps back up while the
//           training loss keeps falling (the network starts to learn the noise of its 300
//           points). The hidden layer's weights start uniform (He) and spread out into a
//           bell with heavier tails; the update ratio ‖Δw‖/‖w‖ starts near 10⁻² and settles
//           around 10⁻³ as the gradients shrink.
// Writes:  training_curves.svg, weight_histograms.svg, layer_statistics.svg, and the numbers
//          behind them (history.csv, batch_loss.csv, monitor.csv, monitor_histograms.csv)
//          into the folder given as argv[1] (default out/).
// Run:     bash scripts/demo.sh watch_training        (builds it, runs it: pictures in out/)
//          build/demo/examples/watch_training docs/images   (regenerates the docs' pictures)

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/model/csv_export.hpp"
#include "hnn/model/monitor.hpp"
#include "hnn/plot/svg.hpp"
#include "toy_data.hpp"

int main(int argc, char** argv) {
  using S = float;
  namespace plot = hnn::plot;
  const std::filesystem::path out = argc > 1 ? argv[1] : "out";
  std::filesystem::create_directories(out);

  hnn::Random data_rng(2);
  const auto train = toy::spiral<S>(100, 3, 0.2, data_rng);
  const auto valid = toy::spiral<S>(100, 3, 0.2, data_rng);  // the same arms, new points

  hnn::Random rng(5);
  hnn::Sequential<S> model(2);
  model.add(hnn::Dense<S>(2, 64, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<S, hnn::ReLU>())
      .add(hnn::Dense<S>(64, 64, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<S, hnn::ReLU>())
      .add(hnn::Dense<S>(64, 3, rng));

  // Two callbacks watch the training: one keeps every batch's loss, the
  // other the statistics of every parameter after every epoch.
  auto batches = std::make_shared<hnn::BatchLossRecorder<S>>();
  auto monitor = std::make_shared<hnn::TrainingMonitor<S>>(40);
  hnn::FitOptions<S> options;
  options.epochs = 150;
  options.batch_size = 32;
  options.verbosity = hnn::Verbosity::quiet;
  options.metrics = {hnn::Metric::accuracy()};
  options.validate_on(valid.X, valid.y);
  options.callbacks = {batches, monitor};
  hnn::SoftmaxCrossEntropy<S> loss;
  hnn::Adam<S> adam(0.005);
  const hnn::History history = model.fit(train.X, train.y, loss, adam, options);

  const auto file = [&out](const std::string& name) { return (out / name).string(); };
  hnn::write_csv(history, file("history.csv"));
  batches->write_csv(file("batch_loss.csv"));
  monitor->write_csv(file("monitor.csv"));
  monitor->write_histograms_csv(file("monitor_histograms.csv"));

  // 1. Loss and accuracy, training vs validation.
  const auto& val_loss = history["val_loss"];
  const auto best = std::min_element(val_loss.begin(), val_loss.end()) - val_loss.begin();
  plot::Chart losses("Loss");
  losses.x_label("epoch").y_label("cross-entropy").log_y().size(520, 340);
  losses.line("every batch (training)", batches->positions(), batches->losses(),
              plot::Style().color(plot::rgb(0x9ecae1)).width(0.8));
  losses.line("training (epoch mean)", history["loss"], plot::Style().color(plot::palette(0)));
  losses.line("validation", history["val_loss"], plot::Style().color(plot::palette(1)));
  losses.scatter("lowest validation loss", {double(best + 1)}, {val_loss[std::size_t(best)]},
                 plot::Style().color(plot::palette(1)).markers(5).outline(plot::black, 1));
  plot::Chart accuracy("Accuracy");
  accuracy.x_label("epoch").y_label("fraction classified right").y_range(0, 1.02).size(520, 340);
  accuracy.legend(plot::Legend::bottom_right).hline(1.0 / 3, "chance: 1/3");
  accuracy.line("training", history["accuracy"], plot::Style().color(plot::palette(0)));
  accuracy.line("validation", history["val_accuracy"], plot::Style().color(plot::palette(1)));
  plot::Figure curves(2, "Training a 2-64-64-3 network on the spiral");
  curves.add(losses).add(accuracy);
  curves.save(file("training_curves.svg"));

  // 2. The weights of the hidden layer (layer 2, 64 × 64) at several epochs,
  // with the weights beyond the histogram's range counted on grey bands at
  // its ends, and the spread of every layer's weights over time.
  plot::Chart histograms("Weights of the hidden layer (2.W, 64 × 64)");
  histograms.x_label("weight (grey bands: all weights beyond the range)").y_label("how many");
  histograms.size(620, 340).legend(plot::Legend::outside);
  const std::vector<int> shown = {0, 1, 10, 50, 150};
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const auto& h = monitor->record(shown[k], "2.W").histogram;
    const auto colour = plot::viridis(0.9 * double(k) / double(shown.size() - 1));
    histograms.histogram("epoch " + std::to_string(shown[k]), h.edges(), h.values(),
                         plot::Overflow{double(h.below), double(h.above)},
                         plot::Style().color(colour).width(1.5).fill(k == 0 ? 0.15 : 0));
  }
  plot::Chart spread("Spread of each layer's weights");
  spread.x_label("epoch (0 = before training)").y_label("std of W").size(520, 340);
  spread.legend(plot::Legend::bottom_right);
  std::vector<double> epochs;
  for (int e = 0; e <= monitor->epochs(); ++e)
    epochs.push_back(e);
  for (const std::string name : {"0.W", "2.W", "4.W"})
    spread.line(name, epochs, monitor->series(name, &hnn::ParameterRecord::std));
  plot::Figure weights(2, "How the weights change");
  weights.add(histograms).add(spread);
  weights.save(file("weight_histograms.svg"));

  // 3. Gradients and updates, per layer and epoch.
  const std::vector<double> trained(epochs.begin() + 1, epochs.end());
  const auto after_start = [](std::vector<double> v) {  // drop epoch 0: no step taken yet
    v.erase(v.begin());
    return v;
  };
  plot::Chart gradients("Gradient norm ‖∂L/∂W‖ (mean over the epoch's steps)");
  gradients.x_label("epoch").y_label("‖∂L/∂W‖").log_y().size(520, 340);
  plot::Chart updates("Update size ‖Δw‖ / ‖w‖ per step");
  updates.x_label("epoch").y_label("‖Δw‖ / ‖w‖").log_y().size(520, 340);
  updates.hline(1e-3, "10⁻³");
  for (const std::string name : {"0.W", "2.W", "4.W"}) {
    gradients.line(name, trained,
                   after_start(monitor->series(name, &hnn::ParameterRecord::grad_norm)));
    updates.line(name, trained,
                 after_start(monitor->series(name, &hnn::ParameterRecord::update_ratio)));
  }
  plot::Figure layers(2, "Inside the layers");
  layers.add(gradients).add(updates);
  layers.save(file("layer_statistics.svg"));

  const double final_val = history["val_accuracy"].back();
  std::cout << model.summary() << '\n' << "epoch    loss   accuracy   val_loss  val_accuracy\n";
  for (std::size_t e : {std::size_t(0), std::size_t(9), std::size_t(49), std::size_t(149)}) {
    std::cout << std::setw(5) << e + 1 << std::fixed << std::setprecision(4) << std::setw(9)
              << history["loss"][e] << std::setw(10) << history["accuracy"][e] << std::setw(11)
              << history["val_loss"][e] << std::setw(13) << history["val_accuracy"][e] << '\n';
  }
  std::cout << "lowest validation loss " << val_loss[std::size_t(best)] << " at epoch " << best + 1
            << "; at the end " << val_loss.back() << '\n'
            << "update ratio of 2.W: epoch 1 " << std::scientific << std::setprecision(1)
            << monitor->record(1, "2.W").update_ratio << ", epoch 150 "
            << monitor->record(150, "2.W").update_ratio << std::defaultfloat << "\n\n";
  for (const char* name :
       {"training_curves.svg", "weight_histograms.svg", "layer_statistics.svg", "history.csv",
        "batch_loss.csv", "monitor.csv", "monitor_histograms.csv"})
    std::cout << "wrote " << file(name) << '\n';

  std::cout << "\nvalidation accuracy " << std::fixed << std::setprecision(1) << 100 * final_val
            << "%   (goal: >= 90%)\n";
  return final_val >= 0.9 ? 0 : 1;
}
