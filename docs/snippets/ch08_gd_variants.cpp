// SPDX-License-Identifier: MIT
// The code of docs/08-gradient-descent-variants.md: steps per epoch for each
// batch size, and the mini-batch gradient as an estimate of the full one —
// unbiased, with a variance that falls as 1/B.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

using hnn::Index;
using hnn::Matrix;

namespace {

// A ring of class 1 around a blob of class 0: no straight line separates them.
template <typename Scalar>
void ring_data(Index n, std::uint64_t seed, Matrix<Scalar>& X, Matrix<Scalar>& Y) {
  hnn::Random rng(seed);
  X.resize(2, n);
  Y.resize(1, n);
  for (Index j = 0; j < n; ++j) {
    const int c = int(j % 2);
    const double angle = 6.283185307179586 * rng.uniform();
    const double radius = c ? rng.uniform(1.0, 1.5) : rng.uniform(0.0, 0.7);
    X(0, j) = Scalar(radius * std::cos(angle));
    X(1, j) = Scalar(radius * std::sin(angle));
    Y(0, j) = Scalar(c);
  }
}

template <typename Scalar>
hnn::Sequential<Scalar> small_network(std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<Scalar> model(2);
  model.add(hnn::Dense<Scalar>(2, 8, rng))
      .add(hnn::Activation<Scalar, hnn::Tanh>())
      .add(hnn::Dense<Scalar>(8, 1, rng));
  return model;
}

// Every parameter gradient of the model, as one long vector, for the loss on
// the columns `X` (one forward and one backward from zeroed gradients).
hnn::Vector<double> gradient(hnn::Sequential<double>& model, const Matrix<double>& X,
                             const Matrix<double>& Y) {
  hnn::BinaryCrossEntropyWithLogits<double> loss;
  model.zero_grad();
  const hnn::ConstRef<double> P = model.forward(X, hnn::Mode::train);
  Matrix<double> dP(P.rows(), P.cols());
  loss.value_and_gradient(P, Y, dP);
  model.backward(dP);
  hnn::Vector<double> g(model.parameter_count());
  Index k = 0;
  for (auto& p : model.parameters()) {
    g.segment(k, p.size()) = Eigen::Map<const hnn::Vector<double>>(p.grad().data(), p.size());
    k += p.size();
  }
  return g;
}

// The columns `idx` of M.
Matrix<double> columns(const Matrix<double>& M, const std::vector<Index>& idx) {
  Matrix<double> S(M.rows(), Index(idx.size()));
  for (std::size_t k = 0; k < idx.size(); ++k)
    S.col(Index(k)) = M.col(idx[k]);
  return S;
}

}  // namespace

TEST_CASE("docs: steps per epoch are ⌈N / B⌉") {
  Matrix<float> X, Y;
  ring_data(100, 1, X, Y);  // N = 100 samples
  hnn::BinaryCrossEntropyWithLogits<float> loss;

  // batch size → steps per epoch. 0 means the full batch; so does any B ≥ N.
  const std::vector<std::pair<Index, long>> cases = {{0, 1},   {100, 1}, {500, 1},
                                                     {1, 100}, {32, 4},  {10, 10}};
  for (const auto& c : cases) {
    const Index batch_size = c.first;  // (a structured binding cannot be captured by INFO's
    const long steps = c.second;       //  lambda in clang 14)
    auto model = small_network<float>(2);
    hnn::SGD<float> sgd(0.1);
    hnn::FitOptions<float> options;
    options.epochs = 3;
    options.batch_size = batch_size;
    options.verbosity = hnn::Verbosity::quiet;
    model.fit(X, Y, loss, sgd, options);
    INFO("batch size " << batch_size);
    CHECK(sgd.steps() == 3 * steps);
  }
}

TEST_CASE("docs: a mini-batch gradient estimates the full gradient, with variance ∝ 1/B") {
  const Index N = 200;
  Matrix<double> X, Y;
  ring_data(N, 3, X, Y);
  auto model = small_network<double>(4);

  // The full-batch gradient g, and each sample's own gradient g_j.
  const hnn::Vector<double> g = gradient(model, X, Y);
  Matrix<double> per_sample(g.size(), N);
  for (Index j = 0; j < N; ++j)
    per_sample.col(j) = gradient(model, X.col(j), Y.col(j));

  // The loss is a mean over samples, so its gradient is the mean of theirs.
  CHECK(per_sample.rowwise().mean().isApprox(g, 1e-12));

  // An epoch of mini-batches (a shuffle cut into N / B equal batches): the
  // batch gradients average to g exactly.
  hnn::Random rng(5);
  std::vector<Index> order(static_cast<std::size_t>(N));
  std::iota(order.begin(), order.end(), Index(0));
  rng.shuffle(order.begin(), order.end());
  hnn::Vector<double> sum = hnn::Vector<double>::Zero(g.size());
  for (std::size_t first = 0; first < order.size(); first += 20) {
    const std::vector<Index> batch(order.begin() + long(first), order.begin() + long(first + 20));
    sum += gradient(model, columns(X, batch), columns(Y, batch));
  }
  CHECK((sum / 10).isApprox(g, 1e-12));

  // The spread of one sample's gradient around g: σ² = (1/N) Σ_j ‖g_j − g‖².
  const double sigma2 = (per_sample.colwise() - g).colwise().squaredNorm().mean();

  // Batches of B samples drawn at random without replacement: the mean
  // squared distance E‖g_B − g‖² is σ²/B · (N − B)/(N − 1).
  std::ostringstream table;
  table << "   B   E‖g_B − g‖² measured   σ²/B · (N−B)/(N−1)   ‖g‖² = " << g.squaredNorm() << '\n';
  for (const Index B : {1, 4, 16, 64, 200}) {
    const int draws = 1000;
    double measured = 0;
    for (int k = 0; k < draws; ++k) {
      rng.shuffle(order.begin(), order.end());
      const std::vector<Index> batch(order.begin(), order.begin() + long(B));
      measured += (gradient(model, columns(X, batch), columns(Y, batch)) - g).squaredNorm();
    }
    measured /= draws;
    const double predicted = sigma2 / double(B) * double(N - B) / double(N - 1);
    table << std::setw(4) << B << std::setw(24) << measured << std::setw(21) << predicted << '\n';
    if (B < N) {
      INFO("B = " << B);
      CHECK(measured == doctest::Approx(predicted).epsilon(0.1));
    } else {
      CHECK(measured < 1e-20);  // the full batch: no noise at all
    }
  }
  show(table.str());
}
