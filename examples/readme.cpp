// SPDX-License-Identifier: MIT
// The program of the README: build a network, train it, evaluate it on points it never saw.
//
// Data:    2,000 random points of the square [−1, 1]²: class 1 outside the circle of
//          radius 0.8 (about half of them), class 0 inside. 1,600 train, 400 are held out.
// Network: 2 → Dense(2 → 32) → ReLU → Dense(32 → 2) → (logits); Adam (η = 0.01), 20 epochs.
// Goal:    at least 95% of the held-out points classified right (exit status 0), else 1.
// Run:     build/examples/readme

#include <iostream>

#include "hnn/hnn.hpp"

int main() {
  hnn::Random rng(1);
  hnn::Matrix<float> X(2, 2000);  // one sample per column
  hnn::Labels y(2000);
  for (hnn::Index j = 0; j < X.cols(); ++j) {
    X.col(j) << float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1));
    y(j) = X.col(j).norm() > 0.8f;  // outside the circle: class 1
  }
  const auto data = hnn::train_validation_split(X, y, 0.2, 2);  // 1600 to train, 400 held out

  hnn::Sequential<float> model(2);  // a sample is 2 numbers
  model.add(hnn::Dense<float>(2, 32, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(32, 2, rng));  // one logit per class
  hnn::SoftmaxCrossEntropy<float> loss;
  hnn::Adam<float> adam(0.01);
  hnn::FitOptions<float> options;
  options.epochs = 20;  // mini-batches of 32, shuffled; one line printed per epoch
  model.fit(data.X_train, data.y_train, loss, adam, options);

  const double accuracy = model.evaluate(data.X_validation, data.y_validation, loss,
                                         {hnn::Metric::accuracy()})["accuracy"];
  std::cout << "held-out accuracy: " << 100 * accuracy << "%\n";
  return accuracy >= 0.95 ? 0 : 1;
}
