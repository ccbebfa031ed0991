// SPDX-License-Identifier: MIT
// Four optimizers race on the same network, from the same initial weights,
// through the same mini-batches (one shuffle seed). Only the update rule
// differs:
//
//   SGD        w ← w − η g
//   momentum   b ← μ b + g,             w ← w − η b          (μ = 0.9)
//   RMSProp    v ← α v + (1 − α) g²,    w ← w − η g / (√v + ε)
//   Adam       momentum m and RMSProp's v, both bias-corrected: w ← w − η m̂ / (√v̂ + ε)
//
// Network: 2 → Dense(2 → 32) → Tanh → Dense(32 → 32) → Tanh → Dense(32 → 3) → (logits)
// Loss:    SoftmaxCrossEntropy on the 3-arm spiral (300 points); mini-batches of 32.
// Look for: SGD crawls: after 100 epochs it is about where the others were by epoch 20.
//           Momentum, with the same η, goes much faster (while the gradients agree, b
//           adds up to g / (1 − μ), ten times g) but overshoots: its loss jumps back up
//           now and then. RMSProp and Adam divide each weight's step by the size of its
//           recent gradients, so a weight typically moves by about η per step whatever
//           its gradient's scale; they end lowest, and Adam, whose momentum averages out the
//           noisy mini-batch gradients, descends the most steadily.
// Writes:  optimizers.svg (every run's loss and accuracy per epoch) into the folder given
//          as argv[1]; without a folder, no picture.
// Run:     bash scripts/demo.sh optimizers   (builds it; then build/demo/examples/optimizers)
//          build/demo/examples/optimizers docs/images   (regenerates the docs' picture)

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/plot/svg.hpp"
#include "toy_data.hpp"

int main(int argc, char** argv) {
  using S = float;
  constexpr int epochs = 100;
  hnn::Random data_rng(2);
  const auto data = toy::spiral<S>(100, 3, 0.2, data_rng);
  hnn::SoftmaxCrossEntropy<S> loss;

  hnn::Random rng(21);
  hnn::Sequential<S> initial(2);
  initial.add(hnn::Dense<S>(2, 32, rng))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(32, 32, rng))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(32, 3, rng));

  struct Run {
    std::string name;
    std::unique_ptr<hnn::Optimizer<S>> optimizer;
    hnn::History history;
    double accuracy = 0;
  };
  std::vector<Run> runs;
  runs.push_back({"SGD η=0.1", std::make_unique<hnn::SGD<S>>(0.1), {}});
  hnn::SGDOptions momentum;
  momentum.learning_rate = 0.1;
  momentum.momentum = 0.9;
  runs.push_back({"momentum η=0.1", std::make_unique<hnn::SGD<S>>(momentum), {}});
  runs.push_back({"RMSProp η=0.01", std::make_unique<hnn::RMSProp<S>>(0.01), {}});
  runs.push_back({"Adam η=0.01", std::make_unique<hnn::Adam<S>>(0.01), {}});

  hnn::FitOptions<S> options;
  options.epochs = epochs;
  options.batch_size = 32;
  options.seed = 22;
  options.verbosity = hnn::Verbosity::quiet;
  options.metrics = {hnn::Metric::accuracy()};  // measured on each epoch's batches, for the picture
  for (auto& r : runs) {
    hnn::Sequential<S> model = initial;  // the same starting weights for all four
    r.history = model.fit(data.X, data.y, loss, *r.optimizer, options);
    r.accuracy = model.evaluate(data.X, data.y, loss, {hnn::Metric::accuracy()})["accuracy"];
  }

  const double initial_loss = initial.evaluate(data.X, data.y, loss).loss;
  std::cout << "training loss (mean over each epoch's mini-batches), same start and batches\n\n"
            << "epoch";
  for (const auto& r : runs)
    std::cout << std::setw(17) << r.name;
  std::cout << '\n' << std::fixed << std::setprecision(4) << std::setw(5) << 0;
  for (std::size_t k = 0; k < runs.size(); ++k)
    std::cout << std::setw(16) << initial_loss;  // each name holds a two-byte η
  std::cout << '\n';
  for (int e = 1; e <= epochs; ++e) {
    if (e > 5 && e % 10 != 0) continue;
    std::cout << std::setw(5) << e;
    for (const auto& r : runs)
      std::cout << std::setw(16) << r.history["loss"][std::size_t(e - 1)];
    std::cout << '\n';
  }
  std::cout << "\naccuracy after " << epochs << " epochs:";
  for (const auto& r : runs)
    std::cout << "  " << r.name.substr(0, r.name.find(' ')) << ' ' << std::setprecision(1)
              << 100 * r.accuracy << '%';
  std::cout << '\n';

  // The ranking the header promises: each optimizer learns, momentum beats
  // plain SGD, and the adaptive ones end ahead of both, Adam at ≥ 95%.
  // Compared on the mean of the last 10 epochs, so one of momentum's jumps
  // does not decide it.
  const auto late_loss = [&](std::size_t k) {
    const auto& l = runs[k].history["loss"];
    double sum = 0;
    for (std::size_t e = l.size() - 10; e < l.size(); ++e)
      sum += l[e];
    return sum / 10;
  };
  std::cout << "mean loss over the last 10 epochs:";
  for (std::size_t k = 0; k < runs.size(); ++k)
    std::cout << "  " << runs[k].name.substr(0, runs[k].name.find(' ')) << ' '
              << std::setprecision(4) << late_loss(k);
  std::cout << '\n';
  bool ok = true;
  for (std::size_t k = 0; k < runs.size(); ++k)
    ok = ok && late_loss(k) < initial_loss;
  ok = ok && late_loss(1) < late_loss(0) && late_loss(2) < late_loss(1) &&
       late_loss(3) < late_loss(1) && runs[3].accuracy >= 0.95;
  if (argc > 1) {  // the race drawn: loss (log scale) and accuracy per epoch
    namespace plot = hnn::plot;
    plot::Chart losses("Training loss");
    losses.x_label("epoch (0 = before training)").y_label("cross-entropy").log_y();
    losses.y_range(0.004, 2).legend(plot::Legend::bottom_left).size(520, 360);
    plot::Chart accuracy("Training accuracy");
    accuracy.x_label("epoch").y_label("fraction classified right").y_range(0, 1.02).size(520, 360);
    accuracy.legend(plot::Legend::bottom_right).hline(1.0 / 3, "chance: 1/3");
    std::vector<double> epoch(epochs + 1);
    for (int e = 0; e <= epochs; ++e)
      epoch[std::size_t(e)] = e;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      const auto style = plot::Style().color(plot::palette(k)).width(1.5);
      std::vector<double> loss_curve = {initial_loss};  // epoch 0, then 1 … 100
      const auto& l = runs[k].history["loss"];
      loss_curve.insert(loss_curve.end(), l.begin(), l.end());
      losses.line(runs[k].name, epoch, loss_curve, style);
      accuracy.line(runs[k].name, runs[k].history["accuracy"], style);
    }
    plot::Figure figure(2, "Four optimizers, same network, start and mini-batches (spiral)");
    figure.add(losses).add(accuracy);
    std::filesystem::create_directories(argv[1]);
    const std::string path = (std::filesystem::path(argv[1]) / "optimizers.svg").string();
    figure.save(path);
    std::cout << "wrote " << path << '\n';
  }
  std::cout << (ok ? "as expected: SGD > momentum > RMSProp, Adam in loss; Adam >= 95% accurate\n"
                   : "UNEXPECTED ranking or accuracy: see the table\n");
  return ok ? 0 : 1;
}
