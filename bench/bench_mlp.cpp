// SPDX-License-Identifier: MIT
// bench_mlp: throughput and latency of hnn on the MNIST-shaped MLP
//
//   784 → Dense 256 → ReLU → Dense 128 → ReLU → Dense 10,  SoftmaxCrossEntropy on labels,
//   float32, one epoch over N random samples (uniform [0, 1), labels uniform in 0..9, seed 0),
//   SGD (lr 0.01) or Adam (lr 1e-3, β 0.9/0.999, ε 1e-8)
//
// the same network and data as ../shared/bench/torch_mlp.py and numpy_mlp.py (weights and biases
// drawn from U(−1/√in, 1/√in), torch.nn.Linear's default). One JSON line out.
//
//   bench_mlp --mode train   --batch 128 --opt adam --threads 2 --ftz
//   bench_mlp --mode gemm    --batch 128 --threads 2
//   bench_mlp --mode latency --threads 1
//   bench_mlp --mode profile --batch 32 --opt sgd
//
// Modes:
//   train    model.fit(X, y, loss, optimizer, {1 epoch, batch B, shuffle off, quiet}) timed from
//            outside, after `--warmup` steps taken by a first fit() on the first warmup·B samples:
//            the library as a user calls it. Reports samples/s and the process's peak RSS.
//   gemm     only the step's matrix products, into preallocated buffers, over the same
//            batches: forward Z = W·X for the three layers; backward dW = dZ·Xᵀ for the three,
//            dX = Wᵀ·dZ for layers 2 and 3 (the first layer computes no input gradient). About
//            1.0 MFLOP per sample. The roofline for `train`. `--products hnn` (default) computes
//            them with hnn::set_product, as the layers do (split over the threads by hnn, depth-1
//            products as outer products); `--products eigen` with plain Eigen (`noalias()`,
//            Eigen's own threading), what an untuned loop gets.
//   latency  one column through the trained-shape model in inference mode, `--reps` times,
//            each call timed: model.predict(x) (returns a new matrix) and model.forward(x, infer)
//            (returns a view). p50 / p99 / mean in microseconds.
//   products each product of the step alone, timed three ways: Eigen on one thread, Eigen's
//            threaded product on --threads, and hnn::set_product (which splits it or not):
//            microseconds per call, medians of 7 rounds. What perf/threads.hpp's choices rest on.
//   profile  fit's loop written out with the same library calls (zero_grad, each layer's
//            forward, loss value, loss gradient, each layer's backward, optimizer step), each
//            phase timed: where the step's time goes.
//
// Threads: Eigen::setNbThreads(T) and, when built with OpenMP, omp_set_num_threads(T).
// --ftz: flush-to-zero and denormals-are-zero in this thread and in every OpenMP worker
// (hnn::FlushToZero when the library has it, else MXCSR bits set here).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "bench_common.hpp"
#include "hnn/hnn.hpp"

namespace {

using namespace hnn_bench;
constexpr hnn::Index kInputs = 784, kHidden1 = 256, kHidden2 = 128, kClasses = 10;

Args parse(int argc, char** argv) {
  Args a;
  a.samples = 60000;
  a.reps = 20000;  // latency mode
  a = parse_args(argc, argv, "bench_mlp", a, {"train", "gemm", "latency", "profile", "products"});
  return a;
}

// ---- data and model ------------------------------------------------------------------

Mat random_inputs(hnn::Index samples, std::uint64_t seed) {
  return hnn_bench::random_inputs(kInputs, samples, seed);
}

hnn::Labels random_labels(hnn::Index samples, std::uint64_t seed) {
  return hnn_bench::random_labels(samples, kClasses, seed);
}

hnn::Sequential<float> make_model(std::uint64_t seed) {
  hnn::Random rng(seed + 7);
  hnn::Sequential<float> model(kInputs);
  model
      .add(
          hnn::Dense<float>(kInputs, kHidden1, rng, torch_default(kInputs), torch_default(kInputs)))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(kHidden1, kHidden2, rng, torch_default(kHidden1),
                             torch_default(kHidden1)))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(kHidden2, kClasses, rng, torch_default(kHidden2),
                             torch_default(kHidden2)));
  return model;
}

