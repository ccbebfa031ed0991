// SPDX-License-Identifier: MIT
// Optimizers: the first three updates against numbers worked out by hand,
// convergence on a convex quadratic, clipping, schedules and the
// hyper-parameter checks. (tests/model/test_torch_reference.cpp pins the same
// optimizers to PyTorch on a real network.)

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Matrix;

namespace {

// One scalar weight w with a constant gradient g = 0.5 at every step: the
// updates are then easy to follow by hand.
struct OneWeight {
  Matrix<double> w = Matrix<double>::Constant(1, 1, 1.0);
  Matrix<double> g = Matrix<double>::Constant(1, 1, 0.5);
  std::vector<hnn::Parameter<double>> params() { return {hnn::Parameter<double>("w", w, g)}; }
};

std::vector<double> three_steps(hnn::Optimizer<double>& opt) {
  OneWeight p;
  std::vector<double> ws;
  for (int t = 0; t < 3; ++t) {
    opt.step(p.params());
    ws.push_back(p.w(0, 0));
  }
  return ws;
}

void check_steps(hnn::Optimizer<double>& opt, const std::vector<double>& expected) {
  const auto got = three_steps(opt);
  for (std::size_t t = 0; t < 3; ++t) {
    INFO(opt.name() << " step " << t + 1);
    CHECK(got[t] == doctest::Approx(expected[t]).epsilon(1e-12));
  }
}

}  // namespace

TEST_CASE("SGD: first three updates by hand") {
  hnn::SGD<double> plain(0.1);
  check_steps(plain, {0.95, 0.90, 0.85});  // w ← w − 0.1 · 0.5

  hnn::SGDOptions o;
  o.learning_rate = 0.1;
  o.momentum = 0.9;
  hnn::SGD<double> momentum(o);
  // b = 0.5 → w = 0.95;  b = 0.9·0.5 + 0.5 = 0.95 → w = 0.855;  b = 1.355 → w = 0.7195
  check_steps(momentum, {0.95, 0.855, 0.7195});

  o.nesterov = true;
  hnn::SGD<double> nesterov(o);
  // g + μb: 0.5 + 0.45 = 0.95 → 0.905;  0.5 + 0.855 = 1.355 → 0.7695;  0.5 + 1.2195 → 0.59755
  check_steps(nesterov, {0.905, 0.7695, 0.59755});

  hnn::SGDOptions d;
  d.learning_rate = 0.1;
  d.weight_decay = 0.1;
  hnn::SGD<double> decay(d);
  // g = 0.5 + 0.1 w:  1 − 0.1·0.6 = 0.94;  0.94 − 0.1·0.594 = 0.8806;  0.8806 − 0.1·0.58806
  check_steps(decay, {0.94, 0.8806, 0.821794});
}

TEST_CASE("AdaGrad: first three updates by hand") {
  hnn::AdaGrad<double> opt(0.1);
  // s = 0.25, 0.5, 0.75;  w ← w − 0.1 · 0.5 / (√s + 1e-10)
  check_steps(opt, {0.90000000002, 0.8292893219113453, 0.7715542949990494});
}

TEST_CASE("RMSProp: first three updates by hand") {
  hnn::RMSProp<double> opt(0.01);
  // v = 0.0025, 0.004975, 0.00742525;  w ← w − 0.01 · 0.5 / (√v + 1e-8)
  check_steps(opt, {0.900000019999996, 0.8291119095494123, 0.7710870078067141});
}

TEST_CASE("Adam: bias correction makes the first steps the full learning rate") {
  hnn::Adam<double> opt(0.1);
  // A constant g gives m̂ = g and v̂ = g² exactly (that is what the bias
  // correction is for), so each step is 0.1 · g/|g| = 0.1 (less a hair for ε).
  // Without correction the first step would be 0.1 · 0.05 / √0.00025 ≈ 0.316.
  check_steps(opt, {0.9000000019999999, 0.8000000040000005, 0.7000000060000005});
}

TEST_CASE("AdamW: decoupled weight decay shrinks w before the Adam step") {
  auto o = hnn::AdamW<double>::defaults(0.1);  // weight_decay 0.01
  hnn::AdamW<double> opt(o);
  // w ← w (1 − 0.1 · 0.01) − 0.1:  0.899, 0.798101, 0.6973029
  check_steps(opt, {0.8990000019999999, 0.7981010039980004, 0.6973029049940024});
}

