// SPDX-License-Identifier: MIT
// The code of docs/04-losses.md: the losses on numbers small enough to check
// by hand, and why training uses the fused losses on logits.

#include <doctest/doctest.h>

#include <cmath>

#include "hnn/hnn.hpp"

using hnn::Matrix;

TEST_CASE("docs: regression losses by hand") {
  // 2 outputs × 2 samples: N = 4 elements; errors e = p − t = (0.5, 0, −2, 3).
  Matrix<double> P(2, 2), T(2, 2);
  P << 0.5, -1.0,  //
      2.0, 3.0;
  T << 0.0, 1.0,  //
      2.0, 0.0;
  Matrix<double> dP(2, 2), expected(2, 2);

  hnn::MSE<double> mse;  // (1/N) Σ e²  and  2e/N
  CHECK(mse.value(P, T) == doctest::Approx((0.25 + 0 + 4 + 9) / 4));
  mse.gradient(P, T, dP);
  expected << 0.25, -1.0,  //
      0.0, 1.5;
  CHECK(dP.isApprox(expected));

  hnn::MAE<double> mae;  // (1/N) Σ |e|  and  sign(e)/N
  CHECK(mae.value(P, T) == doctest::Approx((0.5 + 0 + 2 + 3) / 4));
  mae.gradient(P, T, dP);
  expected << 0.25, -0.25,  //
      0.0, 0.25;
  CHECK(dP.isApprox(expected));

  hnn::Huber<double> huber(1.0);  // ½e² inside |e| ≤ δ, δ(|e| − ½δ) outside
  CHECK(huber.value(P, T) == doctest::Approx((0.125 + 0 + 1.5 + 2.5) / 4));
  huber.gradient(P, T, dP);  // clamp(e, −δ, δ) / N
  expected << 0.125, -0.25,  //
      0.0, 0.25;
  CHECK(dP.isApprox(expected));
}

TEST_CASE("docs: class labels and one-hot targets give the same loss") {
  Matrix<double> Z(3, 2);  // logits: 3 classes × 2 samples
  Z << 2.0, -1.0,          //
      0.5, 0.0,            //
      -1.0, 3.0;
  hnn::Labels y(2);
  y << 0, 2;               // sample 0 is class 0, sample 1 is class 2
  Matrix<double> T(3, 2);  // the same targets, one-hot
  T << 1, 0,               //
      0, 0,                //
      0, 1;
  hnn::SoftmaxCrossEntropy<double> loss;
  CHECK(loss.value(Z, y) == doctest::Approx(loss.value(Z, T)));
  Matrix<double> d_labels(3, 2), d_onehot(3, 2);
  loss.gradient(Z, y, d_labels);
  loss.gradient(Z, T, d_onehot);
  CHECK(d_labels.isApprox(d_onehot));

  // The gradient is (p − t) / n: softmax minus one-hot, over the batch size.
  Matrix<double> p(3, 2);
  hnn::softmax_forward(Z, p);
  CHECK(d_labels.isApprox((p - T) / 2.0));
}

TEST_CASE("docs: softmax then cross-entropy, chained, equals the fused loss") {
  Matrix<double> Z(3, 2);
  Z << 2.0, -1.0,  //
      0.5, 0.0,    //
      -1.0, 3.0;
  hnn::Labels y(2);
  y << 0, 2;

  // Chained: a Softmax layer, CrossEntropy on its probabilities, and back.
  hnn::Softmax<double> softmax;
  hnn::CrossEntropy<double> ce;
  const Matrix<double> P = softmax.forward(Z, hnn::Mode::train);
  Matrix<double> dP(3, 2);
  ce.gradient(P, y, dP);                                   // −t / (p n)
  const Matrix<double> dZ_chained = softmax.backward(dP);  // Jᵀ dP

  // Fused: SoftmaxCrossEntropy on the logits.
  hnn::SoftmaxCrossEntropy<double> fused;
  Matrix<double> dZ_fused(3, 2);
  fused.gradient(Z, y, dZ_fused);  // (p − t) / n

  CHECK(ce.value(P, y) == doctest::Approx(fused.value(Z, y)));
  CHECK(dZ_chained.isApprox(dZ_fused));
}

