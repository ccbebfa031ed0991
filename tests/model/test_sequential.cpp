// SPDX-License-Identifier: MIT
// Sequential: building with size checks, forward/backward/predict, whole-model
// gradient checks (Dense + each activation + each loss), summary.

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

template <template <typename> class F>
struct Fn {
  template <typename S>
  using type = F<S>;
};

// 3 → Dense(3 → 5) → F → Dense(5 → 4) → F → Dense(4 → outputs)
template <template <typename> class F>
hnn::Sequential<double> two_hidden(Index outputs, std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<double> model(3);
  model.add(hnn::Dense<double>(3, 5, rng, hnn::Init::normal(0, 0.8), hnn::Init::normal(0, 0.3)))
      .add(hnn::Activation<double, F>())
      .add(hnn::Dense<double>(5, 4, rng, hnn::Init::normal(0, 0.8), hnn::Init::normal(0, 0.3)))
      .add(hnn::Activation<double, F>())
      .add(hnn::Dense<double>(4, outputs, rng));
  return model;
}

}  // namespace

TEST_CASE_TEMPLATE("gradient check: whole model, Dense + activation + SoftmaxCrossEntropy", T,
                   Fn<hnn::Identity>, Fn<hnn::Sigmoid>, Fn<hnn::Tanh>, Fn<hnn::ReLU>,
                   Fn<hnn::LeakyReLU>, Fn<hnn::ELU>, Fn<hnn::SELU>, Fn<hnn::Softplus>,
                   Fn<hnn::GELU>, Fn<hnn::SiLU>) {
  auto model = two_hidden<T::template type>(3, 21);
  const Matrix<double> X = hnn_test::away_from_zero(3, 6, 8, 0.05, 1.5);
  hnn::Labels y(6);
  y << 0, 2, 1, 1, 0, 2;
  // ReLU-like kinks: the pre-activations must stay away from 0 under ±h; with
  // these seeds the nearest is well above 1e-5 (the check would fail otherwise).
  const auto report = hnn::check_model(model, X, y, hnn::SoftmaxCrossEntropy<double>());
  INFO(report.summary());
  CHECK(report.passed());
  CHECK(report.tensors.size() == 6);  // W and b of three Dense layers
}

namespace {
struct MSECase {
  static std::unique_ptr<hnn::Loss<double>> make() { return std::make_unique<hnn::MSE<double>>(); }
};
struct MAECase {
  static std::unique_ptr<hnn::Loss<double>> make() { return std::make_unique<hnn::MAE<double>>(); }
};
struct HuberCase {
  static std::unique_ptr<hnn::Loss<double>> make() {
    return std::make_unique<hnn::Huber<double>>(0.5);
  }
};
struct BCEWithLogitsCase {
  static std::unique_ptr<hnn::Loss<double>> make() {
    return std::make_unique<hnn::BinaryCrossEntropyWithLogits<double>>();
  }
};
}  // namespace

TEST_CASE_TEMPLATE("gradient check: whole model with a matrix-target loss", L, MSECase, MAECase,
                   HuberCase, BCEWithLogitsCase) {
  auto model = two_hidden<hnn::Tanh>(2, 5);
  const Matrix<double> X = hnn_test::away_from_zero(3, 5, 2);
  hnn::Random rng(4);
  Matrix<double> T(2, 5);
  rng.fill_uniform(T, 0.0, 1.0);
  // MAE's kink at p = t: targets in [0, 1] and outputs of this model at these
  // inputs do not coincide within h.
  const auto loss = L::make();
  const auto report = hnn::check_model(model, X, T, *loss);
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("gradient check: model ending in a Softmax layer with CrossEntropy on probabilities") {
  hnn::Random rng(6);
  hnn::Sequential<double> model(3);
  model.add(hnn::Dense<double>(3, 4, rng)).add(hnn::Softmax<double>());
  const Matrix<double> X = hnn_test::away_from_zero(3, 5, 3);
  hnn::Labels y(5);
  y << 0, 3, 1, 2, 3;
  const auto report = hnn::check_model(model, X, y, hnn::CrossEntropy<double>());
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("Sequential checks sizes as layers are added") {
  hnn::Random rng(1);
  hnn::Sequential<float> model(4);
  model.add(hnn::Dense<float>(4, 8, rng)).add(hnn::Activation<float, hnn::ReLU>());
  CHECK(model.output_size() == 8);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { model.add(hnn::Dense<float>(6, 2, rng)); },
      "layer 2 (Dense(6 → 2)) does not fit after ReLU, which gives 8 values per sample");
  CHECK(model.size() == 2);  // the bad layer was not added
  model.add<hnn::Dense>(8, 3, rng);
  CHECK(model.output_size() == 3);
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::Sequential<float> m(0); },
                                                  "input_size");
}

