// SPDX-License-Identifier: MIT
// The normalization layers (layers/batch_norm.hpp, layers/layer_norm.hpp):
// forward against per-channel and per-sample reference loops written here in
// the memory order of core/shape.hpp, PyTorch's running statistics
// (momentum, unbiased variance), inference with them, the gradient checks in
// training and in inference with γ and β away from 1 and 0, wrong
// derivatives that the checker catches, and every refused argument. The last
// part does for the catalogue entries (tests/catalogue/norm.hpp) what the
// catalogue's own tests do for every layer.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "catalogue/norm.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/batch_norm.hpp"
#include "hnn/layers/layer_norm.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

// The statistics and output of batch normalization computed the long way:
// for channel c, every (sample j, row h, column w), at offset (h·W + w)·C + c
// of column j. A {C} sample is H = W = 1.
struct BatchReference {
  std::vector<double> mean, biased_var, unbiased_var;
  Matrix<double> Y;
};

BatchReference batch_reference(const Matrix<double>& X, const hnn::Shape& shape,
                               const Matrix<double>& gamma, const Matrix<double>& beta,
                               double epsilon) {
  const Index C = shape[0], H = shape.rank() == 3 ? shape[1] : 1,
              W = shape.rank() == 3 ? shape[2] : 1;
  BatchReference r;
  r.Y.resize(X.rows(), X.cols());
  for (Index c = 0; c < C; ++c) {
    double sum = 0, squares = 0, m = 0;
    for (Index j = 0; j < X.cols(); ++j)
      for (Index h = 0; h < H; ++h)
        for (Index w = 0; w < W; ++w) {
          sum += X((h * W + w) * C + c, j);
          m += 1;
        }
    const double mean = sum / m;
    for (Index j = 0; j < X.cols(); ++j)
      for (Index h = 0; h < H; ++h)
        for (Index w = 0; w < W; ++w) {
          const double d = X((h * W + w) * C + c, j) - mean;
          squares += d * d;
        }
    const double var = squares / m;
    r.mean.push_back(mean);
    r.biased_var.push_back(var);
    r.unbiased_var.push_back(squares / (m - 1));
    for (Index j = 0; j < X.cols(); ++j)
      for (Index h = 0; h < H; ++h)
        for (Index w = 0; w < W; ++w) {
          const Index i = (h * W + w) * C + c;
          r.Y(i, j) = gamma(c, 0) * (X(i, j) - mean) / std::sqrt(var + epsilon) + beta(c, 0);
        }
  }
  return r;
}

// Y with given statistics (inference): the same loops without the sums.
Matrix<double> batch_with(const Matrix<double>& X, const hnn::Shape& shape,
                          const Matrix<double>& gamma, const Matrix<double>& beta,
                          const Matrix<double>& mean, const Matrix<double>& var, double epsilon) {
  const Index C = shape[0];
  Matrix<double> Y(X.rows(), X.cols());
  for (Index j = 0; j < X.cols(); ++j)
    for (Index i = 0; i < X.rows(); ++i) {
      const Index c = i % C;  // (h·W + w)·C + c: the channel is the offset mod C
      Y(i, j) = gamma(c, 0) * (X(i, j) - mean(c, 0)) / std::sqrt(var(c, 0) + epsilon) + beta(c, 0);
    }
  return Y;
}

// Layer normalization computed the long way, sample by sample.
Matrix<double> layer_reference(const Matrix<double>& X, const Matrix<double>& gamma,
                               const Matrix<double>& beta, double epsilon) {
  Matrix<double> Y(X.rows(), X.cols());
  const double D = double(X.rows());
  for (Index j = 0; j < X.cols(); ++j) {
    double sum = 0, squares = 0;
    for (Index i = 0; i < X.rows(); ++i)
      sum += X(i, j);
    const double mean = sum / D;
    for (Index i = 0; i < X.rows(); ++i)
      squares += (X(i, j) - mean) * (X(i, j) - mean);
    const double sigma = std::sqrt(squares / D + epsilon);
    for (Index i = 0; i < X.rows(); ++i)
      Y(i, j) = gamma(i, 0) * (X(i, j) - mean) / sigma + beta(i, 0);
  }
  return Y;
}