TEST_CASE("docs: sigmoid then BCE loses the gradient, the fused loss keeps it") {
  // One sample, logit z = 20, target 0: confidently wrong.
  Matrix<float> z(1, 1), t(1, 1), dz(1, 1);
  z << 20.0f;
  t << 0.0f;

  // Fused: L = max(z, 0) − z t + ln(1 + e^−|z|) ≈ 20, and ∂L/∂z = σ(z) − t ≈ 1.
  hnn::BinaryCrossEntropyWithLogits<float> fused;
  fused.gradient(z, t, dz);
  CHECK(fused.value(z, t) == doctest::Approx(20.0));
  CHECK(dz(0, 0) == doctest::Approx(1.0));

  // Separate: in float σ(20) rounds to exactly 1, so ln(1 − p) lives on the clamp...
  hnn::Activation<float, hnn::Sigmoid> sigmoid;
  hnn::BinaryCrossEntropy<float> bce;
  const Matrix<float> p = sigmoid.forward(z, hnn::Mode::train);
  CHECK(p(0, 0) == 1.0f);
  CHECK(bce.value(p, t) == doctest::Approx(15.94).epsilon(0.001));  // −ln(1.19e-7), not 20
  // ...and the chain rule multiplies a huge ∂L/∂p by σ'(z) = p (1 − p) = 0.
  Matrix<float> dp(1, 1);
  bce.gradient(p, t, dp);
  CHECK(dp(0, 0) > 1e6f);
  const Matrix<float> dz_chained = sigmoid.backward(dp);
  CHECK(dz_chained(0, 0) == 0.0f);  // no gradient: this sample teaches nothing
}

TEST_CASE("docs: softmax then CE loses the gradient, the fused loss keeps it") {
  // Two classes, logits (0, 40), true class 0: p_0 = e^−40 ≈ 4e-18.
  Matrix<float> z(2, 1), dz(2, 1);
  z << 0.0f, 40.0f;
  hnn::Labels y(1);
  y << 0;

  hnn::SoftmaxCrossEntropy<float> fused;
  fused.gradient(z, y, dz);
  CHECK(fused.value(z, y) == doctest::Approx(40.0));  // −ln p_0 = lse(z) − z_0
  CHECK(dz(0, 0) == doctest::Approx(-1.0));           // p − t
  CHECK(dz(1, 0) == doctest::Approx(1.0));

  hnn::Softmax<float> softmax;
  hnn::CrossEntropy<float> ce;
  const Matrix<float> p = softmax.forward(z, hnn::Mode::train);
  Matrix<float> dp(2, 1);
  ce.gradient(p, y, dp);
  CHECK(ce.value(p, y) == doctest::Approx(16.12).epsilon(0.001));  // −ln(ε) with ε = 1e-7
  const Matrix<float> dz_chained = softmax.backward(dp);
  CHECK(std::abs(dz_chained(0, 0)) < 1e-9f);  // p_0 · (−1/ε): about −4e-11 instead of −1
}

TEST_CASE("docs: the losses on logits stay finite at ±1000") {
  Matrix<float> z(2, 2), t(2, 2), dz(2, 2);
  z << 1000.0f, -1000.0f,  //
      -1000.0f, 1000.0f;
  t << 0.0f, 1.0f,  //
      1.0f, 0.0f;
  hnn::BinaryCrossEntropyWithLogits<float> bce;
  CHECK(bce.value(z, t) == doctest::Approx(1000.0));  // every sample is wrong by 1000
  bce.gradient(z, t, dz);
  CHECK(dz.allFinite());

  hnn::Labels y(2);
  y << 1, 0;  // the class with logit −1000 in both columns
  hnn::SoftmaxCrossEntropy<float> ce;
  CHECK(ce.value(z, y) == doctest::Approx(2000.0));  // lse = 1000, z_y = −1000
  ce.gradient(z, y, dz);
  CHECK(dz.allFinite());
}

TEST_CASE("docs: every loss passes the gradient check") {
  hnn::Random rng(5);
  // Predictions and real-valued targets at least 0.1 apart (MAE has a kink at p = t).
  Matrix<double> P(3, 4), T(3, 4);
  rng.fill_normal(P, 0.0, 1.0);
  for (hnn::Index k = 0; k < T.size(); ++k)
    T(k) = P(k) + (k % 2 ? 1.0 : -1.0) * rng.uniform(0.1, 2.0);
  // Probabilities away from 0 and 1, where the clamps do not act.
  Matrix<double> Prob(3, 4), Soft(3, 4);
  rng.fill_uniform(Prob, 0.05, 0.95);
  rng.fill_uniform(Soft, 0.0, 1.0);
  hnn::Labels y(4);
  y << 0, 2, 1, 2;

  CHECK(hnn::check_loss(hnn::MSE<double>(), P, T).passed());
  CHECK(hnn::check_loss(hnn::MAE<double>(), P, T).passed());
  CHECK(hnn::check_loss(hnn::Huber<double>(0.5), P, T).passed());
  CHECK(hnn::check_loss(hnn::BinaryCrossEntropy<double>(), Prob, Soft).passed());
  CHECK(hnn::check_loss(hnn::BinaryCrossEntropyWithLogits<double>(), P, Soft).passed());
  CHECK(hnn::check_loss(hnn::CrossEntropy<double>(), Prob, y).passed());
  CHECK(hnn::check_loss(hnn::SoftmaxCrossEntropy<double>(), P, y).passed());
}
