// SPDX-License-Identifier: MIT
#pragma once
// A seeded random engine whose numbers are the same on every compiler and
// standard library. std::uniform_real_distribution and
// std::normal_distribution are implementation-defined, so hnn draws its own
// from the 64-bit Mersenne Twister (whose output the standard fixes):
// uniform doubles from the top 53 bits, normals by Box–Muller.
//
// state() and set_state() save and restore the whole generator (the engine
// and Box–Muller's spare), so a training run can stop and resume drawing the
// same numbers it would have drawn (io/checkpoint.hpp).

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <utility>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// A seeded random engine whose numbers are the same on every compiler and library.
class Random {
 public:
  /// A generator seeded with `seed`.
  explicit Random(std::uint64_t seed = 42) : engine_(seed) {}

  /// Restarts the generator from `s`.
  void seed(std::uint64_t s) {
    engine_.seed(s);
    has_spare_ = false;
  }

  /// The generator's state as text, to restore with set_state().
  // The Mersenne Twister's 312 words (the standard's stream format), then the
  // spare normal, exactly.
  std::string state() const {
    std::ostringstream s;
    std::uint64_t spare_bits = 0;
    std::memcpy(&spare_bits, &spare_, sizeof spare_bits);
    s << engine_ << ' ' << (has_spare_ ? 1 : 0) << ' ' << spare_bits;
    return s.str();
  }
  /// Restores a state() string; ArgumentError if it is not one.
  void set_state(const std::string& text) {
    std::istringstream s(text);
    std::mt19937_64 engine;
    int has_spare = -1;
    std::uint64_t spare_bits = 0;
    s >> engine >> has_spare >> spare_bits;
    if (!s || (has_spare != 0 && has_spare != 1) || !(s >> std::ws).eof()) {
      throw ArgumentError("Random::set_state: not a state written by Random::state()");
    }
    engine_ = engine;
    has_spare_ = has_spare == 1;
    std::memcpy(&spare_, &spare_bits, sizeof spare_bits);
  }

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// Normal with the given mean and standard deviation.
  // Box–Muller: z = √(−2 ln u₁) cos(2π u₂), and the sine twin is kept for the next call.
  double normal(double mean = 0.0, double stddev = 1.0) {
    if (has_spare_) {
      has_spare_ = false;
      return mean + stddev * spare_;
    }
    constexpr double two_pi = 6.283185307179586476925286766559;
    double u1 = 0.0;
    while (u1 <= 0.0)
      u1 = uniform();  // log(0) is −∞
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(two_pi * u2);
    has_spare_ = true;
    return mean + stddev * r * std::cos(two_pi * u2);
  }

  /// Uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    if (n == 0) throw ArgumentError("Random::below: n must be > 0");
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = engine_();
    while (x >= limit)
      x = engine_();
    return x % n;
  }

  /// Fisher–Yates shuffle of any random-access range.
  template <typename It>
  void shuffle(It first, It last) {
    const auto n = static_cast<std::uint64_t>(last - first);
    for (std::uint64_t i = n; i > 1; --i) {
      const auto j = below(i);
      using std::swap;
      swap(first[static_cast<std::ptrdiff_t>(i - 1)], first[static_cast<std::ptrdiff_t>(j)]);
    }
  }

  /// Fills m with uniform numbers in [lo, hi).
  template <typename Derived>
  void fill_uniform(Eigen::DenseBase<Derived>& m, double lo, double hi) {
    using S = typename Derived::Scalar;
    for (Index j = 0; j < m.cols(); ++j)
      for (Index i = 0; i < m.rows(); ++i)
        m(i, j) = static_cast<S>(uniform(lo, hi));
  }

  /// Fills m with normal numbers.
  template <typename Derived>
  void fill_normal(Eigen::DenseBase<Derived>& m, double mean, double stddev) {
    using S = typename Derived::Scalar;
    for (Index j = 0; j < m.cols(); ++j)
      for (Index i = 0; i < m.rows(); ++i)
        m(i, j) = static_cast<S>(normal(mean, stddev));
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace hnn
