// SPDX-License-Identifier: MIT
// Every loss: the gradient against finite differences (written once over
// the catalogue's list of loss cases, tests/catalogue.hpp), forward values against
// hand-computed numbers (PyTorch's reduction="mean" conventions), float and
// double, extreme inputs, and the errors a caller can provoke.
// Covers every header of include/hnn/losses/: mse.hpp, mae.hpp, huber.hpp,
// binary_cross_entropy.hpp, binary_cross_entropy_with_logits.hpp,
// cross_entropy.hpp and softmax_cross_entropy.hpp (and loss.hpp, the interface).

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

using namespace hnn_test::catalogue;  // the loss cases, MSECase …, and their sample data

// ---------------------------------------------------------------------------
// Gradient checks and float/double.

TEST_CASE_TEMPLATE("gradient check: loss", T, HNN_CATALOGUE_LOSSES) {
  const auto loss = T::template make<double>();
  const Matrix<double> P = T::prediction();
  const auto target = T::target();
  const auto report = hnn::check_loss(loss, P, target);
  INFO(report.summary());
  CHECK(report.subject == loss.name());
  CHECK(report.passed());
  CHECK(report.worst_error() <= 1e-6);
  // Not vacuous: the gradient is not zero (a zero gradient would match a
  // constant loss's zero finite differences).
  Matrix<double> dP(P.rows(), P.cols());
  loss.gradient(P, target, dP);
  CHECK(dP.norm() > 1e-3);
}

TEST_CASE_TEMPLATE("loss instantiates with float and double", T, HNN_CATALOGUE_LOSSES) {
  const auto loss_f = T::template make<float>();
  const auto loss_d = T::template make<double>();
  const Matrix<double> Pd = T::prediction();
  const Matrix<float> Pf = Pd.cast<float>();
  const auto target = T::target();
  const double vd = loss_d.value(Pd, target);
  const float vf = loss_f.value(Pf, as<float>(target));
  CHECK(std::isfinite(vd));
  CHECK(double(vf) == doctest::Approx(vd).epsilon(1e-5));
  Matrix<double> gd(Pd.rows(), Pd.cols());
  Matrix<float> gf(Pf.rows(), Pf.cols());
  loss_d.gradient(Pd, target, gd);
  loss_f.gradient(Pf, as<float>(target), gf);
  CHECK((gf.cast<double>() - gd).norm() <= 1e-5 * gd.norm());
}

TEST_CASE("Huber's gradient-check sample has errors on both sides of delta") {
  const Matrix<double> e = HuberCase::prediction() - HuberCase::target();
  const Index inside = (e.array().abs() < HuberCase::delta).count();
  CHECK(inside > 0);
  CHECK(inside < e.size());
  // and none within 0.01 of the switch, where the second derivative jumps
  CHECK(((e.array().abs() - HuberCase::delta).abs() > 0.01).all());
}

// ---------------------------------------------------------------------------
// Forward values by hand. Matrices are written row by row.

TEST_CASE("MSE, MAE and Huber forward values by hand") {
  Matrix<double> P(2, 2), T(2, 2);
  P << 1, 2,  //
      3, 4;
  T << 1.5, 2,  //
      2, 6;
  // e = P − T = [−0.5 0; 1 −2], N = 4.
  // MSE = (0.25 + 0 + 1 + 4) / 4 = 1.3125 (no ½), ∂/∂P = 2e/4
  CHECK(hnn::MSE<double>().value(P, T) == doctest::Approx(1.3125));
  Matrix<double> dP(2, 2), expected(2, 2);
  hnn::MSE<double>().gradient(P, T, dP);
  expected << -0.25, 0,  //
      0.5, -1;
  CHECK(dP.isApprox(expected));

  // MAE = (0.5 + 0 + 1 + 2) / 4 = 0.875, ∂/∂P = sign(e)/4, sign(0) = 0 as in PyTorch
  CHECK(hnn::MAE<double>().value(P, T) == doctest::Approx(0.875));
  hnn::MAE<double>().gradient(P, T, dP);
  expected << -0.25, 0,  //
      0.25, -0.25;
  CHECK(dP == expected);

  // Huber(δ = 1): ℓ = ½e² for |e| ≤ 1, else |e| − ½:
  //   ℓ(−0.5) = 0.125, ℓ(0) = 0, ℓ(1) = 0.5 (both pieces agree), ℓ(−2) = 1.5
  //   L = 2.125 / 4 = 0.53125, ∂/∂P = clamp(e, ±1)/4
  CHECK(hnn::Huber<double>().value(P, T) == doctest::Approx(0.53125));
  hnn::Huber<double>().gradient(P, T, dP);
  expected << -0.125, 0,  //
      0.25, -0.25;
  CHECK(dP.isApprox(expected));

  // Huber(δ = 0.5): ℓ = δ(|e| − ½δ) = 0.5|e| − 0.125 for |e| > 0.5:
  //   ℓ(−0.5) = 0.125, ℓ(0) = 0, ℓ(1) = 0.375, ℓ(−2) = 0.875
  //   L = 1.375 / 4 = 0.34375, ∂/∂P = clamp(e, ±0.5)/4
  const hnn::Huber<double> half(0.5);
  CHECK(half.delta() == 0.5);
  CHECK(half.value(P, T) == doctest::Approx(0.34375));
  half.gradient(P, T, dP);
  expected << -0.125, 0,  //
      0.125, -0.125;
  CHECK(dP.isApprox(expected));
}

