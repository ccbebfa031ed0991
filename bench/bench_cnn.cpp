// SPDX-License-Identifier: MIT
// bench_cnn: throughput and latency of hnn on the benchmark convolutional network
//
//   1×28×28 → Conv2D(1 → 32, 3×3) → ReLU → MaxPool2D(2×2)      → 32×13×13
//           → Conv2D(32 → 64, 3×3) → ReLU → MaxPool2D(2×2)     → 64×5×5
//           → Flatten → Dense(1600 → 128) → ReLU → Dense(128 → 10),
//   SoftmaxCrossEntropy on labels, float32, one epoch over N random samples (uniform [0, 1),
//   labels uniform in 0..9, seed 0), SGD (lr 0.01) or Adam (lr 1e-3, β 0.9/0.999, ε 1e-8)
//
// the network of ../shared/bench/torch_cnn.py, weights and biases drawn like PyTorch's defaults
// (U(−1/√fan_in, 1/√fan_in), fan_in = kh·kw·C for a convolution). About 2.6 million
// multiply-adds forward per sample. One JSON line out ("net": "bench-cnn").
//
//   bench_cnn --mode train   --batch 32 --opt adam --threads 2 --ftz
//   bench_cnn --mode gemm    --batch 32 --threads 1
//   bench_cnn --mode infer   --threads 1 [--reps 5000]
//   bench_cnn --mode profile --batch 32 --opt sgd --threads 1
//
// Modes:
//   train    model.fit(X, y, loss, optimizer, {1 epoch, batch B, shuffle off, quiet}) timed from
//            outside, after `--warmup` steps taken by a first fit() on the first warmup·B samples:
//            the library as a user calls it. Reports samples/s and the process's peak RSS.
//   gemm     only the step's matrix products, into preallocated buffers, over the same
//            batches (the last one partial), with hnn::set_product as the layers compute them
//            (`--products eigen`: plain Eigen noalias() calls, Eigen's own threading). Forward
//            Y = W·P for both convolutions (P = im2col(X), kh·kw·C × out_h·out_w·B, taken in
//            chunks of samples as Conv2D takes it: perf/chunks.hpp) and Z = W·X
//            for both dense layers; backward dW for all four, dP = Wᵀ·dY for the second
//            convolution and dX = Wᵀ·dZ for both dense layers (the first convolution computes no
//            input gradient). About 7.7 million multiply-adds per sample: the GEMM-only limit
//            of `train`.
//   infer    single-image latency: one column through the model in inference mode, `--reps`
//            times, each call timed: model.forward(x, Mode::infer) (returns a view) and
//            model.predict(x) (returns a new matrix). p50 / p99 / mean in microseconds.
//            (`--mode latency` is the same, bench_mlp's name for it.)
//   profile  fit's loop written out with the same library calls (zero_grad, each layer's
//            forward, loss value, loss gradient, each layer's backward, optimizer step), each
//            phase timed; then, over the same batches, the parts of the convolutions alone
//            (im2col, col2im, each product, the bias broadcast and row sums) at the same
//            shapes. A table goes to stderr, the JSON line to stdout.
//
// Threads: Eigen::setNbThreads(T) and, when built with OpenMP, omp_set_num_threads(T).
// --ftz: flush-to-zero and denormals-are-zero in this thread and in every OpenMP worker.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "bench_common.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/conv2d.hpp"
#include "hnn/layers/im2col.hpp"
#include "hnn/layers/max_pool2d.hpp"
#include "hnn/layers/window.hpp"
#include "hnn/perf/chunks.hpp"
#include "hnn/perf/patches.hpp"

