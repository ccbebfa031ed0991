// SPDX-License-Identifier: MIT
// Next-value prediction of a noisy sine wave, from the previous T values:
// a recurrent network reads the window step by step, an MLP sees it as one
// vector of T numbers. The same data, windows and training for both.
//
// Data:    x_k = sin(2π k / 25) + ε_k, ε_k ~ N(0, 0.1²), k = 0 … 3999; a sample
//          is a window of T = 20 values {20, 1} and its target the next value.
//          The first 3000 values train, the last 1000 test.
// Network: LSTM(1 → 16, last step) → Dense(16 → 1), against
//          Flatten → Dense(20 → 32) → tanh → Dense(32 → 1); MSE, Adam (η = 0.01),
//          batches of 32.
// Look for: both approach the noise floor: the test MSE cannot go below the
//           noise's variance 0.01, which neither model can predict. The
//           recurrent network gets there with 1,233 parameters, the MLP with
//           705, because a window of 20 steps is short: recurrence pays on long
//           ranges (examples/adding_problem.cpp).
// Goal:    both test MSEs ≤ 0.015 = 1.5 × the noise variance (exit 1 otherwise).
// Run:     build/examples/sine_sequence [epochs]     (default 30)

#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "hnn/hnn.hpp"

namespace {

using S = float;
using hnn::Index;
using hnn::Matrix;

constexpr Index window = 20, values = 4000, train_values = 3000;
constexpr double noise = 0.1;

// Windows of the series [begin, end): X (window × n) as sequences {window, 1}, Y (1 × n).
void windows(const std::vector<double>& x, Index begin, Index end, Matrix<S>& X, Matrix<S>& Y) {
  const Index n = end - begin - window;
  X.resize(window, n);
  Y.resize(1, n);
  for (Index j = 0; j < n; ++j) {
    for (Index t = 0; t < window; ++t)
      X(t, j) = S(x[std::size_t(begin + j + t)]);
    Y(0, j) = S(x[std::size_t(begin + j + window)]);
  }
}

double train(hnn::Sequential<S>& model, const Matrix<S>& X, const Matrix<S>& Y, const Matrix<S>& Xt,
             const Matrix<S>& Yt, int epochs) {
  hnn::Adam<S> adam(0.01);
  hnn::FitOptions<S> o;
  o.epochs = epochs;
  o.batch_size = 32;
  o.verbosity = hnn::Verbosity::quiet;
  model.fit(X, Y, hnn::MSE<S>(), adam, o);
  return model.evaluate(Xt, Yt, hnn::MSE<S>()).loss;
}

}  // namespace

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 30;
  const double pi = 3.14159265358979323846;
  hnn::Random rng(1);
  std::vector<double> x(values);
  for (Index k = 0; k < values; ++k)
    x[std::size_t(k)] = std::sin(2 * pi * double(k) / 25) + rng.normal(0, noise);
  Matrix<S> X, Y, Xt, Yt;
  windows(x, 0, train_values, X, Y);
  windows(x, train_values, values, Xt, Yt);

  hnn::Random init(2);
  hnn::Sequential<S> recurrent(hnn::Shape{window, 1});
  hnn::RecurrentOptions last;
  last.output = hnn::SequenceOutput::last;
  recurrent.add(hnn::LSTM<S>(1, 16, init, hnn::LSTMOptions{last, 1.0}))
      .add(hnn::Dense<S>(16, 1, init));
  hnn::Sequential<S> mlp(hnn::Shape{window, 1});
  mlp.add(hnn::Flatten<S>())
      .add(hnn::Dense<S>(window, 32, init))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(32, 1, init));

  const double r = train(recurrent, X, Y, Xt, Yt, epochs);
  const double m = train(mlp, X, Y, Xt, Yt, epochs);
  std::cout << "next value of a noisy sine from the previous " << window << " values, " << X.cols()
            << " training windows, " << epochs << " epochs\n\n"
            << std::fixed << std::setprecision(4) << "  LSTM(1 → 16) → Dense   "
            << recurrent.parameter_count() << " parameters   test MSE " << r << '\n'
            << "  MLP 20 → 32 → 1        " << mlp.parameter_count() << " parameters    test MSE "
            << m << '\n'
            << "  noise floor (σ² of the noise)           " << noise * noise << '\n'
            << "(goal: both test MSEs ≤ " << 1.5 * noise * noise << ")\n";
  return r <= 1.5 * noise * noise && m <= 1.5 * noise * noise ? 0 : 1;
}