TEST_CASE("BinaryCrossEntropy forward value by hand") {
  Matrix<double> P(2, 2), T(2, 2);
  P << 0.8, 0.4,  //
      0.1, 0.2;
  T << 1, 0,  //
      0, 0.25;
  // −ln 0.8 = 0.2231435513, −ln 0.6 = 0.5108256238, −ln 0.9 = 0.1053605157,
  // −(0.25 ln 0.2 + 0.75 ln 0.8) = 0.4023594781 + 0.1673576635 = 0.5697171416
  // L = 1.4090468324 / 4 = 0.3522617081
  CHECK(hnn::BinaryCrossEntropy<double>().value(P, T) == doctest::Approx(0.3522617081));
  // ∂L/∂p = (p − t) / (p (1 − p) N): at (0, 0) (0.8 − 1) / (0.16 · 4) = −0.3125
  Matrix<double> dP(2, 2);
  hnn::BinaryCrossEntropy<double>().gradient(P, T, dP);
  CHECK(dP(0, 0) == doctest::Approx(-0.3125));
  CHECK(dP(1, 1) == doctest::Approx((0.2 - 0.25) / (0.2 * 0.8 * 4)));  // −0.078125
}

TEST_CASE("BinaryCrossEntropyWithLogits forward value by hand") {
  Matrix<double> Z(2, 2), T(2, 2);
  Z << 0, 2,  //
      -1, 3;
  T << 1, 0,  //
      0, 1;
  // ℓ = ln(1 + e^z) − z t:
  //   z = 0, t = 1: ln 2 = 0.6931471806        z = 2, t = 0: ln(1 + e²) = 2.1269280110
  //   z = −1, t = 0: ln(1 + e⁻¹) = 0.3132616875 z = 3, t = 1: ln(1 + e³) − 3 = 0.0485873516
  //   L = 3.1819242307 / 4 = 0.7954810577
  const hnn::BinaryCrossEntropyWithLogits<double> loss;
  CHECK(loss.value(Z, T) == doctest::Approx(0.7954810577));
  // The same number as BinaryCrossEntropy on σ(Z).
  const Matrix<double> S = (1.0 + (-Z.array()).exp()).inverse().matrix();
  CHECK(loss.value(Z, T) == doctest::Approx(hnn::BinaryCrossEntropy<double>().value(S, T)));
  // ∂L/∂z = (σ(z) − t) / N: at (0, 0) (0.5 − 1) / 4
  Matrix<double> dZ(2, 2);
  loss.gradient(Z, T, dZ);
  CHECK(dZ(0, 0) == doctest::Approx(-0.125));
  CHECK(dZ.isApprox(((S - T) / 4.0).eval()));
}

TEST_CASE("CrossEntropy forward value by hand") {
  Matrix<double> P(3, 2), T(3, 2);
  P << 0.7, 0.1,  //
      0.2, 0.3,   //
      0.1, 0.6;
  T << 1, 0,  //
      0, 0,   //
      0, 1;
  hnn::Labels y(2);
  y << 0, 2;
  // L = −(ln 0.7 + ln 0.6) / 2 = (0.3566749439 + 0.5108256238) / 2 = 0.4337502839
  // (the mean is over the 2 samples, not the 6 elements)
  const hnn::CrossEntropy<double> loss;
  CHECK(loss.value(P, T) == doctest::Approx(0.4337502839));
  CHECK(loss.value(P, y) == doctest::Approx(0.4337502839));
  // ∂L/∂p = −t / (p n): −1/1.4 at (0, 0), −1/1.2 at (2, 1), zero elsewhere
  Matrix<double> expected = Matrix<double>::Zero(3, 2);
  expected(0, 0) = -1 / 1.4;
  expected(2, 1) = -1 / 1.2;
  Matrix<double> dP(3, 2);
  loss.gradient(P, T, dP);
  CHECK(dP.isApprox(expected));
  dP.setConstant(7);  // labels overwrite every element
  loss.gradient(P, y, dP);
  CHECK(dP.isApprox(expected));
}