namespace {

using namespace hnn_bench;
using hnn::Index;

// The network's sizes.
constexpr Index kSide = 28, kPixels = kSide * kSide, kClasses = 10;
constexpr Index kK = 3;                                        // both kernels 3×3
constexpr Index kC1 = 32, kC2 = 64;                            // filters of the two convolutions
constexpr Index kOut1 = 26, kPool1 = 13;                       // 28 − 3 + 1, ⌊26 / 2⌋
constexpr Index kOut2 = 11, kPool2 = 5;                        // 13 − 3 + 1, ⌊11 / 2⌋
constexpr Index kFlat = kC2 * kPool2 * kPool2, kHidden = 128;  // 1600, 128

Args parse(int argc, char** argv) {
  Args a;
  a.samples = 12000;  // torch_cnn.py's default
  a.reps = 5000;      // infer mode
  a = parse_args(argc, argv, "bench_cnn", a, {"train", "gemm", "infer", "latency", "profile"});
  if (a.mode == "latency") a.mode = "infer";  // bench_mlp's name for it
  return a;
}

// ---- the network -------------------------------------------------------------------------

hnn::Conv2DOptions torch_conv(Index in_channels) {
  hnn::Conv2DOptions o;
  o.weights = torch_default(kK * kK * in_channels);
  o.bias_init = torch_default(kK * kK * in_channels);
  return o;
}

hnn::Sequential<float> make_model(std::uint64_t seed) {
  hnn::Random rng(seed + 7);
  hnn::Sequential<float> model(hnn::Shape{1, kSide, kSide});
  model.add(hnn::Conv2D<float>(1, kC1, hnn::Window(kK), rng, torch_conv(1)))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::MaxPool2D<float>(hnn::Window(2)))
      .add(hnn::Conv2D<float>(kC1, kC2, hnn::Window(kK), rng, torch_conv(kC1)))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::MaxPool2D<float>(hnn::Window(2)))
      .add(hnn::Flatten<float>())
      .add(hnn::Dense<float>(kFlat, kHidden, rng, torch_default(kFlat), torch_default(kFlat)))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(kHidden, kClasses, rng, torch_default(kHidden),
                             torch_default(kHidden)));
  return model;
}

Mat random_images(Index samples, std::uint64_t seed) {
  return random_inputs(kPixels, samples, seed);
}

// The geometry of each convolution's window over its input image.
hnn::WindowGeometry conv1_geometry() {
  return hnn::window_geometry("conv1", hnn::Shape{1, kSide, kSide}, hnn::Window(kK), 1,
                              hnn::Padding::valid());
}
hnn::WindowGeometry conv2_geometry() {
  return hnn::window_geometry("conv2", hnn::Shape{kC1, kPool1, kPool1}, hnn::Window(kK), 1,
                              hnn::Padding::valid());
}

// Multiply-adds ×2 of one training step's products, per sample: the forward products, dW for
// all four layers, and the input-gradient products of all but the first.
double flops_per_sample() {
  const double c1 = double(kC1 * kK * kK * 1 * kOut1 * kOut1);
  const double c2 = double(kC2 * kK * kK * kC1 * kOut2 * kOut2);
  const double d1 = double(kHidden * kFlat), d2 = double(kClasses * kHidden);
  const double fwd = c1 + c2 + d1 + d2;
  return 2.0 * (2.0 * fwd + c2 + d1 + d2);
}

bool g_malloc_tuned = false;  // keep_freed_memory() succeeded (profile mode)

Json common(const Args& a) {
  Json j;
#if defined(EIGEN_USE_BLAS)
  const char* impl = a.mode != "gemm" ? "hnn-blas" : "hnn-blas-gemm";
#else
  const char* impl = a.mode != "gemm" ? "hnn" : a.products == "hnn" ? "hnn-gemm" : "eigen-gemm";
#endif
  j.add("impl", impl)
      .add("net", "bench-cnn")
      .add("mode", a.mode)
      .add("malloc_tuned", g_malloc_tuned)
      .add("opt", a.mode == "gemm" || a.mode == "infer" ? "" : a.opt)
      .add("batch", static_cast<long long>(a.mode == "infer" ? 1 : a.batch));
  add_thread_state(j, a.threads)
      .add("samples", static_cast<long long>(a.samples))
      .add("warmup", a.warmup);
  return add_ftz_state(j, a.ftz);
}