TEST_CASE("Sequential forward checks the input and predict matches forward") {
  hnn::Random rng(2);
  hnn::Sequential<double> model(3);
  model.add(hnn::Dense<double>(3, 4, rng)).add(hnn::Activation<double, hnn::Tanh>());
  const Matrix<double> wrong = Matrix<double>::Zero(2, 5);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { model.forward(wrong, hnn::Mode::infer); },
                                               "(2 × 5)");
  const Matrix<double> X = Matrix<double>::Random(3, 700);
  const Matrix<double> all = model.forward(X, hnn::Mode::infer);
  const Matrix<double> chunked = model.predict(X, 64);  // 11 chunks, the last one partial
  CHECK(chunked == all);
  hnn::Sequential<double> empty(3);
  hnn_test::check_throws_with<hnn::Error>([&] { empty.forward(X, hnn::Mode::infer); }, "no layers");
}

TEST_CASE("the first layer computes no input gradient, and parameters are named by layer") {
  hnn::Random rng(3);
  hnn::Sequential<double> model(2);
  model.add(hnn::Dense<double>(2, 3, rng)).add(hnn::Dense<double>(3, 1, rng));
  CHECK_FALSE(model.layer(0).input_gradient_wanted());
  CHECK(model.layer(1).input_gradient_wanted());
  auto params = model.parameters();
  REQUIRE(params.size() == 4);
  CHECK(params[0].name() == "0.W");
  CHECK(params[3].name() == "1.b");
  CHECK(model.parameter_count() == 2 * 3 + 3 + 3 + 1);
}

TEST_CASE("zero_grad resets what backward accumulated") {
  hnn::Random rng(3);
  hnn::Sequential<double> model(2);
  model.add(hnn::Dense<double>(2, 2, rng));
  const Matrix<double> X = Matrix<double>::Ones(2, 3);
  model.forward(X, hnn::Mode::train);
  model.backward(Matrix<double>::Ones(2, 3));
  CHECK(model.parameters()[0].grad().squaredNorm() > 0);
  model.zero_grad();
  for (auto& p : model.parameters())
    CHECK(p.grad().squaredNorm() == 0);
}

TEST_CASE("summary lists layers, per-sample output shapes and parameter counts") {
  hnn::Random rng(1);
  hnn::Sequential<float> model(hnn::Shape{1, 28, 28});
  model.add(hnn::Flatten<float>())
      .add(hnn::Dense<float>(784, 256, rng))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(256, 10, rng));
  const std::string s = model.summary();
  INFO(s);
  CHECK(s.find("input                       1×28×28") != std::string::npos);
  CHECK(s.find("0   Flatten                     784                      0") != std::string::npos);
  CHECK(s.find("Dense(784 → 256)            256                 200960") != std::string::npos);
  CHECK(s.find("203530") != std::string::npos);   // + 256·10 + 10
  CHECK(s.find("buffers") == std::string::npos);  // none in this model
}

TEST_CASE("Sequential of shaped samples: each layer is told the shape before it") {
  hnn::Random rng(1);
  hnn::Sequential<float> model(hnn::Shape{2, 3, 4});
  CHECK(model.input_shape() == hnn::Shape{2, 3, 4});
  CHECK(model.input_size() == 24);
  model.add(hnn::Activation<float, hnn::Tanh>());  // element-wise: keeps the shape
  CHECK(model.output_shape() == hnn::Shape{2, 3, 4});
  CHECK(model.layer(0).input_shape() == hnn::Shape{2, 3, 4});
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { model.add(hnn::Dense<float>(24, 5, rng)); },
      "does not fit after Tanh, which gives samples of 2×3×4: Dense(24 → 5): takes a vector of "
      "24 values per sample, but is given 2×3×4 (put a Flatten before it)");
  model.add(hnn::Reshape<float>(hnn::Shape{6, 4})).add(hnn::Flatten<float>());
  CHECK(model.output_shape() == hnn::Shape{24});
  model.add(hnn::Dense<float>(24, 5, rng));
  CHECK(model.output_size() == 5);
  // A batch of the wrong number of rows names the shape it needed.
  const Matrix<float> wrong = Matrix<float>::Zero(23, 2);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { model.forward(wrong, hnn::Mode::infer); },
      "input has shape (23 × 2), expected 24 rows (samples of 2×3×4 = 24 values)");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::Sequential<float> m{hnn::Shape()}; },
                                                  "the input shape is unknown");
  hnn_test::check_throws_with<hnn::ShapeError>([] { hnn::Shape{2, 0}; }, "every dimension");
}

TEST_CASE("a copied model is independent of the original") {
  hnn::Random rng(1);
  hnn::Sequential<double> a(2);
  a.add(hnn::Dense<double>(2, 2, rng));
  hnn::Sequential<double> b = a;
  a.parameters()[0].value().setZero();
  CHECK(b.parameters()[0].value().squaredNorm() > 0);
  b.copy_weights_from(a);
  CHECK(b.parameters()[0].value().squaredNorm() == 0);
}
