// SPDX-License-Identifier: MIT
// Optimizers: the first three updates against numbers worked out by hand,
// convergence on a convex quadratic, clipping, schedules and the
// hyper-parameter checks. (tests/model/test_torch_reference.cpp pins the same
// optimizers to PyTorch on a real network.)

#include <doctest/doctest.h>

#include <cmath>
#include <memory>
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
  opt.step(other);
  CHECK(w2(0, 0) < 1);
}

TEST_CASE("optimizers instantiate with float") {
  Matrix<float> w = Matrix<float>::Ones(2, 2), g = Matrix<float>::Constant(2, 2, 0.5f);
  std::vector<hnn::Parameter<float>> params{hnn::Parameter<float>("w", w, g)};
  hnn::SGD<float> a(0.1);
  hnn::AdaGrad<float> b(0.1);
  hnn::RMSProp<float> c(0.1);
  hnn::Adam<float> d(0.1);
  hnn::AdamW<float> e(0.1);
  for (hnn::Optimizer<float>* o : std::vector<hnn::Optimizer<float>*>{&a, &b, &c, &d, &e}) {
    o->step(params);
  }
  CHECK(w.allFinite());
  CHECK(w(0, 0) < 1.0f);
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