// ---- modes ---------------------------------------------------------------------------------

void run_train(const Args& a) {
  auto model = make_model(a.seed);
  auto optimizer = make_optimizer(a.opt);
  const hnn::SoftmaxCrossEntropy<float> loss;
  const hnn::Labels y = random_labels(a.samples, kClasses, a.seed);

  // Warm-up steps through fit() on a copy of the first warmup·B samples, freed before the big
  // matrix exists: the layers' buffers and the optimizer state are allocated, the caches warm,
  // and the peak RSS is the data set plus what hnn holds.
  if (a.warmup > 0) {
    const Index n = std::min<Index>(a.samples, a.batch * a.warmup);
    const Mat Xw = random_images(n, a.seed);
    const hnn::Labels yw = y.head(n);
    model.fit(Xw, yw, loss, *optimizer, one_epoch(a.batch, a.ftz));
  }
  const Mat X = random_images(a.samples, a.seed);

  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  const hnn::History h = model.fit(X, y, loss, *optimizer, one_epoch(a.batch, a.ftz));
  const double seconds = seconds_between(t0, Clock::now());
  const double cpu = cpu_seconds() - c0;

  Json j = common(a);
  j.add("seconds", seconds)
      .add("cpu_seconds", cpu)
      .add("samples_per_s", double(a.samples) / seconds)
      .add("fit_epoch_seconds", h["seconds"].back())
      .add("final_loss", h["loss"].back())
      .add("optimizer_steps", static_cast<long long>(optimizer->steps()))
      .add("gflops", flops_per_sample() * double(a.samples) / seconds * 1e-9)
      .add("dataset_float32_bytes", static_cast<long long>(X.size() * 4));
  finish(j);
}

// The step's products at the network's shapes, into preallocated buffers. P₁, P₂ (the patch
// matrices) and the dense layers' inputs are random: a product's speed does not depend on the
// numbers (they are normal floats, never subnormal).
struct StepProducts {
  explicit StepProducts(Index B, std::uint64_t seed) {
    hnn::Random rng(seed + 11);
    const Index q1 = kOut1 * kOut1 * B, q2 = kOut2 * kOut2 * B;  // output pixels of the batch
    W1 = random_matrix(rng, kC1, kK * kK, 1 / 3.0);
    W2 = random_matrix(rng, kC2, kK * kK * kC1, 1 / std::sqrt(288.0));
    W3 = random_matrix(rng, kHidden, kFlat, 1 / 40.0);
    W4 = random_matrix(rng, kClasses, kHidden, 1 / std::sqrt(128.0));
    P1 = random_matrix(rng, kK * kK, q1, 1);
    P2 = random_matrix(rng, kK * kK * kC1, q2, 1);
    X3 = random_matrix(rng, kFlat, B, 1);
    dY1 = random_matrix(rng, kC1, q1, 1e-3);
    dY2 = random_matrix(rng, kC2, q2, 1e-3);
    dZ4 = random_matrix(rng, kClasses, B, 1.0 / double(B));  // (p − t)/n stands in for the loss
    Y1.resize(kC1, q1);
    Y2.resize(kC2, q2);
    Z3.resize(kHidden, B);
    Z4.resize(kClasses, B);
    dP2.resize(kK * kK * kC1, q2);
    dX3.resize(kFlat, B);
    dZ3.resize(kHidden, B);
    dW1.resize(kC1, kK * kK);
    dW2.resize(kC2, kK * kK * kC1);
    dW3.resize(kHidden, kFlat);
    dW4.resize(kClasses, kHidden);
  }