TEST_CASE("SoftmaxCrossEntropy forward value by hand") {
  Matrix<double> Z(3, 2);
  Z << 1, 0,  //
      2, 0,   //
      3, 0;
  hnn::Labels y(2);
  y << 2, 1;
  // sample 0: ln(e¹ + e² + e³) − 3 = 3.4076059644 − 3 = 0.4076059644
  // sample 1: ln(3 e⁰) − 0 = 1.0986122887
  // L = (0.4076059644 + 1.0986122887) / 2 = 0.7531091266
  const hnn::SoftmaxCrossEntropy<double> loss;
  CHECK(loss.value(Z, y) == doctest::Approx(0.7531091266));
}

TEST_CASE(
    "SoftmaxCrossEntropy: one-hot targets equal labels and the gradient is (softmax(z) − y)/n") {
  const Matrix<double> Z = normal(4, 6, 21, 3.0);
  const hnn::Labels y = labels(4, 6, 22);
  Matrix<double> onehot = Matrix<double>::Zero(4, 6);
  for (Index j = 0; j < 6; ++j)
    onehot(y(j), j) = 1;
  const hnn::SoftmaxCrossEntropy<double> loss;
  CHECK(loss.value(Z, onehot) == doctest::Approx(loss.value(Z, y)).epsilon(1e-12));

  Matrix<double> p(4, 6);
  hnn::softmax_forward(Z, p);
  const Matrix<double> expected = (p - onehot) / 6.0;
  Matrix<double> from_matrix(4, 6), from_labels(4, 6);
  loss.gradient(Z, onehot, from_matrix);
  loss.gradient(Z, y, from_labels);
  CHECK((from_matrix - expected).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((from_labels - expected).cwiseAbs().maxCoeff() < 1e-15);
  // Each column of the gradient sums to 0 (Σ p = Σ t = 1).
  CHECK(from_labels.colwise().sum().cwiseAbs().maxCoeff() < 1e-15);
}

// ---------------------------------------------------------------------------
// Extreme inputs.

TEST_CASE_TEMPLATE("SoftmaxCrossEntropy is finite and right for logits of ±1000", S, float,
                   double) {
  Matrix<S> Z(2, 2);
  Z << 1000, -1000,  //
      -1000, 1000;
  hnn::Labels y(2);
  const hnn::SoftmaxCrossEntropy<S> loss;
  Matrix<S> dZ(2, 2);

  // Both samples predict the wrong class with logit gap 2000: −ln p = 2000 each.
  y << 1, 0;
  CHECK(loss.value(Z, y) == S(2000));
  loss.gradient(Z, y, dZ);
  REQUIRE(dZ.allFinite());
  Matrix<S> expected(2, 2);     // (p − t) / 2 with p = one-hot at the larger logit
  expected << S(0.5), S(-0.5),  //
      S(-0.5), S(0.5);
  CHECK(dZ == expected);

  // Both right: loss 0, gradient 0.
  y << 0, 1;
  CHECK(loss.value(Z, y) == S(0));
  loss.gradient(Z, y, dZ);
  CHECK(dZ.isZero());

  // The same through one-hot matrices.
  const Matrix<S> T = Matrix<S>::Identity(2, 2);
  CHECK(loss.value(Z, T) == S(0));
  CHECK(loss.value(Z, Matrix<S>(T.rowwise().reverse())) == S(2000));
  loss.gradient(Z, T, dZ);
  CHECK(dZ.allFinite());
}

TEST_CASE_TEMPLATE("BinaryCrossEntropyWithLogits is finite and right for logits of ±1000", S, float,
                   double) {
  Matrix<S> Z(1, 2);
  Z << 1000, -1000;
  Matrix<S> T(1, 2);
  const hnn::BinaryCrossEntropyWithLogits<S> loss;
  Matrix<S> dZ(1, 2);

  // Confidently wrong: ℓ = max(z, 0) − z t + ln(1 + e^−|z|) = 1000 for both.
  T << 0, 1;
  CHECK(loss.value(Z, T) == S(1000));
  loss.gradient(Z, T, dZ);
  REQUIRE(dZ.allFinite());
  CHECK(dZ(0, 0) == S(0.5));   // (σ(1000) − 0) / 2
  CHECK(dZ(0, 1) == S(-0.5));  // (σ(−1000) − 1) / 2

  // Confidently right: 0.
  T << 1, 0;
  CHECK(loss.value(Z, T) == S(0));
  loss.gradient(Z, T, dZ);
  CHECK(dZ.isZero());
}

TEST_CASE_TEMPLATE("CrossEntropy is finite for probabilities 0 and 1 (clamped)", S, float, double) {
  const S eps = hnn::probability_epsilon<S>();
  Matrix<S> P(2, 2);
  P << 0, 1,  //
      1, 0;
  const hnn::CrossEntropy<S> loss;
  hnn::Labels y(2);
  Matrix<S> dP(2, 2);

  // Both samples give probability 0 to the true class: −ln ε each.
  y << 0, 1;
  const S v = loss.value(P, y);
  CHECK(std::isfinite(v));
  CHECK(v == doctest::Approx(-std::log(eps)));  // 27.6 in double, 16.1 in float
  loss.gradient(P, y, dP);
  CHECK(dP.allFinite());
  CHECK(dP(0, 0) < S(0));

  // Probability 1 at the true class: ≈ 0.
  y << 1, 0;
  CHECK(loss.value(P, y) >= S(0));
  CHECK(loss.value(P, y) < S(1e-6));
  loss.gradient(P, y, dP);
  CHECK(dP.allFinite());

  // The same with matrix targets.
  const Matrix<S> T = Matrix<S>::Identity(2, 2);
  CHECK(loss.value(P, T) == doctest::Approx(-std::log(eps)));
  loss.gradient(P, T, dP);
  CHECK(dP.allFinite());
}

TEST_CASE_TEMPLATE("BinaryCrossEntropy is finite for probabilities 0 and 1 (clamped)", S, float,
                   double) {
  const S eps = hnn::probability_epsilon<S>();
  Matrix<S> P(1, 4), T(1, 4);
  P << 0, 0, 1, 1;
  T << 0, 1, 0, 1;
  const hnn::BinaryCrossEntropy<S> loss;
  // Two right (≈ 0), two wrong (≈ −ln ε each): L ≈ 2 (−ln ε) / 4. (In float,
  // 1 − (1 − ε) rounds to 1.19e-7, not 1e-7: hence the loose tolerance.)
  const S v = loss.value(P, T);
  CHECK(std::isfinite(v));
  CHECK(v == doctest::Approx(-std::log(eps) / 2).epsilon(0.01));
  Matrix<S> dP(1, 4);
  loss.gradient(P, T, dP);
  CHECK(dP.allFinite());
  CHECK(dP(0, 1) < S(0));  // p = 0, t = 1: push p up
  CHECK(dP(0, 2) > S(0));  // p = 1, t = 0: push p down
}

// ---------------------------------------------------------------------------
// Errors.

TEST_CASE_TEMPLATE("loss: shape mismatch names the loss and both shapes", T, HNN_CATALOGUE_LOSSES) {
  const auto loss = T::template make<float>();
  const Matrix<float> P = Matrix<float>::Constant(2, 3, 0.5f);
  const Matrix<float> wrong = Matrix<float>::Constant(3, 2, 0.5f);
  Matrix<float> dP(2, 3);
  const std::string message =
      loss.name() + ": prediction has shape (2 × 3) but target has shape (3 × 2)";
  hnn_test::check_throws_with<hnn::ShapeError>([&] { loss.value(P, wrong); }, message);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { loss.gradient(P, wrong, dP); }, message);
  // A gradient buffer of the wrong shape.
  Matrix<float> small(2, 2);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { loss.gradient(P, P, small); },
      loss.name() +
          ".gradient: gradient buffer has shape (2 × 2) but prediction has shape (2 × 3)");
  // An empty batch.
  const Matrix<float> empty(2, 0);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { loss.value(empty, empty); },
                                               loss.name() + ": prediction is empty (2 × 0)");
}