// γ and β set to random values (γ around 1, away from 0), so a check is not
// made at γ = 1, β = 0, where a mistake that confuses γ with 1 passes.
void randomize_parameters(hnn::Layer<double>& layer, std::uint64_t seed) {
  hnn::Random rng(seed);
  auto params = layer.parameters();
  REQUIRE(params.size() == 2);
  auto gamma = params[0].value(), beta = params[1].value();
  rng.fill_uniform(gamma, 0.5, 2.0);
  rng.fill_uniform(beta, -1.0, 1.0);
}

Matrix<double> sample(Index rows, Index cols, std::uint64_t seed) {
  return hnn_test::catalogue::uniform(rows, cols, seed, -1.0, 3.0);
}

// A BatchNorm for features whose input gradient leaves out one part of the
// derivative: what the gradient checker must catch.
enum class Dropped { mean_path, variance_path, both_paths };

class WrongBatchNorm : public hnn::BatchNorm<double> {
 public:
  WrongBatchNorm(Index channels, Dropped dropped)
      : hnn::BatchNorm<double>(channels), dropped_(dropped) {}

 protected:
  In backward_impl(In dY) override {
    const In right = hnn::BatchNorm<double>::backward_impl(dY);
    const Matrix<double> X = input();
    const double m = double(X.cols());
    const Matrix<double> mean = X.rowwise().mean();
    const Matrix<double> centred = X.colwise() - mean.col(0);
    const Matrix<double> sigma =
        (centred.rowwise().squaredNorm() / m).array().unaryExpr([&](double v) {
          return std::sqrt(v + epsilon());
        });
    const Matrix<double> Xhat = centred.array().colwise() / sigma.col(0).array();
    const Matrix<double> scale = gamma().array() / sigma.array() / m;  // (γ/σ)/m
    const Matrix<double> through_mean = scale.cwiseProduct(dY.rowwise().sum());
    const Matrix<double> through_var = scale.cwiseProduct(dY.cwiseProduct(Xhat).rowwise().sum());
    wrong_ = right;
    if (dropped_ != Dropped::variance_path)  // put back what the path through μ takes away
      wrong_.colwise() += through_mean.col(0);
    if (dropped_ != Dropped::mean_path)  // and what the path through σ² takes away
      wrong_ += (Xhat.array().colwise() * through_var.col(0).array()).matrix();
    return wrong_;
  }

 private:
  Dropped dropped_;
  Matrix<double> wrong_;
};

}  // namespace

// ---------------------------------------------------------------------------
// BatchNorm

TEST_CASE("BatchNorm by hand: one feature, four samples") {
  hnn::BatchNorm<double> bn(1);
  Matrix<double> X(1, 4);
  X << 1, 2, 3, 4;
  // μ = 2.5, σ² = (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25 (biased), σ = √(1.25 + 1e-5).
  const double sigma = std::sqrt(1.25 + 1e-5);
  Matrix<double> expected(1, 4);
  expected << -1.5 / sigma, -0.5 / sigma, 0.5 / sigma, 1.5 / sigma;
  const Matrix<double> Y = bn.forward(X, hnn::Mode::train);
  CHECK((Y - expected).norm() < 1e-14);
  // running_mean = 0.9·0 + 0.1·2.5; running_var = 0.9·1 + 0.1·(5/4)(4/3) = 0.9 + 0.1·5/3.
  CHECK(bn.running_mean()(0, 0) == doctest::Approx(0.25).epsilon(1e-14));
  CHECK(bn.running_var()(0, 0) == doctest::Approx(0.9 + 0.1 * 5.0 / 3.0).epsilon(1e-14));
}

TEST_CASE("BatchNorm forward in training: per feature, batch mean and biased variance") {
  const hnn::Shape shape{4};
  hnn::BatchNorm<double> bn(4);
  bn.set_input_shape(shape);
  randomize_parameters(bn, 11);
  const Matrix<double> X = sample(4, 7, 12);
  const auto ref = batch_reference(X, shape, bn.gamma(), bn.beta(), 1e-5);
  const Matrix<double> Y = bn.forward(X, hnn::Mode::train);
  CHECK((Y - ref.Y).norm() < 1e-12);
}