  // One step's products for a batch of n ≤ B samples.
  void step(Index n, bool own) {
    const Index q1 = kOut1 * kOut1 * n, q2 = kOut2 * kOut2 * n;
    auto p1 = P1.leftCols(q1);
    auto p2 = P2.leftCols(q2);
    auto y1 = Y1.leftCols(q1);
    auto y2 = Y2.leftCols(q2);
    auto x3 = X3.leftCols(n);
    auto z3 = Z3.leftCols(n);
    auto z4 = Z4.leftCols(n);
    const auto dy1 = dY1.leftCols(q1);
    const auto dy2 = dY2.leftCols(q2);
    const auto dz4 = dZ4.leftCols(n);
    auto dp2 = dP2.leftCols(q2);
    auto dx3 = dX3.leftCols(n);
    auto dz3 = dZ3.leftCols(n);
    if (own) {
      // The convolutions' products chunk by chunk, as Conv2D computes them (perf/chunks.hpp):
      // each chunk's P and dP are the first columns of P₁, P₂, dP₂, as they are of Conv2D's
      // buffers.
      const Index c1 = hnn::samples_per_chunk(P1.rows() * kOut1 * kOut1 * 4, n);
      const Index c2 = hnn::samples_per_chunk(P2.rows() * kOut2 * kOut2 * 4, n);
      const Index px1 = kOut1 * kOut1, px2 = kOut2 * kOut2;
      hnn::for_each_chunk(n, c1, [&](Index first, Index count) {  // Y₁ = W₁ P₁
        hnn::set_product(y1.middleCols(first * px1, count * px1), W1, P1.leftCols(count * px1));
      });
      hnn::for_each_chunk(n, c2, [&](Index first, Index count) {  // Y₂ = W₂ P₂
        hnn::set_product(y2.middleCols(first * px2, count * px2), W2, P2.leftCols(count * px2));
      });
      hnn::set_product(z3, W3, x3);                // Z₃ = W₃ X₃
      hnn::set_product(z4, W4, z3);                // Z₄ = W₄ A₃
      hnn::set_product(dW4, dz4, z3.transpose());  // dW₄ = dZ₄ A₃ᵀ
      hnn::set_product(dz3, W4.transpose(), dz4);  // dA₃ = W₄ᵀ dZ₄
      hnn::set_product(dW3, dz3, x3.transpose());  // dW₃ = dZ₃ X₃ᵀ
      hnn::set_product(dx3, W3.transpose(), dz3);  // dX₃ = W₃ᵀ dZ₃
      dW2.setZero();
      hnn::for_each_chunk(n, c2, [&](Index first, Index count) {
        const auto dy = dy2.middleCols(first * px2, count * px2);
        hnn::add_product(dW2, dy, P2.leftCols(count * px2).transpose());  // dW₂ += dY₂ P₂ᵀ
        hnn::set_product(dP2.leftCols(count * px2), W2.transpose(), dy);  // dP₂ = W₂ᵀ dY₂
      });
      dW1.setZero();
      hnn::for_each_chunk(n, c1, [&](Index first, Index count) {  // dW₁ += dY₁ P₁ᵀ (no dP₁)
        hnn::add_product(dW1, dy1.middleCols(first * px1, count * px1),
                         P1.leftCols(count * px1).transpose());
      });
      return;
    }
    y1.noalias() = W1 * p1;
    y2.noalias() = W2 * p2;
    z3.noalias() = W3 * x3;
    z4.noalias() = W4 * z3;
    dW4.noalias() = dz4 * z3.transpose();
    dz3.noalias() = W4.transpose() * dz4;
    dW3.noalias() = dz3 * x3.transpose();
    dx3.noalias() = W3.transpose() * dz3;
    dW2.noalias() = dy2 * p2.transpose();
    dp2.noalias() = W2.transpose() * dy2;
    dW1.noalias() = dy1 * p1.transpose();
  }

  double checksum() const {
    return double(Y1.sum() + Y2.sum() + Z4.sum() + dW1.sum() + dW2.sum() + dW3.sum() + dW4.sum() +
                  dP2.sum() + dX3.sum());
  }

