// SPDX-License-Identifier: MIT
// bench_export: the host latency of one prediction of the exported MNIST MLP
//
//   28×28×1 → Flatten → Dense 256 → ReLU → Dense 128 → ReLU → Dense 10
//
// (examples/mnist.cpp's network, weights as bench_mlp's, not trained), four ways:
//   C float    mnist_f_predict(x, out): the header export_c writes, in float
//   C int8     mnist_q_predict(x, out): the same model exported in int8
//   predict    model.predict(x) on one sample (returns a new matrix)
//   forward    model.forward(x, Mode::infer) on one sample (returns a view)
// The headers and the model file are made at build time by bench_export_models
// (bench/CMakeLists.txt) and compiled into this program: a header export_c
// writes is valid C++, so here it is compiled as C++ with the flags of every
// benchmark (-O3), in the same program as the model it came from.
//
//   bench_export [--reps 5000] [--warmup 500] [--samples 64]
//
// One thread (Eigen::setNbThreads(1)). Each repetition times one call of each
// of the four on the same sample, in an order rotated every repetition
// (interleaved, so a slower stretch of the machine falls on all four), the
// samples (uniform in [0, 1), seed 0) taken in turn. Prints the median, 99th
// percentile, mean and minimum of each in µs, and how far the exports are
// from predict over the samples: float max|a − b| / max|b| per sample (the
// worst), int8 the share of samples whose top-1 class is predict's. Then one
// JSON line.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "hnn/hnn.hpp"

#define MNIST_F_IMPLEMENTATION
#include "mnist_float.h"
#define MNIST_Q_IMPLEMENTATION
#include "mnist_int8.h"

#ifndef HNN_BENCH_EXPORT_MODEL
#error "HNN_BENCH_EXPORT_MODEL (the path of mnist_mlp.hnn) is set by bench/CMakeLists.txt"
#endif

namespace {

using namespace hnn_bench;

struct Options {
  int reps = 5000, warmup = 500;
  hnn::Index samples = 64;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--reps" && has_value) {
      o.reps = std::atoi(argv[++i]);
    } else if (a == "--warmup" && has_value) {
      o.warmup = std::atoi(argv[++i]);
    } else if (a == "--samples" && has_value) {
      o.samples = hnn::Index(std::atol(argv[++i]));
    } else {
      std::cerr << "usage: bench_export [--reps N] [--warmup N] [--samples N]\n";
      std::exit(2);
    }
  }
  if (o.reps < 1 || o.warmup < 0 || o.samples < 1) {
    std::cerr << "bench_export: --reps and --samples must be at least 1, --warmup at least 0\n";
    std::exit(2);
  }
  return o;
}

hnn::Index top1(const float* v, hnn::Index n) {
  hnn::Index best = 0;
  for (hnn::Index i = 1; i < n; ++i)
    best = v[i] > v[best] ? i : best;
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  set_threads(1);
  auto model = hnn::load_model<float>(HNN_BENCH_EXPORT_MODEL);
  const Mat X = random_inputs(MNIST_F_INPUT_SIZE, o.samples, 0);
  std::vector<Mat> columns;
  for (hnn::Index j = 0; j < X.cols(); ++j)
    columns.push_back(X.col(j));

  // How far the exports are from predict, before any timing.
  double worst_float = 0;
  hnn::Index agree = 0;
  for (hnn::Index j = 0; j < X.cols(); ++j) {
    const Mat p = model.predict(columns[std::size_t(j)]);
    float f[MNIST_F_OUTPUT_SIZE], q[MNIST_Q_OUTPUT_SIZE];
    mnist_f_predict(columns[std::size_t(j)].data(), f);
    mnist_q_predict(columns[std::size_t(j)].data(), q);
    double diff = 0, scale = 0;
    for (int i = 0; i < MNIST_F_OUTPUT_SIZE; ++i) {
      diff = std::max(diff, double(std::fabs(f[i] - p(i, 0))));
      scale = std::max(scale, double(std::fabs(p(i, 0))));
    }
    worst_float = std::max(worst_float, diff / scale);
    agree += top1(q, MNIST_Q_OUTPUT_SIZE) == top1(p.data(), p.rows());
  }

  // Interleaved timing: one call of each per repetition, the order rotated.
  const char* names[4] = {"exported C, float (mnist_f_predict)",
                          "exported C, int8 (mnist_q_predict)", "model.predict(x)",
                          "model.forward(x, infer)"};
  std::array<std::vector<double>, 4> us;
  float out[MNIST_F_OUTPUT_SIZE];
  float sink = 0;
  for (int r = -o.warmup; r < o.reps; ++r) {
    const Mat& x = columns[std::size_t((r + o.warmup) % int(columns.size()))];
    for (int k = 0; k < 4; ++k) {
      const int which = (k + (r + o.warmup)) % 4;
      const auto t0 = Clock::now();
      if (which == 0) {
        mnist_f_predict(x.data(), out);
        sink += out[0];
      } else if (which == 1) {
        mnist_q_predict(x.data(), out);
        sink += out[0];
      } else if (which == 2) {
        const Mat p = model.predict(x);
        sink += p(0, 0);
      } else {
        const auto& y = model.forward(x, hnn::Mode::infer);
        sink += y(0, 0);
      }
      const auto t1 = Clock::now();
      if (r >= 0) us[std::size_t(which)].push_back(1e6 * seconds_between(t0, t1));
    }
  }

  std::cout << "one prediction of the MNIST MLP (784-256-128-10, ReLU), 1 thread, " << o.reps
            << " interleaved repetitions over " << o.samples << " samples, microseconds\n";
  std::cout << std::left << std::setw(38) << "" << std::right << std::setw(9) << "median"
            << std::setw(9) << "p99" << std::setw(9) << "mean" << std::setw(9) << "min" << '\n';
  Json j;
  j.add("bench", "export").add("reps", o.reps).add("samples", long(o.samples));
  const char* keys[4] = {"c_float", "c_int8", "predict", "forward"};
  for (std::size_t k = 0; k < 4; ++k) {
    const Percentiles p = percentiles(us[k]);
    std::cout << std::left << std::setw(38) << names[k] << std::right << std::fixed
              << std::setprecision(1) << std::setw(9) << p.p50 << std::setw(9) << p.p99
              << std::setw(9) << p.mean << std::setw(9) << p.min << '\n';
    j.add(std::string(keys[k]) + "_p50_us", p.p50).add(std::string(keys[k]) + "_p99_us", p.p99);
  }
  std::cout << std::setprecision(2) << "float export vs predict: worst max|a - b| / max|b| "
            << std::scientific << worst_float << std::fixed << "; int8 top-1 = predict's on "
            << agree << " of " << o.samples << " samples\n";
  std::cout << "scratch: float " << MNIST_F_SCRATCH_FLOATS * 4 << " bytes, int8 "
            << MNIST_Q_SCRATCH_FLOATS * 4 << " bytes\n";
  j.add("float_worst_relative", worst_float).add("int8_top1_agree", long(agree));
  j.add("checksum", double(sink));
  add_thread_state(j, 1);
  finish(j);
  return 0;
}