TEST_CASE("BatchNorm forward in training: images per channel over batch × H × W") {
  const hnn::Shape shape{3, 4, 5};
  hnn::BatchNorm<double> bn(3);
  bn.set_input_shape(shape);
  CHECK(bn.output_shape() == shape);
  randomize_parameters(bn, 13);
  const Matrix<double> X = sample(60, 3, 14);
  const auto ref = batch_reference(X, shape, bn.gamma(), bn.beta(), 1e-5);
  const Matrix<double> Y = bn.forward(X, hnn::Mode::train);
  CHECK((Y - ref.Y).norm() < 1e-12);
  // Each channel of the output has mean β and variance γ² σ²/(σ² + ε).
  for (Index c = 0; c < 3; ++c) {
    double sum = 0;
    for (Index j = 0; j < 3; ++j)
      for (Index p = 0; p < 20; ++p)
        sum += Y(p * 3 + c, j);
    CHECK(sum / 60 == doctest::Approx(bn.beta()(c, 0)).epsilon(1e-12));
  }
}

TEST_CASE("BatchNorm running statistics after 3 training steps: momentum, unbiased variance") {
  for (const double momentum : {0.1, 0.3}) {
    CAPTURE(momentum);
    const hnn::Shape shape{2, 3, 2};
    hnn::BatchNormOptions options;
    options.momentum = momentum;
    hnn::BatchNorm<double> bn(2, options);
    bn.set_input_shape(shape);
    CHECK(bn.running_mean().isZero(0));  // PyTorch's starting values
    CHECK(bn.running_var().isOnes(0));
    std::vector<double> mean{0, 0}, var{1, 1};
    const Index sizes[] = {5, 7, 2};  // the last, partial batch: m = 2·6 = 12
    for (int step = 0; step < 3; ++step) {
      const Matrix<double> X = sample(12, sizes[step], 20 + std::uint64_t(step));
      bn.forward(X, hnn::Mode::train);
      const auto ref = batch_reference(X, shape, bn.gamma(), bn.beta(), 1e-5);
      for (Index c = 0; c < 2; ++c) {
        mean[std::size_t(c)] =
            (1 - momentum) * mean[std::size_t(c)] + momentum * ref.mean[std::size_t(c)];
        var[std::size_t(c)] =
            (1 - momentum) * var[std::size_t(c)] + momentum * ref.unbiased_var[std::size_t(c)];
      }
    }
    for (Index c = 0; c < 2; ++c) {
      CHECK(bn.running_mean()(c, 0) == doctest::Approx(mean[std::size_t(c)]).epsilon(1e-13));
      CHECK(bn.running_var()(c, 0) == doctest::Approx(var[std::size_t(c)]).epsilon(1e-13));
    }
  }
}

TEST_CASE("BatchNorm inference normalizes with the running statistics and updates nothing") {
  const hnn::Shape shape{3, 2, 2};
  hnn::BatchNorm<double> bn(3);
  bn.set_input_shape(shape);
  randomize_parameters(bn, 30);
  for (std::uint64_t step = 0; step < 3; ++step)
    bn.forward(sample(12, 6, 31 + step), hnn::Mode::train);
  const Matrix<double> mean = bn.running_mean(), var = bn.running_var();
  const Matrix<double> X = sample(12, 1, 35);  // one sample is fine in inference
  const Matrix<double> Y = bn.forward(X, hnn::Mode::infer);
  CHECK((Y - batch_with(X, shape, bn.gamma(), bn.beta(), mean, var, 1e-5)).norm() < 1e-12);
  CHECK(bn.running_mean() == mean);
  CHECK(bn.running_var() == var);
  // The backward of inference is the plain affine one: dX = γ/σ_running ⊙ dY.
  const Matrix<double> dY = sample(12, 1, 36);
  const Matrix<double> dX = bn.backward(dY);
  for (Index i = 0; i < 12; ++i)
    CHECK(dX(i, 0) ==
          doctest::Approx(bn.gamma()(i % 3, 0) / std::sqrt(var(i % 3, 0) + 1e-5) * dY(i, 0)));
}

