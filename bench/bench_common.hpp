// SPDX-License-Identifier: MIT
#pragma once
// What bench_mlp and bench_cnn share: the machine state they set and report
// (threads, flush-to-zero, CPU time, peak RSS, glibc's allocator), random
// float32 data, PyTorch's default initialisation, percentiles and the one
// JSON line each run prints.
//
// Threads: Eigen::setNbThreads(T) and, when built with OpenMP,
// omp_set_num_threads(T). Flush-to-zero: hnn::FlushToZero when the library has
// it, else the MXCSR bits set here (in this thread and in every OpenMP worker).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <Eigen/Core>

#include "hnn/hnn.hpp"

#if __has_include("hnn/perf/flush_to_zero.hpp")
#include "hnn/perf/flush_to_zero.hpp"
#define HNN_BENCH_LIBRARY_FTZ 1
#else
#define HNN_BENCH_LIBRARY_FTZ 0
#endif

#if defined(__SSE__) || defined(_M_X64)
#include <xmmintrin.h>
#define HNN_BENCH_MXCSR 1
#else
#define HNN_BENCH_MXCSR 0
#endif

#if defined(_OPENMP)
#include <omp.h>
#endif

// The compiler flags, written by bench/CMakeLists.txt (or by run.py's direct g++ build).
#if __has_include("bench_flags.hpp")
#include "bench_flags.hpp"
#endif
#ifndef HNN_BENCH_FLAGS
#define HNN_BENCH_FLAGS "unknown (not built by bench/CMakeLists.txt or bench/run.py)"
#endif

