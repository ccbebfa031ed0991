// SPDX-License-Identifier: MIT
// XOR: the smallest problem a single layer cannot solve. The four points
// (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0 are not separable by one straight line,
// so the network needs a hidden layer to bend the input space first.
//
// Network: 2 → Dense(2 → 4) → Tanh → Dense(4 → 1) → (logit)
// Loss:    BinaryCrossEntropyWithLogits; optimizer: Adam (η = 0.05), full batch.
// Run:     build/demo/examples/xor       (docs/07-training-loop.md walks through it)

#include <cmath>
#include <iomanip>
#include <iostream>

#include "hnn/hnn.hpp"

int main() {
  using S = double;
  // Four samples, one per column.
  hnn::Matrix<S> X(2, 4), Y(1, 4);
  X << 0, 0, 1, 1,  //
      0, 1, 0, 1;
  Y << 0, 1, 1, 0;

  hnn::Random rng(7);
  hnn::Sequential<S> model(2);
  model.add(hnn::Dense<S>(2, 4, rng))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(4, 1, rng));
  std::cout << model.summary() << '\n';

  hnn::BinaryCrossEntropyWithLogits<S> loss;
  hnn::Adam<S> adam(0.05);
  hnn::FitOptions<S> options;
  options.epochs = 500;
  options.batch_size = 0;  // the full batch: all four samples every step
  options.verbosity = hnn::Verbosity::quiet;
  options.metrics = {hnn::Metric::binary_accuracy(0.0)};  // logits: class 1 when z > 0
  options.callbacks.push_back(std::make_shared<hnn::EpochCallback<S>>([](auto& state) {
    const int e = state.epoch + 1;
    if (e == 1 || e % 100 == 0) {
      std::cout << "epoch " << std::setw(3) << e << "  loss " << std::fixed << std::setprecision(5)
                << hnn::last(state.history, "loss") << "  accuracy "
                << hnn::last(state.history, "accuracy") << '\n';
    }
  }));
  model.fit(X, Y, loss, adam, options);

  // The truth table: σ(z) is the probability of output 1.
  const hnn::Matrix<S> Z = model.predict(X);
  int correct = 0;
  std::cout << "\n x1 x2 | target | P(1)   | predicted\n";
  for (hnn::Index j = 0; j < 4; ++j) {
    const double p = 1 / (1 + std::exp(-Z(0, j)));
    const int predicted = p > 0.5;
    correct += predicted == int(Y(0, j));
    std::cout << "  " << int(X(0, j)) << "  " << int(X(1, j)) << " |   " << int(Y(0, j)) << "    | "
              << std::setprecision(4) << p << " |  " << predicted
              << (predicted == int(Y(0, j)) ? "  ok" : "  WRONG") << '\n';
  }
  std::cout << '\n' << correct << "/4 correct\n";
  return correct == 4 ? 0 : 1;
}