TEST_CASE("BatchNorm gradient check in training: features {4} and images {3, 4, 5}") {
  for (const hnn::Shape& shape : {hnn::Shape{4}, hnn::Shape{3, 4, 5}}) {
    CAPTURE(shape);
    hnn::BatchNorm<double> bn(shape[0]);
    bn.set_input_shape(shape);
    randomize_parameters(bn, 40);
    const auto report = hnn::check_layer(bn, sample(shape.size(), 5, 41));
    INFO(report.summary());
    CHECK(report.passed());
    CHECK(report.tensors.size() == 3);  // input, gamma, beta
  }
}

TEST_CASE("BatchNorm gradient check in inference mode, with trained running statistics") {
  for (const hnn::Shape& shape : {hnn::Shape{4}, hnn::Shape{3, 4, 5}}) {
    CAPTURE(shape);
    hnn::BatchNorm<double> bn(shape[0]);
    bn.set_input_shape(shape);
    randomize_parameters(bn, 50);
    for (std::uint64_t step = 0; step < 3; ++step)
      bn.forward(sample(shape.size(), 4, 51 + step), hnn::Mode::train);
    hnn::CheckOptions options;
    options.mode = hnn::Mode::infer;
    const auto report = hnn::check_layer(bn, sample(shape.size(), 5, 55), options);
    INFO(report.summary());
    CHECK(report.passed());
  }
}

TEST_CASE("BatchNorm: the checker catches a backward that drops a path through μ or σ²") {
  for (const Dropped dropped : {Dropped::mean_path, Dropped::variance_path, Dropped::both_paths}) {
    CAPTURE(int(dropped));
    WrongBatchNorm bn(4, dropped);
    randomize_parameters(bn, 60);
    const auto report = hnn::check_layer(bn, sample(4, 6, 61));
    INFO(report.summary());
    CHECK_FALSE(report.passed());
    CHECK(report.worst().name == "input");  // dγ and dβ are still right
  }
}

TEST_CASE("BatchNorm refuses a training batch of one value per channel") {
  hnn::BatchNorm<double> bn(4);
  const Matrix<double> one = sample(4, 1, 70);
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { bn.forward(one, hnn::Mode::train); },
      "BatchNorm(channels=4, momentum=0.1, epsilon=1e-05).forward: a training batch of 1 sample");
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { bn.forward(one, hnn::Mode::train); },
      "drop it (FitOptions::drop_last = true) or choose another batch_size");
  CHECK(bn.running_mean().isZero(0));  // nothing was updated
  CHECK(bn.forward(one, hnn::Mode::infer).cols() == 1);
  const Matrix<double> none(4, 0);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { bn.forward(none, hnn::Mode::train); },
                                               "the training batch is empty");

  // An image of 1 × 1 pixels is one value per channel too; one image of 3 × 3 is nine.
  hnn::BatchNorm<double> images(2);
  images.set_input_shape(hnn::Shape{2, 1, 1});
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { images.forward(sample(2, 1, 71), hnn::Mode::train); }, "1 value per channel");
  images.set_input_shape(hnn::Shape{2, 3, 3});
  CHECK(images.forward(sample(18, 1, 72), hnn::Mode::train).cols() == 1);
}

