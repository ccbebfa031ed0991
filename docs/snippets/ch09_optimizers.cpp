// SPDX-License-Identifier: MIT
// The code of docs/09-optimizers.md: every update rule written out for one
// weight and compared with the optimizer; the readable and the fast update
// path; momentum's g / (1 − μ); Adam's bias correction; weight decay in Adam
// against AdamW; clipping; schedules.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

using hnn::Matrix;

namespace {

// The gradients ∇w of five steps, given rather than computed, so that the
// rules can be followed by hand. The weight starts at w = 1.
const std::vector<double> grads = {0.5, -0.3, 0.8, 0.1, -0.6};

// w after one optimizer step per gradient in `grads`.
double run(hnn::Optimizer<double>& opt) {
  Matrix<double> w = Matrix<double>::Constant(1, 1, 1.0), dw(1, 1);
  std::vector<hnn::Parameter<double>> params = {hnn::Parameter<double>("w", w, dw)};
  for (const double g : grads) {
    dw(0, 0) = g;
    opt.step(params);
  }
  return w(0, 0);
}

}  // namespace

TEST_CASE("docs: each update rule, written out for one weight, is what the optimizer does") {
  const double lr = 0.1, mu = 0.9, wd = 0.05;

  SUBCASE("SGD with momentum, Nesterov and weight decay") {
    double w = 1, b = 0;
    for (std::size_t t = 0; t < grads.size(); ++t) {
      const double g = grads[t] + wd * w;  // g ← ∇w + λ w
      b = t == 0 ? g : mu * b + g;         // b ← g, then b ← μ b + g
      w -= lr * (g + mu * b);              // Nesterov: w ← w − η (g + μ b)
    }
    hnn::SGDOptions o;
    o.learning_rate = lr;
    o.momentum = mu;
    o.weight_decay = wd;
    o.nesterov = true;
    hnn::SGD<double> sgd(o);
    CHECK(run(sgd) == doctest::Approx(w).epsilon(1e-12));
  }

  SUBCASE("AdaGrad") {
    double w = 1, s = 0;
    for (const double g : grads) {
      s += g * g;                            // s ← s + g²
      w -= lr * g / (std::sqrt(s) + 1e-10);  // w ← w − η g / (√s + ε)
    }
    hnn::AdaGrad<double> adagrad(lr);
    CHECK(run(adagrad) == doctest::Approx(w).epsilon(1e-12));
  }

  SUBCASE("RMSProp") {
    const double alpha = 0.99, eps = 1e-8;
    double w = 1, v = 0;
    for (const double g : grads) {
      v = alpha * v + (1 - alpha) * g * g;   // v ← α v + (1 − α) g²
      w -= 0.01 * g / (std::sqrt(v) + eps);  // w ← w − η g / (√v + ε)
    }
    hnn::RMSProp<double> rmsprop(0.01);
    CHECK(run(rmsprop) == doctest::Approx(w).epsilon(1e-12));
  }

  SUBCASE("Adam, AMSGrad and AdamW") {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (const char* variant : {"Adam", "AMSGrad", "AdamW"}) {
      const std::string name = variant;
      double w = 1, m = 0, v = 0, v_max = 0;
      for (std::size_t i = 0; i < grads.size(); ++i) {
        const double t = double(i + 1);         // t counts steps from 1
        if (name == "AdamW") w *= 1 - lr * wd;  // AdamW: w ← w (1 − η λ) first
        const double g = grads[i] + (name == "AdamW" ? 0 : wd * w);  // Adam: g ← ∇w + λ w
        m = b1 * m + (1 - b1) * g;                       // m ← β₁ m + (1 − β₁) g
        v = b2 * v + (1 - b2) * g * g;                   // v ← β₂ v + (1 − β₂) g²
        v_max = std::max(v_max, v);                      // AMSGrad: the largest v so far
        const double m_hat = m / (1 - std::pow(b1, t));  // m̂ = m / (1 − β₁ᵗ)
        const double v_hat = (name == "AMSGrad" ? v_max : v) / (1 - std::pow(b2, t));  // v̂
        w -= lr * m_hat / (std::sqrt(v_hat) + eps);  // w ← w − η m̂ / (√v̂ + ε)
      }
      hnn::AdamOptions o;
      o.learning_rate = lr;
      o.weight_decay = wd;
      o.amsgrad = name == "AMSGrad";
      hnn::Adam<double> adam(o);
      hnn::AdamW<double> adamw(o);
      INFO(name);
      CHECK(run(name == "AdamW" ? static_cast<hnn::Optimizer<double>&>(adamw) : adam) ==
            doctest::Approx(w).epsilon(1e-12));
    }
  }
}