namespace hnn_bench {

using Clock = std::chrono::steady_clock;
using Mat = hnn::Matrix<float>;

inline double seconds_between(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

// ---- machine state: threads, flush-to-zero, memory --------------------------------------

inline void set_threads(int threads) {
#if defined(_OPENMP)
  omp_set_num_threads(threads);
#endif
  Eigen::setNbThreads(threads);
}

#if HNN_BENCH_MXCSR
constexpr unsigned kFtzDaz = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
inline bool this_thread_flushes() {
  return (_mm_getcsr() & kFtzDaz) == kFtzDaz;
}
#else
inline bool this_thread_flushes() {
  return false;
}
#endif

// Flush-to-zero for the whole run: the library's scoped switch when it has one.
class Ftz {
 public:
  explicit Ftz(bool on) {
    if (!on) return;
#if HNN_BENCH_LIBRARY_FTZ
    lib_ = std::make_unique<hnn::FlushToZero>(true);
#elif HNN_BENCH_MXCSR
    _mm_setcsr(_mm_getcsr() | kFtzDaz);
#if defined(_OPENMP)
#pragma omp parallel
    { _mm_setcsr(_mm_getcsr() | kFtzDaz); }
#endif
#endif
  }
  static const char* how() {
    return HNN_BENCH_LIBRARY_FTZ ? "hnn::FlushToZero"
                                 : "bench (_mm_setcsr here and per OpenMP thread)";
  }

 private:
#if HNN_BENCH_LIBRARY_FTZ
  std::unique_ptr<hnn::FlushToZero> lib_;
#endif
};

// How many OpenMP threads (the main one included) flush subnormals right now.
inline int threads_flushing() {
  int n = 0;
#if defined(_OPENMP)
#pragma omp parallel reduction(+ : n)
  n += this_thread_flushes() ? 1 : 0;
#else
  n = this_thread_flushes() ? 1 : 0;
#endif
  return n;
}

// CPU time of the whole process (every thread), seconds. Over a timed region, cpu / wall well
// below the thread count means the run was descheduled: the machine was busy.
inline double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

inline long peak_rss_kb() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return r.ru_maxrss;  // kilobytes on Linux
}

// Keeps glibc from returning freed memory to the kernel: Eigen allocates its product workspace
// on every call, and when glibc serves it with mmap or trims it off the heap afterwards, every
// call page-faults it in again — measured at 2.2 ms instead of 0.35 ms for the MLP's first
// forward product at batch 128. Whether a process falls into that depends on its allocation
// history; the modes that time single phases set this, and the JSON says so ("malloc_tuned").
inline bool keep_freed_memory() {
#if defined(__GLIBC__)
  return mallopt(M_MMAP_THRESHOLD, 64 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 128 << 20) == 1 &&
         mallopt(M_TOP_PAD, 16 << 20) == 1;
#else
  return false;
#endif
}

// ---- data and initialisation -------------------------------------------------------------

// Samples uniform in [0, 1), filled column after column from `seed`: the first k columns of a
// bigger matrix are the same as a k-column matrix from the same seed.
inline Mat random_inputs(hnn::Index rows, hnn::Index samples, std::uint64_t seed) {
  hnn::Random rng(seed);
  Mat X(rows, samples);
  float* p = X.data();
  for (hnn::Index i = 0, n = X.size(); i < n; ++i)
    p[i] = float(rng.uniform());
  return X;
}

inline hnn::Labels random_labels(hnn::Index samples, hnn::Index classes, std::uint64_t seed) {
  hnn::Random rng(seed + 1000003);
  hnn::Labels y(samples);
  for (hnn::Index j = 0; j < samples; ++j)
    y(j) = int(rng.below(std::uint64_t(classes)));
  return y;
}

// A (rows × cols) matrix uniform in [−lim, lim).
inline Mat random_matrix(hnn::Random& rng, hnn::Index rows, hnn::Index cols, double lim) {
  Mat M(rows, cols);
  for (hnn::Index i = 0; i < M.size(); ++i)
    M.data()[i] = float(rng.uniform(-lim, lim));
  return M;
}

// torch.nn.Linear's and torch.nn.Conv2d's default: weights and biases from
// U(−1/√fan_in, 1/√fan_in) (fan_in = in for Linear, kh·kw·C for Conv2d).
inline hnn::Init torch_default(hnn::Index fan_in) {
  const double lim = 1.0 / std::sqrt(double(fan_in));
  return hnn::Init::uniform(-lim, lim);
}

inline std::unique_ptr<hnn::Optimizer<float>> make_optimizer(const std::string& opt) {
  if (opt == "adam") return std::make_unique<hnn::Adam<float>>(1e-3);
  return std::make_unique<hnn::SGD<float>>(0.01);
}

// fit's own flush-to-zero (FitOptions::flush_to_zero, on by default for float) follows --ftz, so
// a run without --ftz measures the configuration without it.
inline hnn::FitOptions<float> one_epoch(hnn::Index batch, bool ftz) {
  hnn::FitOptions<float> o;
  o.epochs = 1;
  o.batch_size = batch;
  o.shuffle = false;
  o.verbosity = hnn::Verbosity::quiet;
  o.flush_to_zero = ftz;
  return o;
}

// ---- statistics --------------------------------------------------------------------------

struct Percentiles {
  double p50, p99, mean, min;
};

inline Percentiles percentiles(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  const auto at = [&us](double q) {
    return us[std::min(us.size() - 1, std::size_t(q * double(us.size() - 1) + 0.5))];
  };
  double sum = 0;
  for (double v : us)
    sum += v;
  return {at(0.50), at(0.99), sum / double(us.size()), us.front()};
}

// ---- JSON --------------------------------------------------------------------------------

class Json {
 public:
  Json& add(const std::string& k, const std::string& v) {
    std::string e;
    for (char c : v) {
      if (c == '"' || c == '\\') {
        e += '\\';
        e += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        e += ' ';
      } else {
        e += c;
      }
    }
    return raw(k, '"' + e + '"');
  }
  Json& add(const std::string& k, const char* v) { return add(k, std::string(v)); }
  Json& add(const std::string& k, bool v) { return raw(k, v ? "true" : "false"); }
  Json& add(const std::string& k, double v) {
    if (!std::isfinite(v)) return raw(k, "null");
    std::ostringstream s;
    s.precision(9);
    s << v;
    return raw(k, s.str());
  }
  Json& add(const std::string& k, long long v) { return raw(k, std::to_string(v)); }
  Json& add(const std::string& k, long v) { return add(k, static_cast<long long>(v)); }
  Json& add(const std::string& k, int v) { return add(k, static_cast<long long>(v)); }
  Json& raw(const std::string& k, const std::string& v) {
    body_ += (body_.empty() ? "" : ", ") + ('"' + k + "\": ") + v;
    return *this;
  }
  std::string str() const { return '{' + body_ + '}'; }