TEST_CASE("BatchNorm: bad settings and shapes are refused with their names") {
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::BatchNorm<float> bn(0); },
                                                  "BatchNorm: channels must be positive, got 0");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::BatchNorm<float> bn(-3); }, "got -3");
  for (const double momentum : {-0.1, 1.5, std::nan("")}) {
    hnn::BatchNormOptions o;
    o.momentum = momentum;
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [&] { hnn::BatchNorm<float> bn(3, o); },
        "BatchNorm: momentum must be a finite number in [0, 1], got");
  }
  for (const double epsilon : {0.0, -1e-5, HUGE_VAL, std::nan("")}) {
    hnn::BatchNormOptions o;
    o.epsilon = epsilon;
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [&] { hnn::BatchNorm<float> bn(3, o); },
        "BatchNorm: epsilon must be a finite number > 0, got");
  }
  hnn::BatchNormOptions ends;  // momentum 0 and 1 are allowed
  ends.momentum = 0;
  CHECK(hnn::BatchNorm<float>(3, ends).momentum() == 0);
  ends.momentum = 1;
  CHECK(hnn::BatchNorm<float>(3, ends).momentum() == 1);

  hnn::BatchNorm<float> bn(3);
  CHECK(bn.settings() == hnn::Settings{{"channels", 3.0}, {"momentum", 0.1}, {"epsilon", 1e-5}});
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] {
        bn.set_input_shape(hnn::Shape{3, 4});
      },
      "BatchNorm(channels=3, momentum=0.1, epsilon=1e-05): takes samples of 3 features or of "
      "3×H×W (images of 3 channels), but is given 3×4 (a sample of rank 2 is neither)");
  hnn_test::check_throws_with<hnn::ShapeError>([&] { bn.set_input_shape(hnn::Shape{4}); },
                                               "but is given 4");
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] {
        bn.set_input_shape(hnn::Shape{4, 2, 2});
      },
      "but is given 4×2×2");
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] {
        bn.set_input_shape(hnn::Shape{3, 2, 2, 1});
      },
      "but is given 3×2×2×1");
  // Without an input shape, a batch is read as vectors of its rows.
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { bn.forward(Matrix<float>(Matrix<float>::Zero(5, 2)), hnn::Mode::train); },
      "but is given 5");
}

TEST_CASE("BatchNorm takes features from a block of rows; images need their samples together") {
  const Matrix<double> M = sample(14, 5, 80);
  hnn::BatchNorm<double> strided(4), plain(4);
  const Matrix<double> rows = M.middleRows(2, 4);
  const Matrix<double> Ys = strided.forward(M.middleRows(2, 4), hnn::Mode::train);
  CHECK((Ys - Matrix<double>(plain.forward(rows, hnn::Mode::train))).norm() < 1e-14);
  const Matrix<double> dXs = strided.backward(M.middleRows(2, 4));
  CHECK((dXs - Matrix<double>(plain.backward(rows))).norm() < 1e-14);

  hnn::BatchNorm<double> images(2);
  images.set_input_shape(hnn::Shape{2, 2, 3});
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { images.forward(M.middleRows(1, 12), hnn::Mode::train); },
      "the input must be a Matrix or a block of its columns");
  const Matrix<double> I = sample(12, 5, 81);
  CHECK(images.forward(I.middleCols(1, 3), hnn::Mode::train).cols() == 3);  // columns: fine
}

TEST_CASE("BatchNorm: parameters, buffers, gradients that accumulate, no input gradient") {
  hnn::BatchNorm<double> bn(3);
  auto params = bn.parameters();
  auto buffers = bn.buffers();
  REQUIRE(params.size() == 2);
  REQUIRE(buffers.size() == 2);
  CHECK(params[0].name() == "gamma");
  CHECK(params[1].name() == "beta");
  CHECK(buffers[0].name() == "running_mean");
  CHECK(buffers[1].name() == "running_var");
  CHECK(Matrix<double>(params[0].value()).isOnes(0));
  CHECK(Matrix<double>(params[1].value()).isZero(0));
  CHECK(params[0].rows() == 3);
  CHECK(params[0].cols() == 1);

  const Matrix<double> X = sample(3, 5, 90), dY = sample(3, 5, 91);
  bn.forward(X, hnn::Mode::train);
  bn.backward(dY);
  const Matrix<double> once = params[0].grad(), once_b = params[1].grad();
  CHECK((once_b - dY.rowwise().sum()).norm() < 1e-14);  // dβ = dY 1
  bn.forward(X, hnn::Mode::train);
  bn.backward(dY);
  CHECK((Matrix<double>(params[0].grad()) - 2 * once).norm() < 1e-13);  // +=, not =

  bn.set_input_gradient_wanted(false);
  bn.forward(X, hnn::Mode::train);
  CHECK(bn.backward(dY).cols() == 0);
  CHECK((Matrix<double>(params[1].grad()) - 3 * once_b).norm() < 1e-13);
}