TEST_CASE("docs: the readable and the fast update path take the same steps") {
  // 3,000 weights, more than one piece of the fast path: it runs the formula
  // piece by piece, the readable path once on the whole tensor.
  hnn::Random rng(8);
  Matrix<double> w_readable(3000, 1), g(3000, 1);
  rng.fill_normal(w_readable, 0.0, 1.0);
  Matrix<double> w_fast = w_readable;
  std::vector<hnn::Parameter<double>> readable_params = {
      hnn::Parameter<double>("w", w_readable, g)};
  std::vector<hnn::Parameter<double>> fast_params = {hnn::Parameter<double>("w", w_fast, g)};

  hnn::Adam<double> readable(0.01), fast(0.01);
  readable.set_update_path(hnn::UpdatePath::readable);  // the formula once, on whole tensors
  for (int t = 0; t < 20; ++t) {
    rng.fill_normal(g, 0.0, 1.0);  // the same gradient for both
    readable.step(readable_params);
    fast.step(fast_params);
  }
  const double largest = (w_fast - w_readable).cwiseAbs().maxCoeff();
  CHECK(largest <= 1e-12 * w_readable.cwiseAbs().maxCoeff());
  show("largest difference after 20 Adam steps: " + std::to_string(largest));
}

TEST_CASE("docs: with a constant gradient, momentum's step grows to η g / (1 − μ)") {
  Matrix<double> w = Matrix<double>::Zero(1, 1), dw = Matrix<double>::Constant(1, 1, 1.0);
  std::vector<hnn::Parameter<double>> params = {hnn::Parameter<double>("w", w, dw)};
  hnn::SGDOptions o;
  o.learning_rate = 0.01;
  o.momentum = 0.9;
  hnn::SGD<double> sgd(o);
  std::ostringstream s;
  s << "step t   size of the step (η g = 0.01)\n";
  double size = 0, worst = 0;
  for (int t = 1; t <= 100; ++t) {
    const double before = w(0, 0);
    sgd.step(params);
    size = before - w(0, 0);
    // b_t = g (1 + μ + … + μ^(t−1)) = g (1 − μᵗ) / (1 − μ)
    worst = std::max(worst, std::abs(size - 0.01 * (1 - std::pow(0.9, t)) / (1 - 0.9)));
    if (t <= 3 || t % 20 == 0) s << std::setw(6) << t << "   " << size << '\n';
  }
  CHECK(worst < 1e-12);
  CHECK(size == doctest::Approx(0.1).epsilon(1e-4));  // ten times η g
  show(s.str());
}

TEST_CASE("docs: without bias correction, Adam's early steps would be too large") {
  // A constant gradient g: m_t = (1 − β₁ᵗ) g and v_t = (1 − β₂ᵗ) g² exactly,
  // so the corrected m̂ / √v̂ = g / |g| = 1 at every step, while the
  // uncorrected m / √v = (1 − β₁ᵗ) / √(1 − β₂ᵗ).
  const double b1 = 0.9, b2 = 0.999, g = 0.5;
  double m = 0, v = 0;
  std::ostringstream s;
  s << "     t   m / √v (uncorrected)   m̂ / √v̂ (corrected)\n";
  double largest = 0, worst_corrected = 0, worst_raw = 0;
  for (int t = 1; t <= 10000; ++t) {
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const double raw = m / std::sqrt(v);
    const double corrected = (m / (1 - std::pow(b1, t))) / std::sqrt(v / (1 - std::pow(b2, t)));
    worst_corrected = std::max(worst_corrected, std::abs(corrected - 1));
    worst_raw =
        std::max(worst_raw, std::abs(raw - (1 - std::pow(b1, t)) / std::sqrt(1 - std::pow(b2, t))));
    largest = std::max(largest, raw);
    if (t == 1 || t == 10 || t == 100 || t == 1000 || t == 10000)
      s << std::setw(6) << t << std::setw(16) << raw << std::setw(24) << corrected << '\n';
  }
  CHECK(worst_corrected < 1e-9);
  CHECK(worst_raw < 1e-9);
  CHECK(largest > 6);  // around t = 10 the uncorrected step is 6.5 times too large
  show(s.str());

  // The optimizer: the first step is η, whatever the size of g.
  for (const double scale : {1e-4, 1.0, 1e4}) {
    Matrix<double> w = Matrix<double>::Zero(1, 1), dw = Matrix<double>::Constant(1, 1, scale);
    hnn::Adam<double> adam(0.01);
    adam.step({hnn::Parameter<double>("w", w, dw)});
    CHECK(w(0, 0) == doctest::Approx(-0.01).epsilon(1e-3));
  }
}