 private:
  std::string body_;
};

// The threads and flush-to-zero state, as every run reports them.
inline Json& add_thread_state(Json& j, int threads) {
  j.add("threads", threads)
      .add("eigen_threads", Eigen::nbThreads())
#if defined(_OPENMP)
      .add("openmp", true)
      .add("omp_max_threads", omp_get_max_threads())
#else
      .add("openmp", false)
#endif
      ;
  return j;
}

inline Json& add_ftz_state(Json& j, bool ftz) {
  return j.add("ftz", ftz)
      .add("ftz_impl", ftz ? Ftz::how() : "")
      .add("ftz_threads", threads_flushing());
}

// The build and the process's peak memory, then the line out.
inline void finish(Json& j) {
  j.add("peak_rss_kb", peak_rss_kb())
      .add("simd", Eigen::SimdInstructionSetsInUse())
      .add("flags", HNN_BENCH_FLAGS)
#if defined(NDEBUG)
      .add("ndebug", true)
#else
      .add("ndebug", false)
#endif
      .add("eigen", std::to_string(EIGEN_WORLD_VERSION) + '.' +
                        std::to_string(EIGEN_MAJOR_VERSION) + '.' +
                        std::to_string(EIGEN_MINOR_VERSION));
  std::cout << j.str() << std::endl;
}

// Single-sample latency: `reps` calls, after `warm` untimed ones, each of
// model.forward(x, Mode::infer) (a view) and model.predict(x) (a new
// matrix), on the columns of X in turn; p50, p99, mean and min of each in µs
// added to j as forward_*_us and predict_*_us.
inline void measure_latency(hnn::Sequential<float>& model, const Mat& X, int reps, int warm,
                            Json& j) {
  std::vector<double> predict_us(static_cast<std::size_t>(reps)),
      forward_us(static_cast<std::size_t>(reps));
  double sink = 0;
  for (int r = -warm; r < reps; ++r) {  // negative r: warm-up, not recorded
    const hnn::Index c = hnn::Index(r + warm) % X.cols();
    const auto t0 = Clock::now();
    const hnn::ConstRef<float> f = model.forward(X.middleCols(c, 1), hnn::Mode::infer);
    const float f0 = f(0, 0);
    const auto t1 = Clock::now();
    sink += double(f0);
    const auto t2 = Clock::now();
    const Mat p = model.predict(X.middleCols(c, 1));  // a new matrix
    const auto t3 = Clock::now();
    sink += double(p(0, 0));
    if (r >= 0) {
      forward_us[std::size_t(r)] = std::chrono::duration<double, std::micro>(t1 - t0).count();
      predict_us[std::size_t(r)] = std::chrono::duration<double, std::micro>(t3 - t2).count();
    }
  }
  const Percentiles p = percentiles(predict_us), f = percentiles(forward_us);
  j.add("reps", reps)
      .add("forward_p50_us", f.p50)
      .add("forward_p99_us", f.p99)
      .add("forward_mean_us", f.mean)
      .add("forward_min_us", f.min)
      .add("predict_p50_us", p.p50)
      .add("predict_p99_us", p.p99)
      .add("predict_mean_us", p.mean)
      .add("predict_min_us", p.min)
      .add("checksum", sink);
}

// ---- the profile -------------------------------------------------------------------------

// Where one epoch of fit's loop goes: the loop written out with the library's
// calls (zero_grad, each layer's forward, the loss's value and gradient, each
// layer's backward, the optimizer's step), each phase timed.
struct PhaseTimes {
  std::vector<double> forward, backward;  // per layer, seconds over the timed epoch
  double zero_grad = 0, loss_value = 0, loss_gradient = 0, step = 0;
  double seconds = 0, cpu_seconds = 0;  // the timed epoch, wall and CPU

  double total() const {
    double t = zero_grad + loss_value + loss_gradient + step;
    for (std::size_t k = 0; k < forward.size(); ++k)
      t += forward[k] + backward[k];
    return t;
  }

