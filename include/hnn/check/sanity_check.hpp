// SPDX-License-Identifier: MIT
#pragma once
// Sanity checks before a long training run: the checks a careful
// practitioner runs by hand, as one function that says what passed and what
// looks wrong.
//
//   hnn::SanityOptions<float> o;
//   o.learning_rate = 1e-3;            // the training you are about to run
//   o.batch_size = 64;
//   const auto report = hnn::sanity_check(model, X_train, y_train, loss, o);
//   std::cout << report.summary();
//   if (!report.passed()) return 1;
//
// report.sweep holds the range test's curve, loss against η, and what was
// found on it; examples/mnist.cpp draws it with plot/svg.hpp.
//
// Every check runs on a copy of the model (Sequential's copy clones every
// layer) with an optimizer made afresh for it (SanityOptions::optimizer), so
// the model and optimizer given are left exactly as they were. The checks,
// in the order one would debug:
//
// 1. The initial loss. A classifier that knows nothing gives each of its C
//    classes probability 1/C, so each sample's cross-entropy is
//    −ln(1/C) = ln C (2.303 for ten classes). At initialisation the logits
//    z (C values per sample) are small, and the loss of one sample is, to
//    second order in z,
//
//      −ln p_y = lse(z) − z_y,   lse(z) = ln Σ_k e^(z_k)
//              ≈ ln C + (z̄ − z_y) + ½ · (1/C) Σ_k (z_k − z̄)²
//
//    (the gradient of lse at z = 0 is 1/C in every entry, its Hessian
//    (1/C)(I − 11ᵀ/C)). If the logits start independent of the label, with
//    mean 0 and standard deviation s each, the middle term averages to 0 and
//    the last to ½ s² (C − 1)/C, so
//
//      L₀ ≈ ln C + τ(s),   τ(s) = ½ s² (C − 1)/C.
//
//    The check passes when |L₀ − ln C| ≤ τ(1) (0.45 for C = 10): logits
//    spread by up to about 1 at the start. The mean over 1024 samples is
//    precise enough for that: each sample's z̄ − z_y has a standard
//    deviation near s, so the mean's is about s/32. Up to τ(2) = 4 τ(1)
//    above is a warning; more fails: the model starts confidently wrong (a
//    large final bias or weight scale, unscaled inputs) and spends its first
//    steps undoing that. More than τ(1) below is a warning: the model knows the
//    labels before training, which is right only if the final bias was set
//    to the log class frequencies (then L₀ ≈ the labels' entropy H, which
//    the check prints), and otherwise hints at labels leaking into the
//    inputs. For sigmoid outputs (BinaryCrossEntropyWithLogits, or
//    BinaryCrossEntropy after a sigmoid) each output is a two-class problem:
//    ln(1 + e^z) − t z ≈ ln 2 + (½ − t) z + z²/8, so L₀ ≈ ln 2 + s²/8 and
//    τ(s) = s²/8. Other losses have no value that a model knowing nothing
//    must give; the check reports L₀ and is skipped. L₀ is measured in
//    training mode, as the first step of fit sees it, on the first
//    initial_samples samples.
//
// 2. The gradient probe. backward must give the slope of the loss. Along
//    any direction d the central difference measures that slope without
//    knowing backward:
//
//      (L(w + h d) − L(w − h d)) / 2h  =  ∇L · d + O(h²)
//
//    The probe takes, for each parameter tensor, d = g / ‖g‖ with g the
//    gradient backward gave for it (a random direction where g = 0): if g
//    is right, the two sides agree; if backward is wrong, g · d = ‖g‖ while
//    the loss falls at the rate ∇L · d of the true gradient, which differs
//    unless the error happens to be orthogonal to g. The direction of g is
//    also the one the optimizer steps along and the one in which the loss
//    changes most, so the difference is measured best there. Two forwards
//    per tensor, against two per number for a full gradient check
//    (check_model, chapter 06): cheap for a float MNIST model, and the
//    tensor named in the report is the one to look at. In floating point
//    w ± h d is rounded, so the analytic side is computed with the step
//    actually taken, g · (w₊ − w₋) / 2h. The measure is
//
//      error = |a − n| / max(|a|, |n|, floor),  floor = 10 ε max(|L|, 1) / h
//
//    (a analytic, n numeric, ε the machine epsilon of Scalar): the floor is
//    the smallest slope that the rounding of L, about ε |L| in each of the
//    two losses, lets the difference quotient resolve. The error has two
//    sources pulling h apart: rounding, ε |L| / h, and with ReLU the kinks
//    that w ± h d crosses, which grow with h. On chapter 12's float MNIST
//    network h = 10⁻³ gives the smallest worst error, 3 · 10⁻⁴ (10⁻² gives
//    3 · 10⁻³, 3 · 10⁻⁴ gives 1.6 · 10⁻³), so the float tolerance 10⁻²
//    keeps a margin of more than 30; in double, h = 10⁻⁶ and a tolerance
//    of 10⁻⁴. A gradient off by a factor 2 has error 0.5.
//    Over-fitting (check 3) cannot see such a factor: the gradient still
//    points downhill, and Adam, which divides by the gradient's own scale,
//    takes the same steps. The probe sees it.
//
// 3. Over-fitting a tiny batch. A model that can learn anything can learn
//    its first overfit_samples samples by heart: with the optimizer and
//    learning rate you plan to use, full-batch steps on them must bring the
//    training loss to overfit_fraction of ln C (of ln 2 for sigmoid
//    outputs; of the first loss when that is lower, or for other losses)
//    within overfit_steps steps: 2% of ln 10 is 0.046, p_y = 0.955 on
//    (geometric) average. A loss that fell to half its start but not to
//    the target is a warning (slow: another learning rate, more steps; with
//    dropout the training loss stays above 0). One that did not halve
//    fails: something between the data and the update is broken (the
//    labels do not match the inputs, a layer's gradient is missing, the
//    model is too small), or the learning rate is far off; so does one
//    that came down and went back up to more than twice its lowest (the
//    learning rate is too high), or that became NaN.
//
// 4. The learning-rate range test (L. N. Smith, "Cyclical learning rates
//    for training neural networks", 2017). range_steps steps of ordinary
//    mini-batch training, with the learning rate raised geometrically from
//    range_min to range_max,
//
//      η_k = η_min (η_max / η_min)^(k / (K − 1)),   k = 0 … K − 1,
//
//    recording the loss of each step's batch. While η is too small the loss
//    barely moves; then it falls, fastest where η suits the model; then the
//    steps overshoot and it rises and diverges. The losses are averaged
//    over range_window consecutive steps (a batch's loss is noisy), and the
//    fall per decade, −ΔL̄/Δlog₁₀η, is measured from that average. The
//    report gives η where the loss falls fastest and the range around it
//    where it falls at least half as fast, η of the lowest average, and η
//    where the average passed divergence_factor × its lowest (the sweep
//    stops there, or at a non-finite loss). The learning rate you plan to
//    use passes inside [start of the falling range, the lowest loss]; below
//    it, training is slow (a warning); between the lowest loss and the
//    divergence it is closing in on the divergence (a warning); at or
//    above the divergence it fails. Each step's loss comes from weights
//    trained by all the steps before, at smaller η: the picture is a guide
//    to the order of magnitude, not an exact optimum.
//
// Everything is drawn from options.seed: the same seed and thread count
// give the same report.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hnn/core/check.hpp"
#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/types.hpp"
#include "hnn/losses/binary_cross_entropy.hpp"
#include "hnn/losses/binary_cross_entropy_with_logits.hpp"
#include "hnn/losses/cross_entropy.hpp"
#include "hnn/losses/loss.hpp"
#include "hnn/losses/softmax_cross_entropy.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/model/train.hpp"
#include "hnn/optimizers/adam.hpp"
#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