TEST_CASE("docs: weight decay in Adam is divided by √v̂; AdamW's is not") {
  // No loss gradient at all (∇w = 0): only the decay moves the weight w = 1.
  for (const double wd : {0.1, 0.001}) {
    hnn::AdamOptions o;
    o.learning_rate = 0.01;
    o.weight_decay = wd;
    Matrix<double> w1 = Matrix<double>::Ones(1, 1), w2 = w1, zero = Matrix<double>::Zero(1, 1);
    hnn::Adam<double> adam(o);
    hnn::AdamW<double> adamw(o);
    adam.step({hnn::Parameter<double>("w", w1, zero)});
    adamw.step({hnn::Parameter<double>("w", w2, zero)});
    INFO("weight decay " << wd);
    // Adam: g = λ w, and m̂ / √v̂ = 1 whatever λ is: the step is η.
    CHECK(w1(0, 0) == doctest::Approx(1 - 0.01).epsilon(1e-6));
    // AdamW: w (1 − η λ), then an Adam step on ∇w = 0, which is 0.
    CHECK(w2(0, 0) == doctest::Approx(1 - 0.01 * wd).epsilon(1e-12));
  }
}

TEST_CASE("docs: clipping by norm keeps the direction, clipping by value does not") {
  Matrix<double> w = Matrix<double>::Zero(2, 1), g(2, 1);
  std::vector<hnn::Parameter<double>> params = {hnn::Parameter<double>("w", w, g)};

  g << 3, 4;  // ‖g‖ = 5
  const double norm = hnn::clip_grad_norm(params, 1.0);
  CHECK(norm == doctest::Approx(5.0));
  CHECK(g(0, 0) == doctest::Approx(0.6));  // g · 1 / 5: length 1, same direction
  CHECK(g(1, 0) == doctest::Approx(0.8));

  g << 3, 0.5;
  hnn::clip_grad_value(params, 1.0);
  CHECK(g(0, 0) == 1.0);  // clamped to [−1, 1]: (1, 0.5) no longer points along (3, 0.5)
  CHECK(g(1, 0) == 0.5);

  g << 0.3, 0.4;  // already shorter than the limit: untouched
  CHECK(hnn::clip_grad_norm(params, 1.0) == doctest::Approx(0.5));
  CHECK(g(0, 0) == 0.3);
}

TEST_CASE("docs: gradient clipping in a hand-written training step") {
  hnn::Random rng(3);
  hnn::Sequential<float> model(2);
  model.add(hnn::Dense<float>(2, 4, rng))
      .add(hnn::Activation<float, hnn::Tanh>())
      .add(hnn::Dense<float>(4, 1, rng));
  Matrix<float> X(2, 8), Y(1, 8);
  rng.fill_uniform(X, -100.0, 100.0);  // badly scaled inputs: huge gradients
  rng.fill_uniform(Y, -1.0, 1.0);
  hnn::MSE<float> loss;
  hnn::SGD<float> sgd(0.1);
  auto params = model.parameters();

  model.zero_grad();
  const hnn::ConstRef<float> P = model.forward(X, hnn::Mode::train);
  Matrix<float> dP(P.rows(), P.cols());
  loss.value_and_gradient(P, Y, dP);
  model.backward(dP);
  const double before = hnn::clip_grad_norm(params, 1.0);  // between backward and step
  sgd.step(params);

  double after = 0;  // the global norm of what the optimizer was given
  for (auto& p : params)
    after += double(p.grad().squaredNorm());
  CHECK(before > 1.0);
  CHECK(std::sqrt(after) == doctest::Approx(1.0).epsilon(1e-5));
}

TEST_CASE("docs: learning-rate schedules") {
  const double base = 0.1;
  const hnn::Schedule step = hnn::Schedule::step(10, 0.5);
  const hnn::Schedule exponential = hnn::Schedule::exponential(0.95);
  const hnn::Schedule cosine = hnn::Schedule::cosine(40);
  const hnn::Schedule warmup = hnn::Schedule::warmup(5, hnn::Schedule::cosine(35));

  std::ostringstream s;
  s << "epoch      step  exponential     cosine  warmup+cosine\n" << std::fixed;
  for (const int e : {0, 1, 2, 4, 5, 9, 10, 20, 30, 39, 40, 50}) {
    s << std::setw(5) << e << std::setprecision(4) << std::setw(10) << step(e, base)
      << std::setw(13) << exponential(e, base) << std::setw(11) << cosine(e, base) << std::setw(15)
      << warmup(e, base) << '\n';
  }
  show(s.str());

  CHECK(step(9, base) == doctest::Approx(0.1));  // η₀ γ^⌊e/10⌋
  CHECK(step(10, base) == doctest::Approx(0.05));
  CHECK(exponential(2, base) == doctest::Approx(0.1 * 0.95 * 0.95));
  CHECK(cosine(0, base) == doctest::Approx(0.1));    // η₀ at the start,
  CHECK(cosine(20, base) == doctest::Approx(0.05));  // half way down at T/2,
  CHECK(cosine(40, base) == doctest::Approx(0.0));   // η_min at T,
  CHECK(cosine(50, base) == doctest::Approx(0.0));   // and it stays there
  CHECK(warmup(0, base) == doctest::Approx(0.02));   // η₀ (e + 1) / W
  CHECK(warmup(4, base) == doctest::Approx(0.1));
  CHECK(warmup(5, base) == doctest::Approx(0.1));  // the cosine's epoch 0
}
