// SPDX-License-Identifier: MIT
// The code of docs/14-performance.md: which products of the MNIST network
// hnn splits over threads; a gradient kept as its two factors at batch 1 and
// plain SGD stepping from them; an optimizer's formula run whole and in
// blocks; subnormal numbers, and flush-to-zero around a training run.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

using hnn::Index;
using Mf = hnn::Matrix<float>;

namespace {}  // namespace

TEST_CASE("docs: hnn splits a product when its multiply-adds pay for a second thread") {
  // The three Dense layers of the MNIST network (in → out) and a few batch sizes.
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

TEST_CASE("docs: at batch 1, plain SGD takes W ← W − η dz xᵀ straight from dz and x") {
  hnn::Random rng(6);
  hnn::Dense<float> layer(784, 256, rng, hnn::Init::he_uniform());
  auto params = layer.parameters();  // W, then b
  Mf x(784, 1), dz(256, 1);
  rng.fill_uniform(x, 0.0, 1.0);
  rng.fill_uniform(dz, -0.5, 0.5);
  const Mf W0 = layer.W();
  const float lr = 0.1f;

  float* dW = params[0].grad().data();          // dW's storage, read raw below
  std::fill(dW, dW + params[0].size(), 42.0f);  // mark it
  hnn::zero_grad(params);                       // marks dW zero, writes nothing
  layer.forward(x, hnn::Mode::train);
  layer.backward(dz);  // dW += dz xᵀ: kept as copies of dz and x, 1,040 numbers
  const auto* lazy = dynamic_cast<const hnn::LazyGradient<float>*>(params[0].deferred());
  REQUIRE(lazy != nullptr);
  CHECK(lazy->holds_factors());      // 1 · (256 + 784) ≤ 256 · 784, and one thread
  hnn::SGD<float>(lr).step(params);  // W ← W − η dz xᵀ, one product
  const float unwritten = dW[0];
  CHECK(unwritten == 42.0f);  // the 200,704 entries of dW were never written
  CHECK(layer.W().isApprox(W0 - lr * dz * x.transpose()));
  CHECK(params[0].grad().isApprox(dz * x.transpose()));  // reading dW writes it out
  CHECK(!lazy->holds_factors());
  CHECK(dW[0] == params[0].grad()(0, 0));
  std::ostringstream s;
  s << "dW(0, 0) after the step: " << unwritten
    << " (unwritten); read through the Parameter: " << params[0].grad()(0, 0)
    << " = dz(0) x(0) = " << dz(0) * x(0);
  show(s.str());

  // At batch 256 the factors would hold more numbers than dW: dW is computed.
  Mf X(784, 256), dZ(256, 256);
  rng.fill_uniform(X, 0.0, 1.0);
  rng.fill_uniform(dZ, -0.5, 0.5);
  hnn::zero_grad(params);
  layer.forward(X, hnn::Mode::train);
  layer.backward(dZ);
  CHECK(!lazy->holds_factors());  // 256 · (256 + 784) > 256 · 784
}

TEST_CASE("docs: an optimizer formula run whole and in blocks gives the same numbers") {
  // Adam's update of chapter 09 without bias correction, as a formula over
  // whole-tensor arrays: w, ∇w (read-only), then the state m and v.
  const auto formula = [](auto w, auto g, auto m, auto v) {
    m = 0.9f * m + 0.1f * g;               // m ← β₁ m + (1 − β₁) g
    v = 0.999f * v + 0.001f * g.square();  // v ← β₂ v + (1 − β₂) g²
    w -= 0.01f * m / (v.sqrt() + 1e-8f);   // w ← w − η m / (√v + ε)
  };
  hnn::Random rng(9);
  Mf w(300, 10), g(300, 10);  // 3,000 elements: two blocks of 1,024 and a partial one
  rng.fill_normal(w, 0.0, 1.0);
  Mf w_blocks = w, m = Mf::Zero(300, 10), v = m, m_blocks = m, v_blocks = m;
  hnn::Parameter<float> whole("w", w, g), blocks("w", w_blocks, g);
  for (int t = 0; t < 10; ++t) {
    rng.fill_normal(g, 0.0, 1.0);
    hnn::update_whole(whole, formula, m, v);  // each line once, over all 3,000 elements
    hnn::update_in_blocks(blocks, formula, m_blocks, v_blocks);  // every line on 1,024 at a time
  }
  const float largest = (w - w_blocks).cwiseAbs().maxCoeff();
  CHECK(largest <= 1e-6f);  // the same arithmetic, element by element
  show("largest difference after 10 steps: " + std::to_string(largest));
}

TEST_CASE("docs: a first moment that stops getting gradient becomes subnormal") {
  // Adam's first moment m of a weight whose gradient has become 0: m ← β₁ m.
  volatile float m = 1e-3f;
  int steps = 0;
  while (std::fpclassify(m) == FP_NORMAL) {
    m = 0.9f * m;
    ++steps;
  }
  CHECK(std::fpclassify(m) == FP_SUBNORMAL);  // below 1.18e-38, slow on most x86 CPUs
  CHECK(steps == 764);

  if (hnn::FlushToZero::supported()) {
    hnn::FlushToZero ftz;  // while it lives: subnormal inputs read as 0, results flush to 0
    volatile float next = 0.9f * m;
    CHECK(next == 0.0f);
  }
  volatile float after = 0.9f * m;  // the switch is off again
  CHECK(std::fpclassify(after) == FP_SUBNORMAL);
}

TEST_CASE("docs: threads and flush-to-zero around a training run") {
  hnn::Random rng(5);
  hnn::Sequential<float> model(784);
  model.add(hnn::Dense<float>(784, 256, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(256, 10, rng));
  Mf X(784, 256);
  rng.fill_uniform(X, 0.0, 1.0);
  hnn::Labels y(256);
  for (Index j = 0; j < y.size(); ++j)
    y(j) = int(j % 10);
  hnn::Adam<float> adam(1e-3);
  hnn::FitOptions<float> options;
  options.epochs = 3;
  options.batch_size = 128;
  options.verbosity = hnn::Verbosity::quiet;
  bool flushing = false;  // what a callback sees during training
  options.callbacks = {std::make_shared<hnn::EpochCallback<float>>(
      [&flushing](hnn::TrainingState<float>&) { flushing = hnn::FlushToZero::active(); })};

  // Threads: compile with -fopenmp (CMake: link OpenMP::OpenMP_CXX); then
  // OMP_NUM_THREADS, omp_set_num_threads() or Eigen::setNbThreads() choose
  // how many. Nothing to do in the code.
  // Flush-to-zero: fit turns it on for a float model (FitOptions::flush_to_zero,
  // on by default), in this thread and every OpenMP worker, and off again.
  const hnn::History history = model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, options);
  CHECK(flushing == hnn::FlushToZero::supported());  // on while fit runs, callbacks included
  CHECK(!hnn::FlushToZero::active());                // restored on return
  CHECK(history["loss"].back() < history["loss"].front());

  options.flush_to_zero = false;  // subnormals kept, as IEEE 754 has them
  model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, options);
  CHECK(!flushing);
  std::ostringstream s;
  s << "threads hnn may use here: " << hnn::max_threads() << "; loss " << history["loss"].front()
    << " → " << history["loss"].back();
  show(s.str());
}