/// The settings of sanity_check: the training about to run, and each check's.
template <typename Scalar>
struct SanityOptions {
  // The training you are about to run. `optimizer` makes a fresh optimizer
  // for a learning rate (each check trains with its own); empty: Adam.
  std::function<std::unique_ptr<Optimizer<Scalar>>(double learning_rate)>
      optimizer;                ///< makes the optimizer for a learning rate; empty: Adam
  double learning_rate = 1e-3;  ///< the learning rate you plan to train with
  Index batch_size = 32;        ///< the batch size you plan to train with
  std::uint64_t seed = 1;       ///< the seed of every draw (sample order, dropout, directions)

  // 1. The initial loss, on the first initial_samples samples.
  Index initial_samples = 1024;  ///< samples the initial loss is measured on

  // 2. The gradient probe, on the first probe_samples samples: step h and
  // the largest acceptable error per tensor (float rounds ~10⁹ times more
  // coarsely than double, so both are larger for float).
  Index probe_samples = 8;  ///< samples the gradient probe runs on
  double probe_step = std::is_same<Scalar, float>::value ? 1e-3 : 1e-6;  ///< h
  double probe_tolerance =
      std::is_same<Scalar, float>::value ? 1e-2 : 1e-4;  ///< the largest error that passes

  // 3. Over-fitting the first overfit_samples samples: the loss must reach
  // overfit_fraction of ln C (or of its start) within overfit_steps
  // full-batch steps.
  Index overfit_samples = 16;      ///< the tiny batch: the first samples
  int overfit_steps = 200;         ///< the step budget
  double overfit_fraction = 0.02;  ///< the target, as a fraction of ln C or of the first loss

  // 4. The learning-rate range test: range_steps steps from range_min to
  // range_max, averaged over range_window steps, stopped when the average
  // passes divergence_factor × its lowest. range_test = false skips it.
  bool range_test = true;        ///< whether to run the range test
  int range_steps = 300;         ///< steps of the sweep
  double range_min = 1e-6;       ///< the first learning rate
  double range_max = 10;         ///< the last learning rate
  int range_window = 15;         ///< losses averaged (odd)
  double divergence_factor = 4;  ///< diverged: the average passed this × its lowest
};

/// What a check found.
enum class SanityStatus {
  passed,   ///< as expected
  warning,  ///< works, but something looks off
  failed,   ///< wrong: fix it before a long run
  skipped   ///< not run, or nothing to compare with
};

/// "passed", "warning", "FAILED" or "skipped".
inline const char* status_name(SanityStatus s) {
  switch (s) {
    case SanityStatus::passed:
      return "passed";
    case SanityStatus::warning:
      return "warning";
    case SanityStatus::failed:
      return "FAILED";
    case SanityStatus::skipped:
      return "skipped";
  }
  return "?";
}

namespace detail {
inline constexpr double none = std::numeric_limits<double>::quiet_NaN();  // not measured, not found
inline constexpr double unbounded = std::numeric_limits<double>::infinity();
}  // namespace detail