namespace {

// f(w) = ½ Σ a_i (w_i − c_i)², ∇f = a ⊙ (w − c): minimum at c, condition number 10.
double descend(hnn::Optimizer<double>& opt, int steps) {
  Matrix<double> w(2, 1), g(2, 1), a(2, 1), c(2, 1);
  w << 3, -2;
  a << 1, 10;
  c << 0.5, 1.5;
  std::vector<hnn::Parameter<double>> params{hnn::Parameter<double>("w", w, g)};
  for (int t = 0; t < steps; ++t) {
    g = a.cwiseProduct(w - c);
    opt.step(params);
  }
  return (w - c).norm();
}

}  // namespace

TEST_CASE("every optimizer drives a convex quadratic to its minimum") {
  std::vector<std::unique_ptr<hnn::Optimizer<double>>> all;
  all.push_back(std::make_unique<hnn::SGD<double>>(0.05));
  hnn::SGDOptions m;
  m.learning_rate = 0.02;
  m.momentum = 0.9;
  all.push_back(std::make_unique<hnn::SGD<double>>(m));
  m.nesterov = true;
  all.push_back(std::make_unique<hnn::SGD<double>>(m));
  all.push_back(std::make_unique<hnn::AdaGrad<double>>(0.5));
  all.push_back(std::make_unique<hnn::RMSProp<double>>(0.01));
  all.push_back(std::make_unique<hnn::Adam<double>>(0.05));
  hnn::AdamOptions ams;
  ams.learning_rate = 0.05;
  ams.amsgrad = true;
  all.push_back(std::make_unique<hnn::Adam<double>>(ams));
  all.push_back(
      std::make_unique<hnn::AdamW<double>>(hnn::AdamOptions{0.05, 0.9, 0.999, 1e-8, 0.0, false}));
  for (auto& opt : all) {
    const double start = descend(*opt, 0);
    opt->reset();
    const double end = descend(*opt, 2000);
    INFO(opt->name() << ": distance to the minimum " << start << " → " << end);
    CHECK(end < 1e-2);
  }
}

TEST_CASE("invalid hyper-parameters throw and name the parameter") {
  using hnn::ArgumentError;
  hnn_test::check_throws_with<ArgumentError>([] { hnn::SGD<float> o(-0.1); }, "learning_rate");
  hnn_test::check_throws_with<ArgumentError>([] { hnn::SGD<float> o(std::nan("")); },
                                             "learning_rate");
  hnn::SGDOptions s;
  s.momentum = 1.5;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::SGD<float> o(s); }, "momentum");
  s.momentum = 0;
  s.nesterov = true;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::SGD<float> o(s); }, "nesterov");
  hnn::AdamOptions a;
  a.beta1 = 1.0;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Adam<float> o(a); }, "beta1");
  a.beta1 = 0.9;
  a.beta2 = -0.1;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Adam<float> o(a); }, "beta2");
  a.beta2 = 0.999;
  a.eps = -1;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Adam<float> o(a); }, "eps");
  hnn::RMSPropOptions r;
  r.alpha = 1.2;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::RMSProp<float> o(r); }, "alpha");
  hnn::AdaGradOptions g;
  g.lr_decay = -1;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::AdaGrad<float> o(g); }, "lr_decay");
  hnn::Adam<float> ok(0.1);
  hnn_test::check_throws_with<ArgumentError>([&] { ok.set_learning_rate(-1); }, "learning_rate");
}

