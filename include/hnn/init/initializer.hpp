// SPDX-License-Identifier: MIT
#pragma once
// Weight initializers. A layer's starting weights decide whether a deep
// network trains at all: too small and the signal (and gradient) shrinks
// layer by layer, too large and it explodes. The scaled schemes pick the
// spread from the fan-in (inputs per unit) and fan-out (outputs per unit):
//
//   Xavier/Glorot   Var(w) = 2 / (fan_in + fan_out)   for tanh, sigmoid
//                   uniform: U(−a, a), a = √(6 / (fan_in + fan_out))
//   He/Kaiming      Var(w) = 2 / fan_in                for ReLU (half the units are off)
//                   uniform: a = √(6 / fan_in)
//   LeCun           Var(w) = 1 / fan_in                for SELU
//                   uniform: a = √(3 / fan_in)
//
// (A uniform U(−a, a) has variance a²/3, which is where the √6 and √3 come
// from.) Plain zeros / constant / uniform / normal are there for experiments:
// zero weights make every unit of a layer compute the same thing forever.

#include <cmath>
#include <sstream>
#include <string>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// A weight initializer: a scheme (Xavier, He, LeCun, …) that fills a weight matrix.
class Init {
 public:
  /// The schemes.
  enum class Kind {
    zeros,
    constant,
    uniform,
    normal,
    xavier_uniform,
    xavier_normal,
    he_uniform,
    he_normal,
    lecun_uniform,
    lecun_normal
  };

  /// All zeros.
  static Init zeros() { return Init(Kind::zeros); }
  /// Every weight `value`.
  static Init constant(double value) {
    if (!std::isfinite(value)) throw ArgumentError("Init::constant: the value must be finite");
    return Init(Kind::constant, value);
  }
  /// U(lo, hi).
  static Init uniform(double lo, double hi) {
    if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi)) {
      throw ArgumentError("Init::uniform: lo must be < hi, both finite, got lo = " +
                          exact_number(lo) + ", hi = " + exact_number(hi));
    }
    return Init(Kind::uniform, lo, hi);
  }
  /// N(mean, stddev²).
  static Init normal(double mean, double stddev) {
    if (!std::isfinite(mean)) throw ArgumentError("Init::normal: mean must be finite");
    check_at_least("Init::normal", "stddev", stddev, 0);
    return Init(Kind::normal, mean, stddev);
  }
  /// Xavier/Glorot uniform: U(−a, a), a = √(6 / (fan_in + fan_out)).
  static Init xavier_uniform() { return Init(Kind::xavier_uniform); }
  /// Xavier/Glorot normal: Var(w) = 2 / (fan_in + fan_out).
  static Init xavier_normal() { return Init(Kind::xavier_normal); }
  /// He/Kaiming uniform: U(−a, a), a = √(6 / fan_in).
  static Init he_uniform() { return Init(Kind::he_uniform); }
  /// He/Kaiming normal: Var(w) = 2 / fan_in.
  static Init he_normal() { return Init(Kind::he_normal); }
  /// LeCun uniform: U(−a, a), a = √(3 / fan_in).
  static Init lecun_uniform() { return Init(Kind::lecun_uniform); }
  /// LeCun normal: Var(w) = 1 / fan_in.
  static Init lecun_normal() { return Init(Kind::lecun_normal); }

  // Glorot and Kaiming are the same schemes under their authors' other names.
  /// xavier_uniform() under its other name.
  static Init glorot_uniform() { return xavier_uniform(); }
  /// xavier_normal() under its other name.
  static Init glorot_normal() { return xavier_normal(); }
  /// he_uniform() under its other name.
  static Init kaiming_uniform() { return he_uniform(); }
  /// he_normal() under its other name.
  static Init kaiming_normal() { return he_normal(); }

  /// The scheme.
  Kind kind() const { return kind_; }
  /// The first number of the scheme: the constant, lo, or the mean.
  double a() const { return a_; }
  /// The second number of the scheme: hi, or the standard deviation.
  double b() const { return b_; }

  /// "he_uniform", "constant(0.1)", "uniform(-1, 1)": the scheme as a summary writes it.
  std::string name() const {
    std::ostringstream s;
    switch (kind_) {
      case Kind::zeros:
        return "zeros";
      case Kind::constant:
        s << "constant(" << a_ << ')';
        return s.str();
      case Kind::uniform:
        s << "uniform(" << a_ << ", " << b_ << ')';
        return s.str();
      case Kind::normal:
        s << "normal(" << a_ << ", " << b_ << ')';
        return s.str();
      case Kind::xavier_uniform:
        return "xavier_uniform";
      case Kind::xavier_normal:
        return "xavier_normal";
      case Kind::he_uniform:
        return "he_uniform";
      case Kind::he_normal:
        return "he_normal";
      case Kind::lecun_uniform:
        return "lecun_uniform";
      case Kind::lecun_normal:
        return "lecun_normal";
    }
    return "unknown";
  }

  /// Fills W (fan_out × fan_in for a dense layer) with fresh values.
  template <typename Derived>
  void fill(Eigen::DenseBase<Derived>& W, Index fan_in, Index fan_out, Random& rng) const {
    using S = typename Derived::Scalar;
    const double in = static_cast<double>(fan_in), out = static_cast<double>(fan_out);
    switch (kind_) {
      case Kind::zeros:
        W.setZero();
        return;
      case Kind::constant:
        W.setConstant(static_cast<S>(a_));
        return;
      case Kind::uniform:
        rng.fill_uniform(W, a_, b_);
        return;
      case Kind::normal:
        rng.fill_normal(W, a_, b_);
        return;
      case Kind::xavier_uniform:
        return uniform_limit(W, std::sqrt(6.0 / (in + out)), rng);
      case Kind::xavier_normal:
        return rng.fill_normal(W, 0.0, std::sqrt(2.0 / (in + out)));
      case Kind::he_uniform:
        return uniform_limit(W, std::sqrt(6.0 / in), rng);
      case Kind::he_normal:
        return rng.fill_normal(W, 0.0, std::sqrt(2.0 / in));
      case Kind::lecun_uniform:
        return uniform_limit(W, std::sqrt(3.0 / in), rng);
      case Kind::lecun_normal:
        return rng.fill_normal(W, 0.0, std::sqrt(1.0 / in));
    }
  }

 private:
  explicit Init(Kind kind, double a = 0.0, double b = 0.0) : kind_(kind), a_(a), b_(b) {}

  template <typename Derived>
  static void uniform_limit(Eigen::DenseBase<Derived>& W, double limit, Random& rng) {
    rng.fill_uniform(W, -limit, limit);  // U(−a, a)
  }

  Kind kind_;
  double a_;
  double b_;
};

}  // namespace hnn