/// One check: what it measured, what was expected, and what to try.
struct SanityCheck {
  std::string name;                             ///< "initial loss", "gradient probe", …
  SanityStatus status = SanityStatus::skipped;  ///< what it found
  double measured = detail::none;               ///< the value measured
  double expected_low = -detail::unbounded;     ///< the expected range's lower end
  double expected_high = detail::unbounded;     ///< the expected range's upper end
  std::string expected;                         ///< the expectation in words
  std::string advice;  ///< one line: what it means, what looks wrong, what to try
};

/// The learning-rate range test's record: one entry per step taken.
struct LearningRateSweep {
  std::string optimizer;               ///< the optimizer that swept
  double learning_rate = 0;            ///< the learning rate you plan to use
  std::vector<double> learning_rates;  ///< η_k of each step
  std::vector<double> losses;          ///< the loss of step k's batch, before its update
  std::vector<double> smoothed;        ///< the mean of range_window losses centred on k
  double steepest = detail::none;      ///< η where the average falls fastest per decade
  double falling_low = detail::none;   ///< from here the average falls at least half as fast
  double falling_high = detail::none;  ///< up to here
  double lowest = detail::none;        ///< η of the lowest average
  double diverged = detail::none;      ///< η where it diverged; NaN: it did not
};

/// The gradient probe of one parameter tensor: two slopes along its gradient's direction d.
struct ProbedTensor {
  std::string name;     ///< the parameter, named as Sequential::parameters() names it ("0.W")
  double analytic = 0;  ///< the slope backward predicts, g · (w₊ − w₋) / 2h
  double numeric = 0;   ///< the slope of the loss, (L(w₊) − L(w₋)) / 2h
  double error = 0;     ///< |a − n| / max(|a|, |n|, floor)
  bool passed = true;   ///< whether error ≤ probe_tolerance
};

/// What sanity_check found: one entry per check, with the details of two.
struct SanityReport {
  std::vector<SanityCheck> checks;  ///< in the order they ran
  std::vector<ProbedTensor> probe;  ///< the gradient probe, tensor by tensor
  LearningRateSweep sweep;          ///< the range test (empty when skipped)

  /// Whether no check failed (warnings and skipped checks pass).
  bool passed() const {
    return std::none_of(checks.begin(), checks.end(),
                        [](const SanityCheck& c) { return c.status == SanityStatus::failed; });
  }
  /// How many checks found `s`.
  std::size_t count(SanityStatus s) const {
    return std::size_t(std::count_if(checks.begin(), checks.end(),
                                     [s](const SanityCheck& c) { return c.status == s; }));
  }
  /// The check named `name`; ArgumentError if there is none.
  const SanityCheck& check(const std::string& name) const {
    for (const auto& c : checks)
      if (c.name == name) return c;
    throw ArgumentError("SanityReport::check: no check named \"" + name + "\"");
  }

  /// A readable table, with a line of advice under each check.
  // For example:
  //   sanity checks: 4 passed, 0 warnings, 0 failed, 0 skipped
  //     passed   initial loss                 2.436   expected 2.303 ± 0.45 (ln 10)
  //              starts near ln 10: the model knows nothing yet, as it should
  std::string summary() const {
    std::ostringstream s;
    s << "sanity checks: " << count(SanityStatus::passed) << " passed, "
      << count(SanityStatus::warning) << " warnings, " << count(SanityStatus::failed) << " failed, "
      << count(SanityStatus::skipped) << " skipped\n";
    for (const auto& c : checks) {
      std::ostringstream measured;
      measured << std::setprecision(4) << c.measured;
      s << "  " << std::left << std::setw(9) << status_name(c.status) << std::setw(24) << c.name
        << std::right << std::setw(10) << (std::isnan(c.measured) ? "-" : measured.str())
        << "   expected " << c.expected << '\n'
        << "           " << c.advice << '\n';
      if (c.name == "gradient probe" && c.status == SanityStatus::failed) {
        for (const auto& t : probe) {
          s << "             " << t.name << ": slope from backward " << std::setprecision(4)
            << t.analytic << ", of the loss " << t.numeric << ", error " << t.error
            << (t.passed ? "" : "  <-- wrong") << '\n';
        }
      }
    }
    return s.str();
  }
};