TEST_CASE("infinite hyper-parameters and an eps of 0 are refused wherever they enter") {
  using hnn::ArgumentError;
  const double inf = std::numeric_limits<double>::infinity();
  hnn_test::check_throws_with<ArgumentError>(
      [&] { hnn::SGD<float> o(inf); },
      "optimizer: learning_rate must be a finite number >= 0, got inf");
  hnn_test::check_throws_with<ArgumentError>(
      [&] { hnn::SGD<float> o(1e300); },
      "learning_rate 1e+300 is too large for the model's scalar type");
  CHECK_NOTHROW(hnn::SGD<double> o(1e300));
  hnn::SGDOptions s;
  s.weight_decay = inf;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::SGD<float> o(s); },
                                             "SGD: weight_decay must be a finite number >= 0");
  hnn::AdamOptions a;
  a.weight_decay = inf;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Adam<float> o(a); },
                                             "Adam: weight_decay must be a finite number >= 0");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::AdamW<float> o(a); },
                                             "weight_decay must be a finite number >= 0");
  a.weight_decay = 0;
  // ε = 0: a weight whose gradient is exactly 0 would become 0 / 0 = NaN.
  for (double eps : {0.0, -1e-8, inf, std::nan("")}) {
    INFO(eps);
    a.eps = eps;
    hnn_test::check_throws_with<ArgumentError>([&] { hnn::Adam<float> o(a); },
                                               "Adam: eps must be a finite number > 0");
    hnn::RMSPropOptions r;
    r.eps = eps;
    hnn_test::check_throws_with<ArgumentError>([&] { hnn::RMSProp<float> o(r); },
                                               "RMSProp: eps must be a finite number > 0");
    hnn::AdaGradOptions g;
    g.eps = eps;
    hnn_test::check_throws_with<ArgumentError>([&] { hnn::AdaGrad<float> o(g); },
                                               "AdaGrad: eps must be a finite number > 0");
  }
  hnn::AdaGradOptions g;
  g.initial_accumulator = inf;
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::AdaGrad<float> o(g); },
                                             "initial_accumulator");
  hnn::Adam<float> ok(0.1);
  hnn_test::check_throws_with<ArgumentError>([&] { ok.set_learning_rate(inf); }, "got inf");
  CHECK(ok.learning_rate() == doctest::Approx(0.1));  // unchanged
  // Schedules, clipping and the other places a number enters.
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Schedule::exponential(inf); },
                                             "Schedule::exponential: gamma must be a finite");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Schedule::step(2, inf); }, "gamma");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Schedule::cosine(5, inf); }, "min_rate");
  hnn::Random rng(1);
  hnn::Dense<float> d(2, 2, rng);
  auto params = d.parameters();
  hnn_test::check_throws_with<ArgumentError>(
      [&] { hnn::clip_grad_norm(params, inf); },
      "clip_grad_norm: max_norm must be a finite number > 0");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::clip_grad_value(params, inf); },
                                             "clip_grad_value: clip");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Huber<float> h{float(inf)}; },
                                             "Huber: delta");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::LeakyReLU<float> f{float(inf)}; },
                                             "LeakyReLU: alpha");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::ELU<double> f(std::nan("")); },
                                             "ELU: alpha");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Init::uniform(-inf, 1); }, "Init::uniform");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Init::normal(0, inf); }, "stddev");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Init::normal(inf, 1); }, "mean");
  hnn_test::check_throws_with<ArgumentError>([&] { hnn::Init::constant(std::nan("")); },
                                             "Init::constant");
  hnn_test::check_throws_with<ArgumentError>(
      [&] { hnn::EarlyStopping<float> e(3, "val_loss", inf); },
      "val_loss: min_delta must be a finite number >= 0");
}

TEST_CASE("an optimizer refuses parameters that change between steps") {
  hnn::Adam<double> opt(0.1);
  OneWeight p;
  opt.step(p.params());
  Matrix<double> w2(3, 1), g2(3, 1);
  std::vector<hnn::Parameter<double>> other{hnn::Parameter<double>("w", w2, g2)};
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { opt.step(other); }, "reset()");
  opt.reset();
  w2.setOnes();
  g2.setOnes();
  opt.step(other);  // after reset() the new parameters' first step: m̂ = g, v̂ = g²
  CHECK(w2(0, 0) == doctest::Approx(1 - 0.1 * 1 / (1 + 1e-8)).epsilon(1e-12));
}

namespace {

// The optimizer configurations the tests below go over, in any Scalar.
template <typename S>
std::vector<std::pair<std::string, std::unique_ptr<hnn::Optimizer<S>>>> configurations() {
  std::vector<std::pair<std::string, std::unique_ptr<hnn::Optimizer<S>>>> all;
  all.emplace_back("SGD", std::make_unique<hnn::SGD<S>>(0.1));
  hnn::SGDOptions damped{0.1, 0.9, 0.5, 0.0, false};
  all.emplace_back("SGD, momentum, dampening", std::make_unique<hnn::SGD<S>>(damped));
  hnn::SGDOptions nesterov{0.1, 0.9, 0.0, 0.1, true};
  all.emplace_back("SGD, Nesterov, weight decay", std::make_unique<hnn::SGD<S>>(nesterov));
  hnn::AdaGradOptions adagrad{0.1, 0.5, 0.1, 0.1, 1e-10};
  all.emplace_back("AdaGrad, lr decay, weight decay, s0",
                   std::make_unique<hnn::AdaGrad<S>>(adagrad));
  all.emplace_back("RMSProp", std::make_unique<hnn::RMSProp<S>>(0.01));
  hnn::RMSPropOptions centered{0.01, 0.99, 1e-8, 0.1, 0.5, true};
  all.emplace_back("RMSProp, centered, momentum, weight decay",
                   std::make_unique<hnn::RMSProp<S>>(centered));
  all.emplace_back("Adam", std::make_unique<hnn::Adam<S>>(0.1));
  hnn::AdamOptions ams{0.1, 0.9, 0.999, 1e-8, 0.1, true};
  all.emplace_back("Adam, AMSGrad, weight decay", std::make_unique<hnn::Adam<S>>(ams));
  all.emplace_back("AdamW", std::make_unique<hnn::AdamW<S>>(hnn::AdamW<S>::defaults(0.1)));
  return all;
}

}  // namespace