// Multiply-adds ×2 of one training step's products, per sample.
double flops_per_sample() {
  const double fwd = 2.0 * double(kInputs * kHidden1 + kHidden1 * kHidden2 + kHidden2 * kClasses);
  const double dx = 2.0 * double(kHidden1 * kHidden2 + kHidden2 * kClasses);  // layers 2 and 3
  return 2.0 * fwd + dx;                                                      // forward, dW, dX
}

bool g_malloc_tuned = false;  // see keep_freed_memory()

Json common(const Args& a) {
  Json j;
#if defined(EIGEN_USE_BLAS)
  const char* impl = a.mode != "gemm" ? "hnn-blas" : "hnn-blas-gemm";  // Eigen's products on BLAS
#else
  const char* impl = a.mode != "gemm" ? "hnn" : a.products == "hnn" ? "hnn-gemm" : "eigen-gemm";
#endif
  j.add("impl", impl)
      .add("mode", a.mode)
      .add("malloc_tuned", g_malloc_tuned)
      .add("opt", a.mode == "gemm" || a.mode == "latency" ? "" : a.opt)
      .add("batch", static_cast<long long>(a.mode == "latency" ? 1 : a.batch));
  add_thread_state(j, a.threads)
      .add("samples", static_cast<long long>(a.samples))
      .add("warmup", a.warmup);
  add_ftz_state(j, a.ftz);
  return j;
}

// ---- modes ---------------------------------------------------------------------------------