namespace detail {

// A number with four significant digits, for the messages.
inline std::string sanity_number(double v) {
  std::ostringstream s;
  s << std::setprecision(4) << v;
  return s.str();
}

// The class frequencies of the targets: of labels, or of a target matrix's
// rows (one-hot, or each output's share of 1s for sigmoid outputs).
inline std::vector<double> class_frequencies(const Labels& y, Index classes) {
  std::vector<double> f(std::size_t(classes), 0.0);
  for (Index j = 0; j < y.size(); ++j)
    f[std::size_t(y(j))] += 1.0 / double(y.size());
  return f;
}
template <typename Scalar>
std::vector<double> class_frequencies(const Matrix<Scalar>& T, Index /*classes*/) {
  std::vector<double> f(std::size_t(T.rows()), 0.0);
  const double total = double(T.template cast<double>().sum());
  for (Index i = 0; i < T.rows(); ++i)
    f[std::size_t(i)] = total > 0 ? double(T.row(i).template cast<double>().sum()) / total : 0;
  return f;
}
template <typename Scalar>
std::vector<double> output_frequencies(const Matrix<Scalar>& T) {  // P(t = 1) per output
  std::vector<double> f(std::size_t(T.rows()), 0.0);
  for (Index i = 0; i < T.rows(); ++i)
    f[std::size_t(i)] = double(T.row(i).template cast<double>().mean());
  return f;
}
inline std::vector<double> output_frequencies(const Labels&) {
  return {};
}

// −Σ f ln f, in nats.
inline double entropy(const std::vector<double>& f) {
  double h = 0;
  for (double p : f)
    if (p > 0) h -= p * std::log(p);
  return h;
}

// One step of the training loop (model/train.hpp): zero_grad, forward,
// L = loss + R, backward, the penalties' gradients, the optimizer's step.
// Returns L, the loss before the step.
template <typename Scalar, typename Inputs, typename Targets>
double training_step(Sequential<Scalar>& model, const Inputs& X, const Targets& T,
                     const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
                     std::vector<Parameter<Scalar>>& params, Matrix<Scalar>& dP, Random& rng) {
  zero_grad(params);
  const ConstRef<Scalar> P = model.forward(X, Mode::train, rng);  // P = f(X)
  auto G = batch_view(dP, P.rows(), P.cols());
  const double L = double(loss.value_and_gradient(P, T, G)) + model.penalty_value();
  if (!std::isfinite(L)) return L;  // the caller stops; no step on a NaN gradient
  model.backward(G);                // ∂L/∂w
  model.add_penalty_gradients();    // dW += ∂R/∂W
  optimizer.step(params);           // w ← w − η (…)
  return L;
}

template <typename Scalar>
std::unique_ptr<Optimizer<Scalar>> sanity_optimizer(const SanityOptions<Scalar>& o, double lr) {
  if (!o.optimizer) return std::make_unique<Adam<Scalar>>(lr);
  auto made = o.optimizer(lr);
  if (!made) throw ArgumentError("sanity_check: options.optimizer returned no optimizer");
  made->set_learning_rate(lr);
  return made;
}

template <typename Scalar>
void check_sanity_options(const SanityOptions<Scalar>& o) {
  const std::string who = "sanity_check";
  check_above(who, "options.learning_rate", o.learning_rate, 0);
  if (o.batch_size <= 0) throw ArgumentError(who + ": options.batch_size must be > 0");
  if (o.initial_samples <= 0) throw ArgumentError(who + ": options.initial_samples must be > 0");
  if (o.probe_samples <= 0) throw ArgumentError(who + ": options.probe_samples must be > 0");
  check_above(who, "options.probe_step", o.probe_step, 0);
  check_above(who, "options.probe_tolerance", o.probe_tolerance, 0);
  if (o.overfit_samples <= 0) throw ArgumentError(who + ": options.overfit_samples must be > 0");
  if (o.overfit_steps <= 0) throw ArgumentError(who + ": options.overfit_steps must be > 0");
  if (!(o.overfit_fraction > 0 && o.overfit_fraction < 1)) {
    throw ArgumentError(who + ": options.overfit_fraction must be in (0, 1), got " +
                        exact_number(o.overfit_fraction));
  }
  if (!o.range_test) return;
  check_above(who, "options.range_min", o.range_min, 0);
  check_above(who, "options.range_max (> range_min)", o.range_max, o.range_min);
  if (o.range_window < 1 || o.range_window % 2 == 0) {
    throw ArgumentError(who + ": options.range_window must be an odd number ≥ 1, got " +
                        std::to_string(o.range_window));
  }
  if (o.range_steps < 4 * o.range_window) {
    throw ArgumentError(who + ": options.range_steps must be ≥ 4 × range_window = " +
                        std::to_string(4 * o.range_window) + ", got " +
                        std::to_string(o.range_steps));
  }
  check_above(who, "options.divergence_factor", o.divergence_factor, 1);
}

// What a model that knows nothing scores: ln C for C classes, ln 2 per
// sigmoid output, with τ(1), the excess of logits spread by 1.
struct KnowingNothing {
  enum Kind { unknown, classes, sigmoid } kind = unknown;
  double value = 0;  // ln C, or ln 2
  double tau = 0;    // τ(1) = ½ (C − 1)/C, or 1/8
  std::string name;  // "ln 10", "ln 2 per output"
};
template <typename Scalar>
KnowingNothing knowing_nothing(const Loss<Scalar>& loss, Index C) {
  KnowingNothing r;
  if ((dynamic_cast<const SoftmaxCrossEntropy<Scalar>*>(&loss) ||
       dynamic_cast<const CrossEntropy<Scalar>*>(&loss)) &&
      C >= 2) {
    r.kind = KnowingNothing::classes;
    r.value = std::log(double(C));
    r.tau = 0.5 * double(C - 1) / double(C);
    r.name = "ln " + std::to_string(C);
  } else if (dynamic_cast<const BinaryCrossEntropyWithLogits<Scalar>*>(&loss) ||
             dynamic_cast<const BinaryCrossEntropy<Scalar>*>(&loss)) {
    r.kind = KnowingNothing::sigmoid;
    r.value = std::log(2.0);
    r.tau = 0.125;
    r.name = "ln 2 per output";
  }
  return r;
}

// 1. The initial loss, in training mode, batch by batch, on the first
// initial_samples samples.
template <typename Scalar, typename Targets>
SanityCheck initial_loss_check(Sequential<Scalar> model, const Matrix<Scalar>& X, const Targets& T,
                               const Loss<Scalar>& loss, const SanityOptions<Scalar>& o) {
  SanityCheck c;
  c.name = "initial loss";
  Index n = std::min(o.initial_samples, X.cols());
  if (n > o.batch_size) n -= n % o.batch_size;  // whole batches (BatchNorm refuses a lone sample)
  Random rng(layer_seed(o.seed));
  model.reset_state();
  double sum = 0;  // Σ_B L_B |B|
  for (Index start = 0; start < n; start += o.batch_size) {
    const Index b = std::min(o.batch_size, n - start);
    const ConstRef<Scalar> P = model.forward(X.middleCols(start, b), Mode::train, rng);
    sum += double(loss.value(P, target_columns(T, start, b))) * double(b);
  }
  const double L0 = sum / double(n);
  c.measured = L0;

  const KnowingNothing r = knowing_nothing(loss, model.output_size());
  if (r.kind == KnowingNothing::unknown) {
    c.status = SanityStatus::skipped;
    c.expected = "no reference value for " + loss.name();
    c.advice =
        "a model that knows nothing has a known loss for the cross-entropies only (ln C, ln 2)";
    return c;
  }
  const bool multiclass = r.kind == KnowingNothing::classes;
  const Index C = model.output_size();
  const double expected = r.value, tau = r.tau;
  const std::string& reference = r.name;
  c.expected_low = expected - tau;
  c.expected_high = expected + tau;
  c.expected = sanity_number(expected) + " ± " + sanity_number(tau) + " (" + reference + ")";
  const double excess = L0 - expected;
  if (!std::isfinite(L0)) {
    c.status = SanityStatus::failed;
    c.advice = "the loss is not finite before training: check the data for NaN/inf";
  } else if (std::abs(excess) <= tau) {
    c.status = SanityStatus::passed;
    c.advice = "starts near " + reference + ": the model knows nothing yet, as it should";
  } else if (excess > 0) {
    // τ(s) = s² τ(1): the spread of logits that would explain the excess.
    const double spread = std::sqrt(excess / tau);
    c.status = excess <= 4 * tau ? SanityStatus::warning : SanityStatus::failed;
    c.advice = "above " + reference + ", as if the logits were spread by about " +
               sanity_number(spread) +
               ": the model starts confidently wrong; scale the inputs, use a smaller "
               "initial weight scale for the last layer, or set its bias to 0";
  } else {
    double H = 0;  // the entropy of the labels: L₀ of a model whose bias is the log frequencies
    if (multiclass) {
      H = entropy(class_frequencies(T, C));
    } else {
      for (double f : output_frequencies(T))
        H += entropy({f, 1 - f});
      H /= double(C);
    }
    c.status = SanityStatus::warning;
    c.advice = "below " + reference +
               ": the model knows the labels before training; right if "
               "the last bias holds the log class frequencies (then about " +
               sanity_number(H) + "), otherwise check that no input carries the label";
  }
  return c;
}

// The model's buffers and sequence state put back before every forward of
// the probe, as the gradient checker does (check/gradient_check.hpp), in
// the model's own Scalar.
template <typename Scalar>
class HeldBuffers {
 public:
  explicit HeldBuffers(Sequential<Scalar>& model) : model_(model) {
    for (auto& b : model.buffers())
      values_.emplace_back(b.value());
  }
  void restore() {
    auto buffers = model_.buffers();
    for (std::size_t k = 0; k < buffers.size() && k < values_.size(); ++k)
      buffers[k].value() = values_[k];
    model_.reset_state();
  }