// One weight w = 1 and the gradients 0.5, −0.3, 0.8: w after each of the
// three steps, worked out from each optimizer's equations (the first step is
// written out beside each; the later ones follow the same arithmetic).
TEST_CASE_TEMPLATE("every optimizer's first three steps, by hand, in float and double", S, float,
                   double) {
  const std::vector<std::vector<double>> expected = {
      // w − η g = 1 − 0.1 · 0.5
      {0.95, 0.98, 0.9},
      // b = g = 0.5: 0.95; b = 0.9 · 0.5 + (1 − 0.5) · (−0.3) = 0.3: 0.92
      {0.95, 0.92, 0.853},
      // g = 0.5 + 0.1 · 1 = 0.6, b = g: w = 1 − 0.1 (0.6 + 0.9 · 0.6) = 0.886
      {0.886, 0.877566, 0.682275646},
      // g = 0.6, s = 0.1 + 0.36: w = 1 − 0.1 · 0.6 / √0.46
      {0.9115348263201052, 0.9311542318743977, 0.8920076770963625},
      // v = 0.01 · 0.25: w = 1 − 0.01 · 0.5 / (0.05 + 1e-8)
      {0.900000019999996, 0.9516397890605408, 0.8705842686719792},
      // g = 0.6, v = 0.0036, a = 0.006, b = 0.6 / (√(v − a²) + ε): w = 1 − 0.01 b
      {0.8994962353090928, 0.8824958633594608, 0.7918564763622484},
      // m̂ = g, v̂ = g²: w = 1 − 0.1 · 0.5 / (0.5 + 1e-8)
      {0.900000002, 0.8808501989417752, 0.8204965636828663},
      // g = 0.6: w = 1 − 0.1 · 0.6 / (0.6 + 1e-8); then v_max keeps the largest v
      {0.9000000016666666, 0.8613529972101512, 0.7920270510774495},
      // w (1 − 0.1 · 0.01) = 0.999, then − 0.1 · 0.5 / (0.5 + 1e-8)
      {0.899000002, 0.8789511989397751, 0.8177186124819265},
  };
  const double tolerance = std::is_same_v<S, float> ? 1e-6 : 1e-12;
  auto all = configurations<S>();
  REQUIRE(all.size() == expected.size());
  for (std::size_t c = 0; c < all.size(); ++c) {
    INFO(all[c].first);
    Matrix<S> w = Matrix<S>::Constant(1, 1, S(1)), g(1, 1);
    std::vector<hnn::Parameter<S>> params{hnn::Parameter<S>("w", w, g)};
    const double grads[3] = {0.5, -0.3, 0.8};
    for (int t = 0; t < 3; ++t) {
      g(0, 0) = S(grads[t]);
      all[c].second->step(params);
      INFO("step " << t + 1);
      CHECK(double(w(0, 0)) == doctest::Approx(expected[c][std::size_t(t)]).epsilon(tolerance));
    }
  }
}