  // forward_k_s, loss_value_s, loss_gradient_s, backward_k_s, optimizer_step_s,
  // zero_grad_s, timed_phases_s and the layers' names.
  void add_to(Json& j, const hnn::Sequential<float>& model) const {
    const std::size_t K = forward.size();
    for (std::size_t k = 0; k < K; ++k)
      j.add("forward_" + std::to_string(k) + "_s", forward[k]);
    j.add("loss_value_s", loss_value).add("loss_gradient_s", loss_gradient);
    for (std::size_t k = K; k-- > 0;)
      j.add("backward_" + std::to_string(k) + "_s", backward[k]);
    j.add("optimizer_step_s", step).add("zero_grad_s", zero_grad).add("timed_phases_s", total());
    std::ostringstream names;
    for (std::size_t k = 0; k < K; ++k)
      names << (k ? "," : "") << model.layer(k).describe();
    j.add("layers", names.str());
  }
};

// `warmup` untimed steps, then one timed epoch over X, y in batches of B.
inline PhaseTimes profile_epoch(hnn::Sequential<float>& model, hnn::Optimizer<float>& optimizer,
                                const Mat& X, const hnn::Labels& y, hnn::Index B, int warmup,
                                const std::string& program) {
  const hnn::SoftmaxCrossEntropy<float> loss;
  auto params = model.parameters();
  const std::size_t K = model.size();
  PhaseTimes p;
  p.forward.assign(K, 0.0);
  p.backward.assign(K, 0.0);
  Mat dP;
  const auto epoch = [&](hnn::Index first, hnn::Index count, bool record) {
    for (hnn::Index s = first; s < first + count; s += B) {
      const hnn::Index n = std::min(B, first + count - s);
      const auto Xb = X.middleCols(s, n);
      const auto yb = y.segment(s, n);
      auto t = Clock::now();
      const auto lap = [&t, record](double& into) {
        const auto now = Clock::now();
        if (record) into += seconds_between(t, now);
        t = now;
      };
      hnn::zero_grad(params);
      lap(p.zero_grad);
      std::optional<hnn::ConstRef<float>> A(Xb);
      for (std::size_t k = 0; k < K; ++k) {
        A.emplace(model.layer(k).forward(*A, hnn::Mode::train));
        lap(p.forward[k]);
      }
      const hnn::ConstRef<float> P = *A;
      const float L = loss.value(P, yb);
      lap(p.loss_value);
      if (dP.rows() != P.rows() || dP.cols() < n) dP.resize(P.rows(), B);
      auto G0 = dP.leftCols(n);
      loss.gradient(P, yb, G0);
      lap(p.loss_gradient);
      std::optional<hnn::ConstRef<float>> G(G0);
      for (std::size_t k = K; k-- > 0;) {
        G.emplace(model.layer(k).backward(*G));
        lap(p.backward[k]);
      }
      optimizer.step(params);
      lap(p.step);
      if (!std::isfinite(L)) {
        std::cerr << program << ": loss is not finite\n";
        std::exit(1);
      }
    }
  };
  epoch(0, std::min<hnn::Index>(X.cols(), B * warmup), false);
  const double c0 = cpu_seconds();
  const auto t0 = Clock::now();
  epoch(0, X.cols(), true);
  p.seconds = seconds_between(t0, Clock::now());
  p.cpu_seconds = cpu_seconds() - c0;
  return p;
}

// ---- the command line ------------------------------------------------------------------

// The options both programs take; each gives its own defaults and modes.
struct Args {
  std::string mode = "train";
  hnn::Index batch = 32;
  std::string opt = "sgd";
  int threads = 1;
  hnn::Index samples = 0;
  int warmup = 5;
  bool ftz = false;
  std::uint64_t seed = 0;
  int reps = 0;                  // latency runs
  std::string products = "hnn";  // gemm mode: hnn::set_product or plain Eigen
};

[[noreturn]] inline void usage(const std::string& program, const std::vector<std::string>& modes,
                               const std::string& why) {
  std::string list;
  for (const auto& m : modes)
    list += (list.empty() ? "" : "|") + m;
  std::cerr << program << ": " << why << "\n"
            << "usage: " << program << " [--mode " << list << "] [--batch B] [--opt sgd|adam]\n"
            << "       [--threads T] [--samples N] [--warmup STEPS] [--ftz] [--seed S]\n"
            << "       [--reps R] [--products hnn|eigen]\n";
  std::exit(2);
}

// The command line read over `defaults`; --mode must be one of `modes`. A bad
// argument prints the usage and exits with status 2.
inline Args parse_args(int argc, char** argv, const std::string& program, Args defaults,
                       const std::vector<std::string>& modes) {
  Args a = std::move(defaults);
  const auto fail = [&](const std::string& why) { usage(program, modes, why); };
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(k + " needs a value");
      return argv[++i];
    };
    const auto number = [&]() -> long long {
      const std::string v = value();
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0') fail(k + ": not a number: " + v);
      return n;
    };
    if (k == "--mode") {
      a.mode = value();
    } else if (k == "--batch") {
      a.batch = hnn::Index(number());
    } else if (k == "--opt") {
      a.opt = value();
    } else if (k == "--threads") {
      a.threads = int(number());
    } else if (k == "--samples") {
      a.samples = hnn::Index(number());
    } else if (k == "--warmup") {
      a.warmup = int(number());
    } else if (k == "--ftz") {
      a.ftz = true;
    } else if (k == "--seed") {
      a.seed = std::uint64_t(number());
    } else if (k == "--reps") {
      a.reps = int(number());
    } else if (k == "--products") {
      a.products = value();
    } else if (k == "--help" || k == "-h") {
      fail("help");
    } else {
      fail("unknown argument " + k);
    }
  }
  if (std::find(modes.begin(), modes.end(), a.mode) == modes.end())
    fail("--mode must be one of the modes below");
  if (a.opt != "sgd" && a.opt != "adam") fail("--opt must be sgd or adam");
  if (a.products != "hnn" && a.products != "eigen") fail("--products must be hnn or eigen");
  if (a.batch < 1 || a.samples < 1 || a.threads < 1 || a.warmup < 0 || a.reps < 1)
    fail("--batch, --samples, --threads, --reps must be >= 1 and --warmup >= 0");
  return a;
}

}  // namespace hnn_bench
