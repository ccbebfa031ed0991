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
#include <iostream>
#include <memory>
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

}  // namespace hnn_bench
