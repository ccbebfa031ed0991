// SPDX-License-Identifier: MIT
// Training throughput of a single-layer LSTM, the race against PyTorch's
// nn.LSTM (bench/torch_lstm.py, the same shapes and loop):
//
//   {32, 64} sequences → LSTM(64 → 128, last step) → Dense(128 → 10),
//   softmax cross-entropy, plain SGD (η = 0.01), float32,
//
// one pass over --samples random sequences (fixed seed) in batches of
// --batch, after --warmup steps; each step is zero_grad, forward, loss and
// gradient, backward, SGD step. Prints one JSON line with samples_per_s
// (sequences per second).
//
//   bench_lstm --batch 32 --threads 1 [--samples 4096] [--warmup 5]
//
// Threads: Eigen::setNbThreads(T) and, when built with OpenMP, omp_set_num_threads(T).

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "hnn/hnn.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

int main(int argc, char** argv) {
  hnn::Index batch = 32, samples = 0, warmup = 5;
  int threads = 1;
  for (int k = 1; k + 1 < argc; k += 2) {
    const std::string a = argv[k];
    const long v = std::atol(argv[k + 1]);
    if (a == "--batch") {
      batch = v;
    } else if (a == "--samples") {
      samples = v;
    } else if (a == "--warmup") {
      warmup = v;
    } else if (a == "--threads") {
      threads = int(v);
    } else {
      std::cerr << "usage: bench_lstm --batch B --threads T [--samples N] [--warmup W]\n";
      return 2;
    }
  }
  if (batch < 1 || threads < 1) return 2;
  if (samples == 0) samples = batch == 1 ? 512 : 4096;
  Eigen::setNbThreads(threads);
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  using S = float;
  constexpr hnn::Index T = 32, F = 64, H = 128, classes = 10;
  hnn::Random rng(0);
  hnn::Matrix<S> X(T * F, samples);
  rng.fill_uniform(X, 0.0f, 1.0f);
  hnn::Labels y(samples);
  for (hnn::Index j = 0; j < samples; ++j)
    y(j) = int(rng.below(classes));

  hnn::Sequential<S> model(hnn::Shape{T, F});
  hnn::LSTMOptions last;
  last.output = hnn::SequenceOutput::last;
  model.add(hnn::LSTM<S>(F, H, rng, last)).add(hnn::Dense<S>(H, classes, rng));
  hnn::SGD<S> sgd(0.01);
  const hnn::SoftmaxCrossEntropy<S> loss;
  auto params = model.parameters();
  hnn::Matrix<S> dP(classes, batch);
  S last_loss = 0;
  const auto step = [&](hnn::Index start) {
    const hnn::Index n = std::min(batch, samples - start);
    model.zero_grad();
    const auto P = model.forward(X.middleCols(start, n), hnn::Mode::train);
    auto d = dP.leftCols(n);
    last_loss = loss.value_and_gradient(P, y.segment(start, n), d);
    model.backward(d);
    sgd.step(params);
  };
  for (hnn::Index i = 0; i < warmup; ++i)
    step((i * batch) % samples);
  const auto t0 = std::chrono::steady_clock::now();
  for (hnn::Index start = 0; start < samples; start += batch)
    step(start);
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "{\"impl\": \"hnn\", \"net\": \"lstm\", \"batch\": " << batch
            << ", \"threads\": " << threads << ", \"samples\": " << samples
            << ", \"seconds\": " << dt << ", \"samples_per_s\": " << double(samples) / dt
            << ", \"final_loss\": " << last_loss << "}\n";
  return 0;
}
