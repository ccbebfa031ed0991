// SPDX-License-Identifier: MIT
// Regression: learn y = sin(x) on [−π, π] from 200 samples. The network's
// output is a real number, not a class: the last Dense layer has no
// activation, and the loss is the mean squared error. The tanh units are
// smooth S-shaped pieces; the output layer adds them up, weighted, into the
// curve.
//
// Network: 1 → Dense(1 → 32) → Tanh → Dense(32 → 32) → Tanh → Dense(32 → 1)
// Loss:    MSE; optimizer: Adam (η = 0.01, cosine-annealed to 0), mini-batches of 32.
// Look for: the MSE falling by more than three orders of magnitude; the error column in the
//           table, largest near the ends ±π where the curve bends and the data stop;
//           the MSE on 1000 points between the training samples staying as low as on
//           the samples themselves (the network learned the curve, not the points).
// Run:     bash scripts/demo.sh sine   (builds it; then build/demo/examples/sine)

#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <vector>

#include "hnn/hnn.hpp"

int main() {
  using S = float;
  const double pi = 3.14159265358979323846;

  // 200 training samples at random x; a test grid of 1000 evenly spaced x.
  hnn::Random data_rng(3);
  hnn::Matrix<S> X(1, 200), Y(1, 200), X_grid(1, 1000), Y_grid(1, 1000);
  data_rng.fill_uniform(X, -pi, pi);
  Y = X.array().sin();
  for (hnn::Index j = 0; j < X_grid.cols(); ++j)
    X_grid(0, j) = S(-pi + 2 * pi * double(j) / double(X_grid.cols() - 1));
  Y_grid = X_grid.array().sin();

  hnn::Random rng(4);
  hnn::Sequential<S> model(1);
  model.add(hnn::Dense<S>(1, 32, rng))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(32, 32, rng))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(32, 1, rng));
  std::cout << model.summary() << '\n';

  hnn::MSE<S> loss;
  hnn::Adam<S> adam(0.01);
  hnn::FitOptions<S> options;
  options.epochs = 300;
  options.batch_size = 32;
  options.verbosity = hnn::Verbosity::quiet;
  // η falls from 0.01 to 0 along a half cosine: big steps to find the shape,
  // small ones at the end to settle into it instead of bouncing around it.
  options.callbacks.push_back(
      std::make_shared<hnn::LearningRateScheduler<S>>(hnn::Schedule::cosine(options.epochs)));
  options.callbacks.push_back(std::make_shared<hnn::EpochCallback<S>>([](auto& state) {
    const int e = state.epoch + 1;
    if (e == 1 || e % 50 == 0) {
      std::cout << "epoch " << std::setw(3) << e << "  MSE " << std::scientific
                << std::setprecision(2) << hnn::last(state.history, "loss") << "  learning rate "
                << hnn::last(state.history, "lr") << '\n';
    }
  }));
  model.fit(X, Y, loss, adam, options);

  // What the network computes at a few points.
  hnn::Matrix<S> x_show(1, 9);
  for (hnn::Index j = 0; j < 9; ++j)
    x_show(0, j) = S(-pi + pi * double(j) / 4);
  const hnn::Matrix<S> y_show = model.predict(x_show);
  // Rounded as printed, so that sin(π) ≈ −9e−8 in float shows as 0.000, not −0.000.
  const auto shown = [](double v) { return std::round(v * 1000) / 1000 + 0.0; };
  std::cout << "\n     x    sin(x)   network    error\n" << std::fixed << std::setprecision(3);
  for (hnn::Index j = 0; j < 9; ++j) {
    const double x = x_show(0, j), truth = std::sin(x), guess = y_show(0, j);
    std::cout << std::setw(7) << shown(x) << std::setw(9) << shown(truth) << std::setw(10)
              << shown(guess) << std::setw(9) << shown(guess - truth) << '\n';
  }

  // The loss is the MSE; R² says how much of sin's variance the network explains.
  const std::vector<hnn::Metric> metrics = {hnn::Metric::mae(), hnn::Metric::r2()};
  const auto train = model.evaluate(X, Y, loss, metrics);
  const auto grid = model.evaluate(X_grid, Y_grid, loss, metrics);
  std::cout << std::scientific << std::setprecision(2) << "\ntraining samples  MSE " << train.loss
            << "  MAE " << train["mae"] << "  R² " << std::fixed << std::setprecision(5)
            << train["r2"] << '\n'
            << std::scientific << std::setprecision(2) << "test grid         MSE " << grid.loss
            << "  MAE " << grid["mae"] << "  R² " << std::fixed << std::setprecision(5)
            << grid["r2"] << "\n(goal: MSE < 0.01 on both)\n";
  return train.loss < 0.01 && grid.loss < 0.01 ? 0 : 1;
}