TEST_CASE_TEMPLATE("loss: a loss without labels refuses them", T,
                   HNN_CATALOGUE_MATRIX_ONLY_LOSSES) {
  const auto loss = T::template make<double>();
  CHECK_FALSE(loss.takes_labels());
  const Matrix<double> P = Matrix<double>::Constant(3, 2, 0.5);
  hnn::Labels y(2);
  y << 0, 1;
  Matrix<double> dP(3, 2);
  const std::string message = loss.name() + ": takes a target matrix";
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { loss.value(P, y); }, message);
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { loss.gradient(P, y, dP); }, message);
}

TEST_CASE_TEMPLATE("loss: labels of the wrong count or out of range", T, CrossEntropyCase,
                   SoftmaxCrossEntropyCase) {
  const auto loss = T::template make<double>();
  CHECK(loss.takes_labels());
  const Matrix<double> P = Matrix<double>::Constant(3, 2, 1.0 / 3);
  Matrix<double> dP(3, 2);
  hnn::Labels three(3);
  three << 0, 1, 2;
  const std::string count =
      loss.name() + ": prediction has shape (3 × 2) (2 samples) but there are 3 labels";
  hnn_test::check_throws_with<hnn::ShapeError>([&] { loss.value(P, three); }, count);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { loss.gradient(P, three, dP); }, count);

  hnn::Labels y(2);
  y << 0, 3;
  const std::string range = loss.name() + ": label 3 of sample 1 is outside [0, 3)";
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { loss.value(P, y); }, range);
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { loss.gradient(P, y, dP); }, range);
  y << -1, 0;
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { loss.value(P, y); }, loss.name() + ": label -1 of sample 0 is outside [0, 3)");
}