// ---------------------------------------------------------------------------
// LayerNorm

TEST_CASE("LayerNorm by hand, and against per-sample loops for an image shape") {
  hnn::LayerNorm<double> ln(4);
  Matrix<double> x(4, 1);
  x << 1, 2, 3, 4;
  const double sigma = std::sqrt(1.25 + 1e-5);  // the same numbers as BatchNorm's, down a column
  Matrix<double> expected(4, 1);
  expected << -1.5 / sigma, -0.5 / sigma, 0.5 / sigma, 1.5 / sigma;
  CHECK((Matrix<double>(ln.forward(x, hnn::Mode::train)) - expected).norm() < 1e-14);

  hnn::LayerNorm<double> image(hnn::Shape{2, 2, 3}, 1e-3);
  randomize_parameters(image, 100);
  const Matrix<double> X = sample(12, 5, 101);
  const Matrix<double> ref = layer_reference(X, image.gamma(), image.beta(), 1e-3);
  CHECK((Matrix<double>(image.forward(X, hnn::Mode::train)) - ref).norm() < 1e-12);
  // Each sample on its own: inference is the same, and so is one sample alone.
  CHECK((Matrix<double>(image.forward(X, hnn::Mode::infer)) - ref).norm() < 1e-12);
  const Matrix<double> first = X.leftCols(1);
  CHECK((Matrix<double>(image.forward(first, hnn::Mode::train)) - ref.leftCols(1)).norm() < 1e-12);
}

TEST_CASE("LayerNorm gradient check: vectors and images, non-trivial γ and β") {
  for (const hnn::Shape& shape : {hnn::Shape{5}, hnn::Shape{2, 2, 3}}) {
    CAPTURE(shape);
    hnn::LayerNorm<double> ln(shape);
    randomize_parameters(ln, 110);
    const auto report = hnn::check_layer(ln, sample(shape.size(), 4, 111));
    INFO(report.summary());
    CHECK(report.passed());
    CHECK(report.tensors.size() == 3);
  }
  hnn::LayerNorm<double> single(6);
  randomize_parameters(single, 112);
  const auto report = hnn::check_layer(single, sample(6, 1, 113));  // one sample
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("LayerNorm: settings, description, bad arguments and shapes") {
  hnn::LayerNorm<float> v(16);
  CHECK(v.describe() == "LayerNorm(16, epsilon=1e-05)");
  CHECK(v.settings() == hnn::Settings{{"features", 16.0}, {"epsilon", 1e-5}});
  CHECK(v.output_shape() == hnn::Shape{16});
  hnn::LayerNorm<float> im(hnn::Shape{3, 4, 5}, 1e-3);
  CHECK(im.describe() == "LayerNorm(3×4×5, epsilon=0.001)");
  CHECK(im.settings() ==
        hnn::Settings{{"shape0", 3.0}, {"shape1", 4.0}, {"shape2", 5.0}, {"epsilon", 1e-3}});
  CHECK(im.parameters()[0].rows() == 60);

  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::LayerNorm<float> l(0); },
                                                  "LayerNorm: features must be positive, got 0");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::LayerNorm<float> l{hnn::Shape()}; },
                                                  "LayerNorm: the normalized shape is unknown");
  for (const double epsilon : {0.0, -1.0, HUGE_VAL, std::nan("")}) {
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [&] { hnn::LayerNorm<float> l(4, epsilon); },
        "LayerNorm: epsilon must be a finite number > 0, got");
  }
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { im.set_input_shape(hnn::Shape{60}); },
      "LayerNorm(3×4×5, epsilon=0.001): normalizes samples of 3×4×5, but is given 60");
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { im.forward(Matrix<float>(Matrix<float>::Zero(59, 2)), hnn::Mode::train); },
      "expected 60 rows");
  im.set_input_gradient_wanted(false);
  im.forward(Matrix<float>(Matrix<float>::Ones(60, 2)), hnn::Mode::train);
  CHECK(im.backward(Matrix<float>::Ones(60, 2)).cols() == 0);
}