void run_train(const Args& a) {
  auto model = make_model(a.seed);
  auto optimizer = make_optimizer(a.opt);
  const hnn::SoftmaxCrossEntropy<float> loss;
  const hnn::Labels y = random_labels(a.samples, a.seed);

  // Warm-up steps through fit() on a copy of the first warmup·B samples (the same values as the
  // big matrix's first columns), freed before the big matrix exists: the layers' buffers and the
  // optimizer state are allocated and the caches warm, and the peak RSS is not inflated.
  if (a.warmup > 0) {
    const hnn::Index n = std::min<hnn::Index>(a.samples, a.batch * a.warmup);
    const Mat Xw = random_inputs(n, a.seed);
    const hnn::Labels yw = y.head(n);
    model.fit(Xw, yw, loss, *optimizer, one_epoch(a.batch, a.ftz));
  }
  const Mat X = random_inputs(a.samples, a.seed);

  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  const hnn::History h = model.fit(X, y, loss, *optimizer, one_epoch(a.batch, a.ftz));
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
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

void run_gemm(const Args& a) {
  const hnn::Index B = std::min(a.batch, a.samples);
  hnn::Random rng(a.seed + 11);
  const auto uniform = [&rng](hnn::Index r, hnn::Index c, double lim) {
    Mat M(r, c);
    for (hnn::Index i = 0; i < M.size(); ++i)
      M.data()[i] = float(rng.uniform(-lim, lim));
    return M;
  };
  const Mat W1 = uniform(kHidden1, kInputs, 1 / std::sqrt(double(kInputs)));
  const Mat W2 = uniform(kHidden2, kHidden1, 1 / std::sqrt(double(kHidden1)));
  const Mat W3 = uniform(kClasses, kHidden2, 1 / std::sqrt(double(kHidden2)));
  const Mat dZ3 = uniform(kClasses, B, 1.0 / double(B));  // (p − t)/n stands in for the loss
  Mat Z1(kHidden1, B), Z2(kHidden2, B), Z3(kClasses, B);
  Mat dZ2(kHidden2, B), dZ1(kHidden1, B);  // dX of layers 3 and 2
  Mat dW1(kHidden1, kInputs), dW2(kHidden2, kHidden1), dW3(kClasses, kHidden2);

  const bool own = a.products == "hnn";
  const auto step = [&](const Eigen::Ref<const Mat>& X) {
    const hnn::Index n = X.cols();
    auto z1 = Z1.leftCols(n);
    auto z2 = Z2.leftCols(n);
    auto z3 = Z3.leftCols(n);
    const auto dz3 = dZ3.leftCols(n);
    auto dz2 = dZ2.leftCols(n);
    auto dz1 = dZ1.leftCols(n);
    if (own) {
      hnn::set_product(z1, W1, X);                 // Z₁ = W₁ X
      hnn::set_product(z2, W2, z1);                // Z₂ = W₂ A₁
      hnn::set_product(z3, W3, z2);                // Z₃ = W₃ A₂
      hnn::set_product(dW3, dz3, z2.transpose());  // dW₃ = dZ₃ A₂ᵀ
      hnn::set_product(dz2, W3.transpose(), dz3);  // dA₂ = W₃ᵀ dZ₃
      hnn::set_product(dW2, dz2, z1.transpose());  // dW₂ = dZ₂ A₁ᵀ
      hnn::set_product(dz1, W2.transpose(), dz2);  // dA₁ = W₂ᵀ dZ₂
      hnn::set_product(dW1, dz1, X.transpose());  // dW₁ = dZ₁ Xᵀ   (no dX for the first layer)
      return;
    }
    z1.noalias() = W1 * X;                 // Z₁ = W₁ X
    z2.noalias() = W2 * z1;                // Z₂ = W₂ A₁
    z3.noalias() = W3 * z2;                // Z₃ = W₃ A₂
    dW3.noalias() = dz3 * z2.transpose();  // dW₃ = dZ₃ A₂ᵀ
    dz2.noalias() = W3.transpose() * dz3;  // dA₂ = W₃ᵀ dZ₃
    dW2.noalias() = dz2 * z1.transpose();  // dW₂ = dZ₂ A₁ᵀ
    dz1.noalias() = W2.transpose() * dz2;  // dA₁ = W₂ᵀ dZ₂
    dW1.noalias() = dz1 * X.transpose();   // dW₁ = dZ₁ Xᵀ   (no dX for the first layer)
  };

  if (a.warmup > 0) {
    const hnn::Index n = std::min<hnn::Index>(a.samples, B * a.warmup);
    const Mat Xw = random_inputs(n, a.seed);
    for (hnn::Index s = 0; s < n; s += B)
      step(Xw.middleCols(s, std::min(B, n - s)));
  }
  const Mat X = random_inputs(a.samples, a.seed);

  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  for (hnn::Index s = 0; s < a.samples; s += B)
    step(X.middleCols(s, std::min(B, a.samples - s)));
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - c0;

  const double check = double(Z3.sum() + dW1.sum() + dW2.sum() + dW3.sum());
  Json j = common(a);
  j.add("seconds", seconds)
      .add("cpu_seconds", cpu)
      .add("samples_per_s", double(a.samples) / seconds)
      .add("gflops", flops_per_sample() * double(a.samples) / seconds * 1e-9)
      .add("checksum", check)
      .add("dataset_float32_bytes", static_cast<long long>(X.size() * 4));
  finish(j);
}

void run_latency(const Args& a) {
  auto model = make_model(a.seed);
  const Mat X = random_inputs(std::min<hnn::Index>(a.samples, 1024), a.seed);
  Json j = common(a);
  measure_latency(model, X, a.reps, std::max(100, a.warmup * 100), j);
  finish(j);
}

// fit's loop (shuffle off) written out with the same library calls, each phase timed.
void run_profile(const Args& a) {
  auto model = make_model(a.seed);
  auto optimizer = make_optimizer(a.opt);
  const hnn::Labels y = random_labels(a.samples, a.seed);
  const Mat X = random_inputs(a.samples, a.seed);
  const hnn::Index B = std::min(a.batch, a.samples);
  const PhaseTimes t = profile_epoch(model, *optimizer, X, y, B, a.warmup, "bench_mlp");
  Json j = common(a);
  j.add("seconds", t.seconds)
      .add("cpu_seconds", t.cpu_seconds)
      .add("samples_per_s", double(a.samples) / t.seconds);
  t.add_to(j, model);
  finish(j);
}

// One product of the step, timed three ways: Eigen on one thread, Eigen's own threaded product
// (Eigen::setNbThreads(T)), and hnn::set_product (hnn's choice: split over T threads or not).
void run_products(const Args& a) {
  const hnn::Index B = a.batch;
  hnn::Random rng(a.seed + 17);
  const auto random = [&rng](hnn::Index r, hnn::Index c) {
    Mat M(r, c);
    for (hnn::Index i = 0; i < M.size(); ++i)
      M.data()[i] = float(rng.uniform(-1, 1));
    return M;
  };
  // Median over 7 rounds of the mean time of a call, each round at least 20 ms.
  const auto time_us = [](const auto& f) {
    std::vector<double> rounds;
    for (int r = 0; r < 7; ++r) {
      long calls = 0;
      const auto t0 = Clock::now();
      double el = 0;
      do {
        f();
        ++calls;
        el = std::chrono::duration<double>(Clock::now() - t0).count();
      } while (el < 0.02);
      rounds.push_back(el / double(calls) * 1e6);
    }
    std::sort(rounds.begin(), rounds.end());
    return rounds[3];
  };
  const hnn::Index sizes[3][2] = {{kInputs, kHidden1}, {kHidden1, kHidden2}, {kHidden2, kClasses}};
  std::ostringstream rows;
  // Pass 0 runs every product a few times, untimed (first calls set up threads and memory).
  for (int pass = 0; pass < 2; ++pass) {
    for (int layer = 0; layer < 3; ++layer) {
      const hnn::Index in = sizes[layer][0], out = sizes[layer][1];
      const Mat W = random(out, in), X = random(in, B), dZ = random(out, B);
      Mat Z(out, B), dW(out, in), dX(in, B);
      const auto one = [&](const char* name, auto&& eigen_call, auto&& hnn_call, double work) {
        if (pass == 0) {
          for (int t : {1, a.threads}) {
            Eigen::setNbThreads(t);
            for (int r = 0; r < 5; ++r)
              eigen_call();
          }
          for (int r = 0; r < 5; ++r)
            hnn_call();
          return;
        }
        Eigen::setNbThreads(1);
        const double t1 = time_us(eigen_call);
        Eigen::setNbThreads(a.threads);
        const double te = time_us(eigen_call);
        int split = 1;
        const double th = time_us([&] { split = hnn_call(); });
        rows << (rows.tellp() > 0 ? "," : "") << "{\"layer\":" << layer + 1 << ",\"product\":\""
             << name << "\",\"m\":" << out << ",\"k\":" << in << ",\"work\":" << work
             << ",\"eigen_1_us\":" << t1 << ",\"eigen_T_us\":" << te << ",\"hnn_T_us\":" << th
             << ",\"hnn_split\":" << split << "}";
      };
      const double work = double(out) * double(in) * double(B);
      one(
          "Z = W X", [&] { Z.noalias() = W * X; }, [&] { return hnn::set_product(Z, W, X); }, work);
      one(
          "dW = dZ Xt", [&] { dW.noalias() = dZ * X.transpose(); },
          [&] { return hnn::set_product(dW, dZ, X.transpose()); }, work);
      one(
          "dX = Wt dZ", [&] { dX.noalias() = W.transpose() * dZ; },
          [&] { return hnn::set_product(dX, W.transpose(), dZ); }, work);
    }
  }
  Eigen::setNbThreads(a.threads);
  Json j = common(a);
  j.raw("products", "[" + rows.str() + "]");
  finish(j);
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  if (a.mode == "products" || a.mode == "profile") g_malloc_tuned = keep_freed_memory();
  set_threads(a.threads);
  const Ftz ftz(a.ftz);  // after the thread count, so it reaches every worker
  try {
    if (a.mode == "train") {
      run_train(a);
    } else if (a.mode == "gemm") {
      run_gemm(a);
    } else if (a.mode == "latency") {
      run_latency(a);
    } else if (a.mode == "products") {
      run_products(a);
    } else {
      run_profile(a);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_mlp: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
