// SPDX-License-Identifier: MIT
#pragma once
// Learning-rate schedules: the rate for each epoch (counted from 0), from
// the optimizer's base rate η₀. Any optimizer, since all of them expose
// set_learning_rate(); in fit() the LearningRateScheduler callback applies
// one at the start of every epoch.
//
//   constant         η_e = η₀
//   step             η_e = η₀ γ^⌊e / s⌋                    (torch StepLR)
//   exponential      η_e = η₀ γ^e                          (torch ExponentialLR)
//   cosine           η_e = η_min + ½ (η₀ − η_min)(1 + cos(π e / T))   for e ≤ T
//                    and η_min after (torch's CosineAnnealingLR for e ≤ T;
//                    it climbs back up after T, this stays at η_min)
//   linear warm-up   η_e = η₀ (e + 1) / W for e < W, then the wrapped schedule
//                    at e − W

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"

namespace hnn {

/// A learning-rate schedule: the rate for each epoch from the optimizer's base rate η₀.
class Schedule {
 public:
  /// The rate of an epoch (from 0) for the base rate η₀.
  using Function = std::function<double(int epoch, double base_rate)>;

  /// η_e = η₀.
  static Schedule constant() {
    return Schedule("constant", [](int, double base) { return base; });
  }
  /// η_e = η₀ γ^⌊e / s⌋ (torch's StepLR).
  static Schedule step(int step_size, double gamma) {
    if (step_size <= 0) throw ArgumentError("Schedule::step: step_size must be > 0");
    check_above("Schedule::step", "gamma", gamma, 0);
    return Schedule("step", [=](int e, double base) {
      return base * std::pow(gamma, e / step_size);  // η₀ γ^⌊e/s⌋
    });
  }
  /// η_e = η₀ γ^e (torch's ExponentialLR).
  static Schedule exponential(double gamma) {
    check_above("Schedule::exponential", "gamma", gamma, 0);
    return Schedule("exponential", [=](int e, double base) { return base * std::pow(gamma, e); });
  }
  /// η_e = η_min + ½ (η₀ − η_min)(1 + cos(π e / T)) for e ≤ T, η_min after.
  static Schedule cosine(int t_max, double min_rate = 0.0) {
    if (t_max <= 0) throw ArgumentError("Schedule::cosine: t_max must be > 0");
    check_at_least("Schedule::cosine", "min_rate", min_rate, 0);
    return Schedule("cosine", [=](int e, double base) {
      const double pi = 3.14159265358979323846;
      const double progress = double(e < t_max ? e : t_max) / t_max;
      return min_rate + 0.5 * (base - min_rate) * (1 + std::cos(pi * progress));
    });
  }
  /// η₀ (e + 1) / W for the first W epochs, then the schedule `then` at e − W.
  static Schedule warmup(int warmup_epochs, Schedule then = constant()) {
    if (warmup_epochs <= 0) throw ArgumentError("Schedule::warmup: warmup_epochs must be > 0");
    auto after = then.f_;
    return Schedule("warmup+" + then.name_, [=](int e, double base) {
      if (e < warmup_epochs) return base * double(e + 1) / warmup_epochs;  // η₀ (e + 1) / W
      return after(e - warmup_epochs, base);
    });
  }

  /// The rate of `epoch` (from 0) for the base rate η₀.
  double operator()(int epoch, double base_rate) const { return f_(epoch, base_rate); }
  /// The schedule's name ("cosine", "warmup+step", …).
  const std::string& name() const { return name_; }

 private:
  Schedule(std::string name, Function f) : name_(std::move(name)), f_(std::move(f)) {}
  std::string name_;
  Function f_;
};

}  // namespace hnn