namespace {

// How many floats lie between a and b (0: the same number).
std::int64_t ulps(float a, float b) {
  std::int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if (ia < 0) ia = std::numeric_limits<std::int32_t>::min() - ia;  // one line for both signs
  if (ib < 0) ib = std::numeric_limits<std::int32_t>::min() - ib;
  return std::abs(std::int64_t(ia) - std::int64_t(ib));
}

// Two copies of the same tensors, stepped by one optimizer configuration on
// each update path: 100 steps with new random gradients, compared after every
// step. Float: at most 4 ulps apart per element; double: 1e-12 relative.
template <typename S>
void check_paths_agree(const std::string& what, hnn::Optimizer<S>& readable,
                       hnn::Optimizer<S>& fast) {
  readable.set_update_path(hnn::UpdatePath::readable);
  fast.set_update_path(hnn::UpdatePath::fast);
  hnn::Random rng(17);
  // 2,500 elements: two whole blocks of 1,024 and a partial one; and a bias.
  Matrix<S> w1(50, 50), w2(40, 1);
  rng.fill_normal(w1, 0.0, 1.0);
  rng.fill_normal(w2, 0.0, 1.0);
  Matrix<S> a1 = w1, a2 = w2, b1 = w1, b2 = w2, g1(50, 50), g2(40, 1), h1, h2;
  std::vector<hnn::Parameter<S>> pa{hnn::Parameter<S>("W", a1, g1), hnn::Parameter<S>("b", a2, g2)};
  std::vector<hnn::Parameter<S>> pb{hnn::Parameter<S>("W", b1, h1), hnn::Parameter<S>("b", b2, h2)};
  std::int64_t worst_ulps = 0;
  double worst_relative = 0;
  for (int t = 1; t <= 100; ++t) {
    rng.fill_normal(g1, 0.0, 1.0);
    rng.fill_normal(g2, 0.0, 1.0);
    h1 = g1;
    h2 = g2;
    readable.step(pa);
    fast.step(pb);
    for (const auto& [x, y] :
         {std::pair<const Matrix<S>*, const Matrix<S>*>{&a1, &b1}, {&a2, &b2}}) {
      for (hnn::Index i = 0; i < x->size(); ++i) {
        const S u = x->data()[i], v = y->data()[i];
        if constexpr (std::is_same_v<S, float>) {
          worst_ulps = std::max(worst_ulps, ulps(u, v));
        } else {
          worst_relative =
              std::max(worst_relative, std::abs(u - v) / std::max(1e-300, std::abs(double(u))));
        }
      }
    }
  }
  INFO(what << ": worst " << worst_ulps << " ulps, " << worst_relative << " relative");
  if constexpr (std::is_same_v<S, float>) {
    CHECK(worst_ulps <= 4);
  } else {
    CHECK(worst_relative <= 1e-12);
  }
}

}  // namespace

TEST_CASE_TEMPLATE("each optimizer's readable update equals its fast one at each of 100 steps", S,
                   float, double) {
  auto readable = configurations<S>();
  auto fast = configurations<S>();
  for (std::size_t c = 0; c < readable.size(); ++c)
    check_paths_agree(readable[c].first, *readable[c].second, *fast[c].second);
}

TEST_CASE("clip_grad_norm scales every gradient by max_norm / ‖g‖, clip_grad_value clamps") {
  Matrix<double> w1(1, 2), g1(1, 2), w2(2, 1), g2(2, 1);
  g1 << 3, 0;
  g2 << 0, 4;  // global norm 5
  std::vector<hnn::Parameter<double>> params{hnn::Parameter<double>("a", w1, g1),
                                             hnn::Parameter<double>("b", w2, g2)};
  CHECK(hnn::clip_grad_norm(params, 10.0) == doctest::Approx(5.0));
  CHECK(g1(0, 0) == 3.0);  // under the cap: untouched
  CHECK(hnn::clip_grad_norm(params, 1.0) == doctest::Approx(5.0));
  CHECK(g1(0, 0) == doctest::Approx(3.0 / (5.0 + 1e-6)));
  CHECK(g2(1, 0) == doctest::Approx(4.0 / (5.0 + 1e-6)));
  g1 << -3, 0.2;
  hnn::clip_grad_value(params, 0.5);
  CHECK(g1(0, 0) == -0.5);
  CHECK(g1(0, 1) == doctest::Approx(0.2));
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::clip_grad_norm(params, 0.0); },
                                                  "max_norm");
}

TEST_CASE("learning-rate schedules") {
  const auto step = hnn::Schedule::step(2, 0.5);
  CHECK(step(0, 1.0) == 1.0);
  CHECK(step(1, 1.0) == 1.0);
  CHECK(step(2, 1.0) == 0.5);
  CHECK(step(5, 1.0) == 0.25);
  CHECK(hnn::Schedule::exponential(0.9)(2, 1.0) == doctest::Approx(0.81));
  const auto cosine = hnn::Schedule::cosine(10, 0.1);
  CHECK(cosine(0, 1.0) == doctest::Approx(1.0));
  CHECK(cosine(5, 1.0) == doctest::Approx(0.55));  // halfway: η_min + ½(η₀ − η_min)
  CHECK(cosine(10, 1.0) == doctest::Approx(0.1));
  CHECK(cosine(20, 1.0) == doctest::Approx(0.1));
  const auto warm = hnn::Schedule::warmup(4, hnn::Schedule::step(1, 0.5));
  CHECK(warm(0, 1.0) == doctest::Approx(0.25));
  CHECK(warm(3, 1.0) == doctest::Approx(1.0));
  CHECK(warm(4, 1.0) == doctest::Approx(1.0));
  CHECK(warm(5, 1.0) == doctest::Approx(0.5));
  CHECK(hnn::Schedule::constant()(7, 0.3) == 0.3);
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::Schedule::step(0, 0.5); }, "step_size");
}
