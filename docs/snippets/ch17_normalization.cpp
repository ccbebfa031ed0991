// SPDX-License-Identifier: MIT
// The code of docs/17-normalization.md: batch normalization by hand, an image
// batch read as one row per channel, the running statistics following the
// batches, a deep network trained with and without BatchNorm, and the
// refusal of a training batch of one sample.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>

#include "hnn/hnn.hpp"
#include "hnn/layers/batch_norm.hpp"
#include "hnn/layers/layer_norm.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

using hnn::Index;
using hnn::Matrix;

namespace {

// Two rings in the plane: class 0 at radius 1, class 1 at radius 2, with
// noise; alternating, one sample per column. No straight line separates them.
struct Rings {
  Matrix<float> X;
  hnn::Labels y;
  Rings(Index n, std::uint64_t seed) : X(2, n), y(n) {
    hnn::Random rng(seed);
    for (Index j = 0; j < n; ++j) {
      y(j) = int(j % 2);
      const double r = (y(j) ? 2.0 : 1.0) + rng.normal(0, 0.15);
      const double angle = rng.uniform(0, 6.283185307179586);
      X(0, j) = float(r * std::cos(angle));
      X(1, j) = float(r * std::sin(angle));
    }
  }
};

// Five hidden layers of 32 ReLU units, weights drawn small (σ = 0.1): each
// layer shrinks the signal, and with it the gradients (chapter 11). With
// `normalized`, a BatchNorm after every hidden Dense layer puts each unit
// back at mean 0 and variance 1 for the batch.
hnn::Sequential<float> deep(bool normalized, std::uint64_t seed) {
  hnn::Random rng(seed);
  const auto small = hnn::Init::normal(0, 0.1);
  hnn::Sequential<float> model(2);
  Index in = 2;
  for (int layer = 0; layer < 5; ++layer) {
    model.add(hnn::Dense<float>(in, 32, rng, small));
    if (normalized) model.add(hnn::BatchNorm<float>(32));
    model.add(hnn::Activation<float, hnn::ReLU>());
    in = 32;
  }
  model.add(hnn::Dense<float>(32, 2, rng, small));
  return model;
}

}  // namespace

TEST_CASE("docs: batch normalization by hand") {
  hnn::BatchNorm<double> bn(1);  // one feature
  Matrix<double> X(1, 4);        // four samples of it
  X << 1, 2, 3, 4;
  const Matrix<double> Y = bn.forward(X, hnn::Mode::train);
  // μ = 2.5, σ² = (1.5² + 0.5² + 0.5² + 1.5²)/4 = 1.25, Y = (X − μ)/√(σ² + ε)
  CHECK(Y(0, 0) == doctest::Approx(-1.5 / std::sqrt(1.25 + 1e-5)));
  // running_mean = 0.9 · 0 + 0.1 · 2.5;  running_var = 0.9 · 1 + 0.1 · 1.25 · 4/3
  CHECK(bn.running_mean()(0, 0) == doctest::Approx(0.25));
  CHECK(bn.running_var()(0, 0) == doctest::Approx(0.9 + 0.1 * 1.25 * 4.0 / 3.0));
  std::ostringstream s;
  s << "Y = " << Y << "\nrunning_mean = " << bn.running_mean()
    << ", running_var = " << bn.running_var();
  show(s.str());
}

TEST_CASE("docs: an image batch is one row per channel") {
  // Two samples of {C, H, W} = {2, 1, 3}: value (c, h, w) of sample j is 100 j + 10 c + w.
  const Index C = 2, W = 3;
  Matrix<double> X(C * W, 2);
  for (Index j = 0; j < 2; ++j)
    for (Index c = 0; c < C; ++c)
      for (Index w = 0; w < W; ++w)
        X(w * C + c, j) =
            100.0 * double(j) + 10.0 * double(c) + double(w);  // offset (h W + w) C + c

  // The same memory read as (C × H·W·n): row c is every value of channel c.
  const Eigen::Map<const Matrix<double>> per_channel(X.data(), C, X.size() / C);
  CHECK(per_channel.row(0) == (Eigen::RowVectorXd(6) << 0, 1, 2, 100, 101, 102).finished());
  CHECK(per_channel.row(1) == (Eigen::RowVectorXd(6) << 10, 11, 12, 110, 111, 112).finished());
  std::ostringstream s;
  s << "per channel =\n" << per_channel;
  show(s.str());
}