TEST_CASE("Huber: delta must be positive") {
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::Huber<double> h(0.0); }, "delta");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::Huber<float> h(-1.0f); },
                                                  "Huber: delta must be a finite number > 0");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::Huber<double> h(std::nan("")); },
                                                  "delta");
  CHECK(hnn::Huber<double>(0.25).delta() == 0.25);
  CHECK(hnn::Huber<double>().delta() == 1.0);  // PyTorch's default
}

TEST_CASE("loss names") {
  CHECK(hnn::MSE<float>().name() == "MSE");
  CHECK(hnn::MAE<float>().name() == "MAE");
  CHECK(hnn::Huber<float>().name() == "Huber");
  CHECK(hnn::BinaryCrossEntropy<float>().name() == "BinaryCrossEntropy");
  CHECK(hnn::BinaryCrossEntropyWithLogits<float>().name() == "BinaryCrossEntropyWithLogits");
  CHECK(hnn::CrossEntropy<float>().name() == "CrossEntropy");
  CHECK(hnn::SoftmaxCrossEntropy<float>().name() == "SoftmaxCrossEntropy");
}

TEST_CASE_TEMPLATE("value_and_gradient equals value and gradient computed apart", S, float,
                   double) {
  hnn::Random rng(17);
  Matrix<S> Z(4, 6), T(4, 6);
  rng.fill_normal(Z, 0.0, 3.0);
  rng.fill_uniform(T, 0.05, 0.95);
  hnn::Labels y(6);
  y << 0, 3, 2, 1, 1, 0;
  const S tol = sizeof(S) == 4 ? S(1e-6) : S(1e-14);
  hnn::SoftmaxCrossEntropy<S> sce;
  hnn::MSE<S> mse;
  Matrix<S> fused(4, 6), apart(4, 6);
  const S v1 = sce.value_and_gradient(Z, y, fused);
  sce.gradient(Z, y, apart);
  CHECK(v1 == doctest::Approx(sce.value(Z, y)).epsilon(tol));
  CHECK((fused - apart).cwiseAbs().maxCoeff() <= tol);
  const S v2 = mse.value_and_gradient(Z, T, fused);
  mse.gradient(Z, T, apart);
  CHECK(v2 == doctest::Approx(mse.value(Z, T)).epsilon(tol));
  CHECK(fused == apart);
  Matrix<S> big = Matrix<S>::Zero(3, 2);
  big(0, 0) = S(1000);
  big(1, 1) = S(-1000);
  hnn::Labels y2(2);
  y2 << 1, 1;
  Matrix<S> g(3, 2);
  const S v3 = sce.value_and_gradient(big, y2, g);
  CHECK(std::isfinite(double(v3)));
  CHECK(g.allFinite());
}
