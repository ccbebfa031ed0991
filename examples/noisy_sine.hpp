// SPDX-License-Identifier: MIT
#pragma once
// The over-fitting experiment of chapter 18 (docs/18-regularization.md):
// twenty noisy samples of sin(πx), a network far larger than they need, and
// how it is trained. examples/overfitting.cpp draws the experiment;
// docs/snippets/ch18_regularization.cpp checks the numbers the chapter prints.
//
//   const overfitting::NoisySine data;
//   auto model = overfitting::network(hnn::Penalty::L1(1e-3), 0);
//   hnn::Adam<float> adam(overfitting::learning_rate);
//   model.fit(data.X, data.Y, hnn::MSE<float>(), adam, overfitting::fit_options(data));

#include <cmath>

#include "hnn/hnn.hpp"

namespace overfitting {

// 20 training samples of y = sin(πx) + noise (σ = 0.4), x uniform in
// [−1, 1); 200 validation samples of the curve itself, on a grid. The
// validation loss is then the distance from the curve the network learned
// to the one the noise hides.
struct NoisySine {
  hnn::Matrix<float> X, Y, X_val, Y_val;
  NoisySine() : X(1, 20), Y(1, 20), X_val(1, 200), Y_val(1, 200) {
    const double pi = 3.14159265358979323846;
    hnn::Random rng(4);
    for (hnn::Index j = 0; j < X.cols(); ++j) {
      const double x = rng.uniform(-1, 1);
      X(0, j) = float(x);
      Y(0, j) = float(std::sin(pi * x) + rng.normal(0, 0.4));
    }
    for (hnn::Index j = 0; j < X_val.cols(); ++j) {
      const double x = -1 + 2 * (double(j) + 0.5) / double(X_val.cols());
      X_val(0, j) = float(x);
      Y_val(0, j) = float(std::sin(pi * x));
    }
  }
};

// 1 → 64 → tanh → 64 → tanh → 1: 4,353 parameters for 20 samples. Every
// Dense carries `penalty`; with p > 0 a Dropout(p) follows each tanh.
inline hnn::Sequential<float> network(const hnn::Penalty& penalty, double p) {
  hnn::Random rng(1);
  hnn::Sequential<float> model(1);
  model.add(hnn::Dense<float>(1, 64, rng), penalty).add(hnn::Activation<float, hnn::Tanh>());
  if (p > 0) model.add(hnn::Dropout<float>(p));
  model.add(hnn::Dense<float>(64, 64, rng), penalty).add(hnn::Activation<float, hnn::Tanh>());
  if (p > 0) model.add(hnn::Dropout<float>(p));
  model.add(hnn::Dense<float>(64, 1, rng), penalty);
  return model;
}

// Adam's step size for every run.
inline constexpr double learning_rate = 0.005;

// 2,000 epochs on the full batch, the validation loss after each, quietly.
inline hnn::FitOptions<float> fit_options(const NoisySine& data) {
  hnn::FitOptions<float> options;
  options.epochs = 2000;
  options.batch_size = 0;
  options.verbosity = hnn::Verbosity::quiet;
  options.validate_on(data.X_val, data.Y_val);
  return options;
}

// The middle layer's weights (64 × 64), whichever layers surround it.
inline hnn::Matrix<float> middle_weights(hnn::Sequential<float>& model) {
  for (auto& p : model.parameters())
    if (p.rows() == 64 && p.cols() == 64) return p.value();
  throw hnn::ArgumentError("overfitting::middle_weights: no 64 × 64 weight matrix");
}

}  // namespace overfitting
