// SPDX-License-Identifier: MIT
// The code of docs/14-performance.md: which products of the MNIST network
// hnn splits over threads, and how a program turns threads and
// flush-to-zero on around training.

#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "hnn/hnn.hpp"

using hnn::Index;
using Mf = hnn::Matrix<float>;

namespace {
// Prints `text` when the tests run with -s (doctest's --success), else nothing.
void show(const std::string& text) {
  if (doctest::getContextOptions()->success) MESSAGE(text);
}
}  // namespace

TEST_CASE("ch14: hnn splits a product when its multiply-adds pay for a second thread") {
  // The three layers of the MNIST network (in → out) and a few batch sizes.
  const Index layers[3][2] = {{784, 256}, {256, 128}, {128, 10}};
  std::ostringstream table;
  table << "batch  layer    Z = W X    dW = dZ Xt   (multiply-adds; * = split)\n";
  for (const Index n : {1, 8, 32, 128, 512}) {
    for (const auto& l : layers) {
      const Index in = l[0], out = l[1];
      const Mf W = Mf::Ones(out, in), X = Mf::Ones(in, n), dZ = Mf::Ones(out, n);
      Mf Z(out, n), dW(out, in);
      const double work = double(out) * double(in) * double(n);     // the same for both
      const int z_split = hnn::set_product(Z, W, X);                // Z = W X
      const int w_split = hnn::set_product(dW, dZ, X.transpose());  // dW = dZ Xᵀ
      // The rule: split when the work reaches the threshold, no side of the
      // product is narrower than ParallelThresholds::columns, and there are threads.
      const bool worth = work >= hnn::ParallelThresholds::product &&
                         std::min({in, out, n}) >= hnn::ParallelThresholds::columns &&
                         hnn::max_threads() > 1;
      CHECK((z_split > 1) == worth);
      CHECK((w_split > 1) == worth);
      CHECK(Z(0, 0) == float(in));  // every entry is a sum of `in` ones
      CHECK(dW(0, 0) == float(n));
      table << n << "  " << in << "→" << out << "  " << work / 1e6 << "M"
            << (z_split > 1 ? "*" : "") << "  " << (w_split > 1 ? "*" : "") << '\n';
    }
  }
  show(table.str());
}

TEST_CASE("ch14: threads and flush-to-zero around a training run") {
  hnn::Random rng(5);
  hnn::Sequential<float> model(784);
  model.add(hnn::Dense<float>(784, 256, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(256, 10, rng));
  Mf X(784, 256);
  for (Index i = 0; i < X.size(); ++i)
    X.data()[i] = float(rng.uniform());
  hnn::Labels y(256);
  for (Index j = 0; j < y.size(); ++j)
    y(j) = int(j % 10);
  hnn::Adam<float> adam(1e-3);
  hnn::FitOptions<float> options;
  options.epochs = 3;
  options.batch_size = 128;
  options.verbosity = hnn::Verbosity::quiet;

  // Threads: compile with -fopenmp (CMake: link OpenMP::OpenMP_CXX); then
  // OMP_NUM_THREADS, omp_set_num_threads() or Eigen::setNbThreads() choose
  // how many. Nothing to do in the code.
  // Flush-to-zero: fit turns it on for a float model (FitOptions::flush_to_zero,
  // on by default), in this thread and every OpenMP worker, and off again.
  const hnn::History history = model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, options);
  CHECK(!hnn::FlushToZero::active());  // restored on return
  CHECK(history["loss"].back() < history["loss"].front());
  std::ostringstream s;
  s << "threads hnn may use here: " << hnn::max_threads() << "; loss " << history["loss"].front()
    << " → " << history["loss"].back();
  show(s.str());
}

TEST_CASE("ch14: at batch 1, plain SGD takes W ← W − η dz xᵀ straight from dz and x") {
  hnn::Random rng(6);
  hnn::Dense<float> layer(784, 256, rng, hnn::Init::he_uniform());
  auto params = layer.parameters();  // W, then b
  Mf x(784, 1), dz(256, 1);
  for (Index i = 0; i < x.size(); ++i)
    x(i) = float(rng.uniform());
  for (Index i = 0; i < dz.size(); ++i)
    dz(i) = float(rng.uniform() - 0.5);
  const Mf W0 = layer.W();
  const float lr = 0.1f;

  float* dW = params[0].grad().data();          // dW's storage, read raw below
  std::fill(dW, dW + params[0].size(), 42.0f);  // mark it
  hnn::zero_grad(params);
  layer.forward(x, hnn::Mode::train);
  layer.backward(dz);                // keeps copies of dz and x: 1,040 numbers
  hnn::SGD<float>(lr).step(params);  // W ← W − η dz xᵀ, one product
  const float unwritten = dW[0];
  CHECK(unwritten == 42.0f);  // the 200,704 entries of dW were never written
  CHECK(layer.W().isApprox(W0 - lr * dz * x.transpose()));
  CHECK(params[0].grad().isApprox(dz * x.transpose()));  // reading dW computes it
  CHECK(dW[0] == params[0].grad()(0, 0));
  std::ostringstream s;
  s << "dW(0, 0) after the step: " << unwritten
    << " (unwritten); read through the Parameter: " << params[0].grad()(0, 0)
    << " = dz(0) x(0) = " << dz(0) * x(0);
  show(s.str());
}