  Mat W1, W2, W3, W4;      // the layers' weights
  Mat P1, P2, X3;          // the layers' inputs (patch matrices for the convolutions)
  Mat Y1, Y2, Z3, Z4;      // forward outputs
  Mat dY1, dY2, dZ4;       // output gradients (dZ₃ is computed)
  Mat dP2, dX3, dZ3;       // input gradients
  Mat dW1, dW2, dW3, dW4;  // weight gradients
};

void run_gemm(const Args& a) {
  const Index B = std::min(a.batch, a.samples);
  StepProducts s(B, a.seed);
  const bool own = a.products == "hnn";
  if (a.warmup > 0) {
    const Index n = std::min<Index>(a.samples, B * a.warmup);
    for (Index at = 0; at < n; at += B)
      s.step(std::min(B, n - at), own);
  }
  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  for (Index at = 0; at < a.samples; at += B)
    s.step(std::min(B, a.samples - at), own);
  const double seconds = seconds_between(t0, Clock::now());
  const double cpu = cpu_seconds() - c0;

  Json j = common(a);
  j.add("seconds", seconds)
      .add("cpu_seconds", cpu)
      .add("samples_per_s", double(a.samples) / seconds)
      .add("gflops", flops_per_sample() * double(a.samples) / seconds * 1e-9)
      .add("checksum", s.checksum());
  finish(j);
}

void run_infer(const Args& a) {
  auto model = make_model(a.seed);
  const Mat X = random_images(std::min<hnn::Index>(a.samples, 1024), a.seed);
  Json j = common(a);
  measure_latency(model, X, a.reps, std::max(100, a.warmup * 20), j);
  finish(j);
}

// ---- profile -------------------------------------------------------------------------------

// What kind of work a layer does, for the profile's groups.
std::string kind_of(const hnn::Layer<float>& l) {
  const std::string t = l.type_name();
  if (t == "Conv2D") return "conv";
  if (t == "Dense") return "dense";
  if (t == "MaxPool2D") return "pool";
  if (t == "Flatten") return "flatten";
  return "elementwise";  // the activations
}

// The convolutions' parts alone, at the step's shapes, over the same batches: im2col, the bias
// broadcast, the products, the bias gradient's row sums, col2im. Named as in conv2d.hpp.
class ConvParts {
 public:
  ConvParts(Index B, std::uint64_t seed)
      : g1_(conv1_geometry()), g2_(conv2_geometry()), s_(B, seed) {
    hnn::Random rng(seed + 23);
    X2_ = random_matrix(rng, kC1 * kPool1 * kPool1, B, 1);  // conv2's input: pool1's output
    dX2_.resize(X2_.rows(), B);
    b1_ = random_matrix(rng, kC1, 1, 0.3);
    b2_ = random_matrix(rng, kC2, 1, 0.05);
    db1_.setZero(kC1, 1);
    db2_.setZero(kC2, 1);
  }