 private:
  Sequential<Scalar>& model_;
  std::vector<Matrix<Scalar>> values_;
};

// 2. The gradient probe: per parameter tensor, the slope along d = g/‖g‖.
template <typename Scalar, typename Targets>
SanityCheck gradient_probe(Sequential<Scalar> model, const Matrix<Scalar>& X, const Targets& T,
                           const Loss<Scalar>& loss, const SanityOptions<Scalar>& o,
                           std::vector<ProbedTensor>& probe) {
  SanityCheck c;
  c.name = "gradient probe";
  const Index n = std::min(o.probe_samples, X.cols());
  const auto Xp = X.leftCols(n);
  const auto Tp = target_columns(T, 0, n);
  const double h = o.probe_step;
  HeldBuffers<Scalar> held(model);
  const auto L = [&]() {  // L(w) + R(w), the same draws every time
    held.restore();
    Random draws(layer_seed(o.seed));
    const ConstRef<Scalar> P = model.forward(Xp, Mode::train, draws);
    return double(loss.value(P, Tp)) + model.penalty_value();
  };

  // Analytic: one forward and one backward.
  model.zero_grad();
  held.restore();
  Random draws(layer_seed(o.seed));
  const ConstRef<Scalar> P = model.forward(Xp, Mode::train, draws);
  Matrix<Scalar> dP(P.rows(), P.cols());
  const double L0 = double(loss.value_and_gradient(P, Tp, dP)) + model.penalty_value();
  model.backward(dP);
  model.add_penalty_gradients();
  auto params = model.parameters();
  std::vector<Matrix<double>> grads;
  for (auto& p : params)
    grads.emplace_back(p.grad().template cast<double>());

  probe.clear();
  const double floor =
      10 * double(std::numeric_limits<Scalar>::epsilon()) * std::max(std::abs(L0), 1.0) / h;
  Random rng(o.seed);
  for (std::size_t k = 0; k < params.size(); ++k) {
    Matrix<double> d = grads[k];
    if (!(d.norm() > 0) || !d.allFinite()) rng.fill_normal(d, 0.0, 1.0);
    d /= d.norm();  // ‖d‖ = 1
    auto w = params[k].value();
    const Matrix<Scalar> w0 = w;
    w = (w0.template cast<double>() + h * d).template cast<Scalar>();  // w₊ = w + h d, rounded
    const Matrix<Scalar> w_plus = w;
    const double L_plus = L();
    w = (w0.template cast<double>() - h * d).template cast<Scalar>();  // w₋ = w − h d
    const Matrix<Scalar> w_minus = w;
    const double L_minus = L();
    w = w0;  // exactly as it was
    ProbedTensor t;
    t.name = params[k].name();
    t.analytic = grads[k].cwiseProduct((w_plus - w_minus).template cast<double>()).sum() /
                 (2 * h);                      // g · (w₊ − w₋) / 2h
    t.numeric = (L_plus - L_minus) / (2 * h);  // (L(w₊) − L(w₋)) / 2h
    t.error = std::abs(t.analytic - t.numeric) /
              std::max({std::abs(t.analytic), std::abs(t.numeric), floor});
    t.passed = t.error <= o.probe_tolerance;  // false for NaN too
    probe.push_back(t);
  }

  c.expected_low = 0;
  c.expected_high = o.probe_tolerance;
  c.expected = "≤ " + sanity_number(o.probe_tolerance) + " for every parameter tensor";
  if (probe.empty()) {
    c.status = SanityStatus::skipped;
    c.expected = "a model with parameters";
    c.advice = "the model has no parameters to probe";
    return c;
  }
  const ProbedTensor& worst = *std::max_element(
      probe.begin(), probe.end(), [](const ProbedTensor& a, const ProbedTensor& b) {
        return a.error < b.error || (std::isnan(b.error) && !std::isnan(a.error));  // NaN: worst
      });
  c.measured = worst.error;
  if (std::all_of(probe.begin(), probe.end(), [](const ProbedTensor& t) { return t.passed; })) {
    c.status = SanityStatus::passed;
    c.advice =
        "backward agrees with the slope of the loss along every gradient (worst: " + worst.name +
        ")";
  } else {
    c.status = SanityStatus::failed;
    c.advice = "backward disagrees with the slope of the loss, worst for " + worst.name +
               ": a backward pass in that layer or after it is wrong; check each layer with "
               "hnn::check_layer (chapter 05)";
  }
  return c;
}

// 3. Full-batch steps on the first overfit_samples samples.
template <typename Scalar, typename Targets>
SanityCheck overfit_check(Sequential<Scalar> model, const Matrix<Scalar>& X, const Targets& T,
                          const Loss<Scalar>& loss, const SanityOptions<Scalar>& o) {
  SanityCheck c;
  const Index n = std::min(o.overfit_samples, X.cols());
  c.name = "over-fit a tiny batch";
  const auto Xk = X.leftCols(n);
  const auto Tk = target_columns(T, 0, n);
  auto optimizer = sanity_optimizer(o, o.learning_rate);
  auto params = model.parameters();
  Matrix<Scalar> dP;
  Random rng(layer_seed(o.seed));
  model.reset_state();
  // The target: a fraction of the loss of knowing nothing (ln C), or of
  // the first loss when it is lower or no such value is known.
  const KnowingNothing r = knowing_nothing(loss, model.output_size());
  double first = 0, last = 0, target = 0, lowest = detail::unbounded;
  int steps = 0;
  bool reached = false;
  for (; steps < o.overfit_steps; ++steps) {
    last = training_step(model, Xk, Tk, loss, *optimizer, params, dP, rng);
    if (steps == 0) {
      first = last;
      target = o.overfit_fraction *
               (r.kind == KnowingNothing::unknown ? first : std::min(first, r.value));
    }
    if (!std::isfinite(last) || last <= target) {  // after `steps` steps
      reached = std::isfinite(last);
      break;
    }
    lowest = std::min(lowest, last);
  }
  if (!reached && std::isfinite(last)) {
    // The loss after the budget's last step.
    model.reset_state();
    const ConstRef<Scalar> P = model.forward(Xk, Mode::train, rng);
    last = double(loss.value(P, Tk)) + model.penalty_value();
    reached = last <= target;
  }
  c.measured = last;
  c.expected_low = 0;
  c.expected_high = target;
  c.expected =
      "≤ " + sanity_number(target) + " (" + sanity_number(100 * o.overfit_fraction) + "% of " +
      (r.kind != KnowingNothing::unknown && r.value <= first ? r.name : "the first loss") +
      ") within " + std::to_string(o.overfit_steps) + " steps on " + std::to_string(n) + " samples";
  const std::string with = optimizer->name() + " at η = " + sanity_number(o.learning_rate);
  if (!std::isfinite(last)) {
    c.status = SanityStatus::failed;
    c.advice = "the loss became " + sanity_number(last) + " at step " + std::to_string(steps + 1) +
               " with " + with + ": lower the learning rate";
  } else if (reached) {
    c.status = SanityStatus::passed;
    c.advice = "learned the " + std::to_string(n) + " samples by heart in " +
               std::to_string(std::min(steps, o.overfit_steps)) + " steps of " + with;
  } else if (last > 2 * lowest) {  // it came down, then went back up
    c.status = SanityStatus::failed;
    c.advice = "unstable: the loss went from " + sanity_number(first) + " down to " +
               sanity_number(lowest) + " and back up to " + sanity_number(last) + " with " + with +
               ": the learning rate is too high (see the range test)";
  } else if (last <= 0.5 * first) {
    c.status = SanityStatus::warning;
    c.advice = "slow: the loss fell to " + sanity_number(100 * last / first) +
               "% of its start in " + std::to_string(o.overfit_steps) + " steps of " + with +
               "; try another learning rate (see the range test) or more overfit_steps, and no "
               "dropout for this check";
  } else {
    c.status = SanityStatus::failed;
    c.advice = "cannot learn " + std::to_string(n) + " samples (" + sanity_number(first) + " → " +
               sanity_number(last) + " with " + with +
               "): check that the labels match the inputs, the gradients (the probe above), the "
               "learning rate (the range test) and the model's size";
  }
  return c;
}

// The mean of losses[k − δ … k + δ], δ = (window − 1)/2, clipped at the ends.
inline std::vector<double> centred_mean(const std::vector<double>& losses, int window) {
  const std::ptrdiff_t K = std::ptrdiff_t(losses.size()), d = (window - 1) / 2;
  std::vector<double> mean(losses.size());
  for (std::ptrdiff_t k = 0; k < K; ++k) {
    const std::ptrdiff_t a = std::max<std::ptrdiff_t>(0, k - d);
    const std::ptrdiff_t b = std::min<std::ptrdiff_t>(K - 1, k + d);
    double s = 0;
    for (std::ptrdiff_t j = a; j <= b; ++j)
      s += losses[std::size_t(j)];
    mean[std::size_t(k)] = s / double(b - a + 1);
  }
  return mean;
}

// 4. The learning-rate range test.
template <typename Scalar, typename Targets>
SanityCheck range_test(Sequential<Scalar> model, const Matrix<Scalar>& X, const Targets& T,
                       const Loss<Scalar>& loss, const SanityOptions<Scalar>& o,
                       LearningRateSweep& sweep) {
  SanityCheck c;
  c.name = "learning-rate range";
  auto optimizer = sanity_optimizer(o, o.range_min);
  sweep = LearningRateSweep();
  sweep.optimizer = optimizer->name();
  sweep.learning_rate = o.learning_rate;
  const Index B = std::min(o.batch_size, X.cols());
  Batches<Scalar, Targets> batches(X, T, B, true);
  batches.drop_partial();  // whole batches only, as fit's drop_last
  Random order_random(o.seed), layer_random(layer_seed(o.seed));
  auto params = model.parameters();
  Matrix<Scalar> dP;
  const int K = o.range_steps, w = o.range_window;
  double trailing_lowest = std::numeric_limits<double>::infinity();
  Index b = batches.count();
  for (int k = 0; k < K; ++k) {
    if (b == batches.count()) {  // a new epoch: a new order, the state from its start
      batches.shuffle(order_random);
      model.reset_state();
      b = 0;
    }
    const double eta = o.range_min * std::pow(o.range_max / o.range_min, double(k) / double(K - 1));
    optimizer->set_learning_rate(eta);  // η_k = η_min (η_max/η_min)^(k/(K − 1))
    const ConstRef<Scalar> Xb = batches.inputs(b);
    const double L =
        training_step(model, Xb, batches.targets(b), loss, *optimizer, params, dP, layer_random);
    ++b;
    sweep.learning_rates.push_back(eta);
    sweep.losses.push_back(L);
    if (!std::isfinite(L)) {
      sweep.diverged = eta;
      break;
    }
    if (k + 1 >= w) {  // the mean of the last w losses, against the lowest such mean
      double s = 0;
      for (int j = k + 1 - w; j <= k; ++j)
        s += sweep.losses[std::size_t(j)];
      const double trailing = s / double(w);
      trailing_lowest = std::min(trailing_lowest, trailing);
      if (trailing > o.divergence_factor * trailing_lowest) {
        sweep.diverged = sweep.learning_rates[std::size_t(k - (w - 1) / 2)];  // the window's centre
        break;
      }
    }
  }
  // The analysis runs on the finite losses (a NaN at the end is dropped).
  std::vector<double> finite = sweep.losses;
  if (!finite.empty() && !std::isfinite(finite.back())) finite.pop_back();
  sweep.smoothed = centred_mean(finite, w);
  if (sweep.smoothed.size() < sweep.losses.size()) sweep.smoothed.push_back(none);
  const std::ptrdiff_t M = std::ptrdiff_t(finite.size()), d = (w - 1) / 2;

  c.measured = o.learning_rate;
  std::ptrdiff_t lowest = 0;
  for (std::ptrdiff_t k = 1; k < M; ++k)
    if (sweep.smoothed[std::size_t(k)] < sweep.smoothed[std::size_t(lowest)]) lowest = k;
  // The fall per decade at k: −(L̄_{k+δ} − L̄_{k−δ}) / (log₁₀ η_{k+δ} − log₁₀ η_{k−δ}).
  std::vector<double> fall(std::size_t(std::max<std::ptrdiff_t>(M, 0)), 0.0);
  const auto log_eta = [&](std::ptrdiff_t k) {
    return std::log10(sweep.learning_rates[std::size_t(k)]);
  };
  for (std::ptrdiff_t k = 0; k < M; ++k) {
    const std::ptrdiff_t a = std::max<std::ptrdiff_t>(0, k - d);
    const std::ptrdiff_t e = std::min<std::ptrdiff_t>(M - 1, k + d);
    if (e > a) {
      fall[std::size_t(k)] = -(sweep.smoothed[std::size_t(e)] - sweep.smoothed[std::size_t(a)]) /
                             (log_eta(e) - log_eta(a));
    }
  }
  std::ptrdiff_t steepest = 0;
  for (std::ptrdiff_t k = 1; k <= lowest; ++k)
    if (fall[std::size_t(k)] > fall[std::size_t(steepest)]) steepest = k;
  const double start = M > 0 ? sweep.smoothed.front() : 0;
  if (M < w || !(fall[std::size_t(steepest)] > 0) ||
      !(sweep.smoothed[std::size_t(lowest)] < 0.9 * start)) {
    c.status = SanityStatus::failed;
    c.expected = "a fall of the loss somewhere in " + sanity_number(o.range_min) + " … " +
                 sanity_number(o.range_max);
    c.advice = M < w ? "the loss diverged at once: check the data and the model"
                     : "the loss did not fall by 10% anywhere in the sweep: check the gradients "
                       "(the probe above), the labels, or sweep another range";
    return c;
  }
  std::ptrdiff_t lo = steepest, hi = steepest;  // the run falling at least half as fast
  const double half = 0.5 * fall[std::size_t(steepest)];
  while (lo > 0 && fall[std::size_t(lo - 1)] >= half)
    --lo;
  while (hi < lowest && fall[std::size_t(hi + 1)] >= half)
    ++hi;
  sweep.steepest = sweep.learning_rates[std::size_t(steepest)];
  sweep.falling_low = sweep.learning_rates[std::size_t(lo)];
  sweep.falling_high = sweep.learning_rates[std::size_t(hi)];
  sweep.lowest = sweep.learning_rates[std::size_t(lowest)];

  c.expected_low = sweep.falling_low;
  c.expected_high = sweep.lowest;
  c.expected = sanity_number(sweep.falling_low) + " … " + sanity_number(sweep.lowest) +
               " (diverged at " +
               (std::isnan(sweep.diverged) ? "none up to " + sanity_number(o.range_max)
                                           : sanity_number(sweep.diverged)) +
               ")";
  const double eta = o.learning_rate;
  const std::string found = "the loss fell fastest at η ≈ " + sanity_number(sweep.steepest) +
                            ", lowest at " + sanity_number(sweep.lowest);
  if (!std::isnan(sweep.diverged) && eta >= sweep.diverged) {
    c.status = SanityStatus::failed;
    c.advice = "η diverges: " + found + "; try η in the range above, e.g. " +
               sanity_number(sweep.lowest / 3);
  } else if (eta > sweep.lowest) {
    c.status = SanityStatus::warning;
    c.advice = "η is past the sweep's lowest loss, on the way to where it diverged: " + found +
               "; try about " + sanity_number(sweep.lowest / 3);
  } else if (eta < sweep.falling_low) {
    c.status = SanityStatus::warning;
    c.advice = "η is below the range where the loss fell fast: training will be slow; " + found;
  } else {
    c.status = SanityStatus::passed;
    c.advice = found;
  }
  return c;
}

template <typename Scalar, typename Targets>
SanityReport sanity_check(const Sequential<Scalar>& model, const Matrix<Scalar>& X,
                          const Targets& T, const Loss<Scalar>& loss,
                          const SanityOptions<Scalar>& o) {
  check_sanity_options(o);
  if (model.size() == 0) throw ArgumentError("sanity_check: the model has no layers");
  if (X.cols() == 0) throw ShapeError("sanity_check: no samples");
  check_samples("sanity_check", "input", X, model.input_shape());
  check_targets("sanity_check", X, T, model.output_size());
  const FlushWhileTraining<Scalar> ftz(true);  // as fit does for a float model
  SanityReport report;
  report.checks.push_back(initial_loss_check(model, X, T, loss, o));  // each on its own copy
  report.checks.push_back(gradient_probe(model, X, T, loss, o, report.probe));
  report.checks.push_back(overfit_check(model, X, T, loss, o));
  if (o.range_test) {
    report.checks.push_back(range_test(model, X, T, loss, o, report.sweep));
  } else {
    SanityCheck c;
    c.name = "learning-rate range";
    c.expected = "not run";
    c.advice = "options.range_test is false";
    report.checks.push_back(c);
  }
  return report;
}

}  // namespace detail

/// Runs the four sanity checks on copies of `model`, with class labels as targets.
// Throws ArgumentError naming the option for invalid options, ShapeError
// for data that does not fit the model.
template <typename Scalar>
SanityReport sanity_check(const Sequential<Scalar>& model, const Matrix<Scalar>& X, const Labels& y,
                          const Loss<Scalar>& loss,
                          const SanityOptions<Scalar>& options = SanityOptions<Scalar>()) {
  return detail::sanity_check(model, X, y, loss, options);
}
/// The same, with a target matrix (one column per sample).
template <typename Scalar>
SanityReport sanity_check(const Sequential<Scalar>& model, const Matrix<Scalar>& X,
                          const Matrix<Scalar>& Y, const Loss<Scalar>& loss,
                          const SanityOptions<Scalar>& options = SanityOptions<Scalar>()) {
  return detail::sanity_check(model, X, Y, loss, options);
}

}  // namespace hnn