TEST_CASE("docs: the running statistics follow the batches") {
  // Batches of 32 values of one feature drawn from a normal of mean 2, variance 9.
  hnn::BatchNorm<double> bn(1);
  hnn::Random rng(17);
  Matrix<double> X(1, 32);
  std::ostringstream table;
  table << "step k   running_mean   2 (1 − 0.9^k)   running_var   9 − 8 · 0.9^k\n";
  for (int k = 1; k <= 50; ++k) {
    rng.fill_normal(X, 2.0, 3.0);
    bn.forward(X, hnn::Mode::train);
    if (k == 1 || k == 2 || k == 5 || k == 10 || k == 20 || k == 50) {
      const double decay = std::pow(0.9, k);  // the weight left on the starting values
      table << std::setw(6) << k << std::setprecision(3) << std::setw(15) << bn.running_mean()(0, 0)
            << std::setw(16) << 2 * (1 - decay) << std::setw(14) << bn.running_var()(0, 0)
            << std::setw(16) << 9 - 8 * decay << '\n';
    }
  }
  show(table.str());
  CHECK(std::abs(bn.running_mean()(0, 0) - 2.0) < 0.5);
  CHECK(std::abs(bn.running_var()(0, 0) - 9.0) < 2.0);
}

TEST_CASE("docs: a deep network with and without batch normalization") {
  const Rings data(512, 1);
  hnn::SoftmaxCrossEntropy<float> loss;
  auto plain = deep(false, 2), normalized = deep(true, 2);
  hnn::SGD<float> sgd_plain(0.1), sgd_normalized(0.1);
  hnn::FitOptions<float> options;
  options.epochs = 20;
  options.batch_size = 32;
  options.verbosity = hnn::Verbosity::quiet;
  const auto without = plain.fit(data.X, data.y, loss, sgd_plain, options)["loss"];
  const auto with = normalized.fit(data.X, data.y, loss, sgd_normalized, options)["loss"];
  std::ostringstream table;
  table << "epoch   plain   with BatchNorm\n";
  for (const std::size_t epoch : {1, 2, 5, 10, 15, 20}) {
    table << std::setw(5) << epoch << std::setw(8) << std::setprecision(3) << without[epoch - 1]
          << std::setw(17) << with[epoch - 1] << '\n';
  }
  show(table.str());
  CHECK(without.back() > 0.6);  // ln 2 = 0.693 is a guess
  CHECK(with.back() < 0.2);     // the rings are learned
  // In inference, BatchNorm uses its running statistics: the trained model
  // classifies the rings without a batch to take statistics from.
  const auto e = normalized.evaluate(data.X, data.y, loss, {hnn::Metric::accuracy()});
  show("inference accuracy with BatchNorm: " + std::to_string(e["accuracy"]));
  CHECK(e["accuracy"] > 0.9);
}

TEST_CASE("docs: a training batch of one sample is refused") {
  hnn::BatchNorm<float> bn(3);
  const Matrix<float> one = Matrix<float>::Ones(3, 1);
  std::string message;
  try {
    bn.forward(one, hnn::Mode::train);
  } catch (const hnn::ArgumentError& e) {
    message = e.what();
  }
  CHECK(message ==
        "BatchNorm(channels=3, momentum=0.1, epsilon=1e-05).forward: a training batch of 1 "
        "sample has 1 value per channel, whose variance is 0 (0/0 unbiased): batch statistics "
        "need at least 2 samples. If this is the partial last batch of an epoch (samples mod "
        "batch_size = 1), drop it (FitOptions::drop_last = true) or choose another batch_size");
  show(message);
  CHECK(bn.forward(one, hnn::Mode::infer).cols() == 1);  // inference takes any batch
  hnn::LayerNorm<float> ln(3);                           // per sample: a batch of one is fine
  CHECK(ln.forward(one, hnn::Mode::train).cols() == 1);
}