  // One step's parts, for the batch X (784 × n), each added to its timer.
  void step(const Eigen::Ref<const Mat>& X) {
    const Index n = X.cols(), q1 = g1_.out_pixels() * n, q2 = g2_.out_pixels() * n;
    auto p1 = s_.P1.leftCols(q1);
    auto p2 = s_.P2.leftCols(q2);
    auto y1 = s_.Y1.leftCols(q1);
    auto y2 = s_.Y2.leftCols(q2);
    const auto dy1 = s_.dY1.leftCols(q1);
    const auto dy2 = s_.dY2.leftCols(q2);
    auto dp2 = s_.dP2.leftCols(q2);
    auto x2 = X2_.leftCols(n);
    auto dx2 = dX2_.leftCols(n);
    // Chunk by chunk, as Conv2D takes a batch (perf/chunks.hpp).
    const Index px1 = g1_.out_pixels(), px2 = g2_.out_pixels();
    const Index c1 = hnn::samples_per_chunk(p1.rows() * px1 * 4, n);
    const Index c2 = hnn::samples_per_chunk(p2.rows() * px2 * 4, n);
    hnn::for_each_chunk(n, c1, [&](Index first, Index count) {
      auto p = p1.leftCols(count * px1);
      auto y = y1.middleCols(first * px1, count * px1);
      time("conv1 im2col", [&] { hnn::copy_patches(X.middleCols(first, count), g1_, p); });
      time("conv1 bias", [&] { y.colwise() = b1_.col(0); });
      time("conv1 Y = W P", [&] { hnn::add_product(y, s_.W1, p); });
    });
    hnn::for_each_chunk(n, c2, [&](Index first, Index count) {
      auto p = p2.leftCols(count * px2);
      auto y = y2.middleCols(first * px2, count * px2);
      time("conv2 im2col", [&] { hnn::copy_patches(x2.middleCols(first, count), g2_, p); });
      time("conv2 bias", [&] { y.colwise() = b2_.col(0); });
      time("conv2 Y = W P", [&] { hnn::add_product(y, s_.W2, p); });
    });
    hnn::for_each_chunk(n, c2, [&](Index first, Index count) {
      auto p = p2.leftCols(count * px2);
      auto dp = dp2.leftCols(count * px2);
      const auto dy = dy2.middleCols(first * px2, count * px2);
      if (c2 < n)  // P rebuilt, unless the batch is one chunk and P still holds it
        time("conv2 im2col (backward)",
             [&] { hnn::copy_patches(x2.middleCols(first, count), g2_, p); });
      time("conv2 dW += dY Pt", [&] { hnn::add_product(s_.dW2, dy, p.transpose()); });
      time("conv2 db += dY 1", [&] { db2_ += dy.rowwise().sum(); });
      time("conv2 dP = Wt dY", [&] { hnn::set_product(dp, s_.W2.transpose(), dy); });
      time("conv2 col2im", [&] { hnn::add_back_patches(dp, g2_, dx2.middleCols(first, count)); });
    });
    hnn::for_each_chunk(n, c1, [&](Index first, Index count) {
      auto p = p1.leftCols(count * px1);
      const auto dy = dy1.middleCols(first * px1, count * px1);
      if (c1 < n)
        time("conv1 im2col (backward)",
             [&] { hnn::copy_patches(X.middleCols(first, count), g1_, p); });
      time("conv1 dW += dY Pt", [&] { hnn::add_product(s_.dW1, dy, p.transpose()); });
      time("conv1 db += dY 1", [&] { db1_ += dy.rowwise().sum(); });
    });
  }

  // The timers, in the order of the step.
  const std::vector<std::pair<std::string, double>>& timers() const { return timers_; }
  double checksum() const { return s_.checksum() + double(dX2_.sum() + db1_.sum() + db2_.sum()); }
  void reset() {
    for (auto& t : timers_)
      t.second = 0;
  }

 private:
  template <typename F>
  void time(const char* name, F&& f) {
    const auto t0 = Clock::now();
    f();
    const double s = seconds_between(t0, Clock::now());
    for (auto& t : timers_) {
      if (t.first == name) {
        t.second += s;
        return;
      }
    }
    timers_.emplace_back(name, s);
  }

  hnn::WindowGeometry g1_, g2_;
  StepProducts s_;  // the weights, patch matrices and gradients at the step's shapes
  Mat X2_, dX2_;    // conv2's input and input gradient (5408 × B)
  Mat b1_, b2_;     // biases
  Mat db1_, db2_;   // their gradients
  std::vector<std::pair<std::string, double>> timers_;
};

// fit's loop (shuffle off) written out with the same library calls, each phase timed; then the
// convolutions' parts alone over the same batches.
void run_profile(const Args& a) {
  auto model = make_model(a.seed);
  auto optimizer = make_optimizer(a.opt);
  const hnn::Labels y = random_labels(a.samples, kClasses, a.seed);
  const Mat X = random_images(a.samples, a.seed);
  const Index B = std::min(a.batch, a.samples);
  const std::size_t K = model.size();
  const PhaseTimes t = profile_epoch(model, *optimizer, X, y, B, a.warmup, "bench_cnn");
  const std::vector<double>&fwd = t.forward, &bwd = t.backward;

  // The convolutions' parts, alone, over the same batches (after a warm-up).
  ConvParts parts(B, a.seed);
  for (Index s = 0; s < std::min<Index>(a.samples, B * a.warmup); s += B)
    parts.step(X.middleCols(s, std::min(B, a.samples - s)));
  parts.reset();
  for (Index s = 0; s < a.samples; s += B)
    parts.step(X.middleCols(s, std::min(B, a.samples - s)));

  Json j = common(a);
  j.add("seconds", t.seconds)
      .add("cpu_seconds", t.cpu_seconds)
      .add("samples_per_s", double(a.samples) / t.seconds);
  t.add_to(j, model);
  const double total = t.total();
  std::vector<std::pair<std::string, double>> groups;  // kind → seconds, first-seen order
  const auto group = [&groups](const std::string& name, double s) {
    for (auto& g : groups) {
      if (g.first == name) {
        g.second += s;
        return;
      }
    }
    groups.emplace_back(name, s);
  };
  for (std::size_t k = 0; k < K; ++k)
    group(kind_of(model.layer(k)) + " forward", fwd[k]);
  for (std::size_t k = 0; k < K; ++k)
    group(kind_of(model.layer(k)) + " backward", bwd[k]);
  group("loss", t.loss_value + t.loss_gradient);
  group("optimizer", t.step);
  group("zero_grad", t.zero_grad);
  std::ostringstream g, p;
  for (const auto& x : groups)
    g << (g.tellp() > 0 ? "," : "") << '"' << x.first << "\":" << x.second;
  j.raw("groups_s", '{' + g.str() + '}');
  for (const auto& x : parts.timers())
    p << (p.tellp() > 0 ? "," : "") << '"' << x.first << "\":" << x.second;
  j.raw("conv_parts_s", '{' + p.str() + '}');
  j.add("conv_parts_checksum", parts.checksum());

  // The same, readable, on stderr.
  const double steps = double((a.samples + B - 1) / B);
  const auto line = [&](const std::string& name, double s) {
    std::cerr << "  " << std::left << std::setw(34) << name << std::right << std::setw(10)
              << std::fixed << std::setprecision(1) << 1e6 * s / steps << " µs/step" << std::setw(7)
              << std::setprecision(1) << 100 * s / total << " %\n";
  };
  std::cerr << "bench_cnn profile: batch " << B << ", " << a.opt << (a.ftz ? " +ftz" : "") << ", "
            << a.threads << " thread(s), " << a.samples << " samples: " << std::fixed
            << std::setprecision(0) << double(a.samples) / t.seconds << " samples/s, "
            << std::setprecision(1) << 1e6 * total / steps << " µs per step timed\n"
            << "per layer (% of the timed step):\n";
  for (std::size_t k = 0; k < K; ++k)
    line("forward  " + model.layer(k).describe(), fwd[k]);
  line("loss value + gradient", t.loss_value + t.loss_gradient);
  for (std::size_t k = K; k-- > 0;)
    line("backward " + model.layer(k).describe(), bwd[k]);
  line("optimizer step", t.step);
  line("zero_grad", t.zero_grad);
  std::cerr << "by kind:\n";
  for (const auto& x : groups)
    line(x.first, x.second);
  std::cerr << "the convolutions' parts alone, same shapes and batches (% of the step above):\n";
  for (const auto& x : parts.timers())
    line(x.first, x.second);
  finish(j);
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  if (a.mode == "profile") g_malloc_tuned = keep_freed_memory();
  set_threads(a.threads);
  const Ftz ftz(a.ftz);  // after the thread count, so it reaches every worker
  try {
    if (a.mode == "train") {
      run_train(a);
    } else if (a.mode == "gemm") {
      run_gemm(a);
    } else if (a.mode == "infer") {
      run_infer(a);
    } else {
      run_profile(a);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_cnn: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
