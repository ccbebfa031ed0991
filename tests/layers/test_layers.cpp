// SPDX-License-Identifier: MIT
// Layers: the gradient check over every layer type of the catalogue
// (tests/catalogue.hpp), the forward equations against hand-computed numbers,
// the buffer contract and the shape errors.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

TEST_CASE_TEMPLATE("gradient check: layer", T, HNN_CATALOGUE_LAYERS) {
  hnn::Random rng(3);
  auto layer = T::template make<double>(rng);
  layer->set_input_shape(T::input());
  const Matrix<double> X = T::sample(6, 5);
  const auto report = hnn::check_layer(*layer, X);
  INFO(report.summary());
  CHECK(report.passed());
  // The input (where it has a gradient), each parameter, each sequence state.
  CHECK(report.tensors.size() == (layer->has_input_gradient() ? 1u : 0u) +
                                     layer->parameters().size() + layer->sequence_state().size());
}

TEST_CASE_TEMPLATE("layer instantiates with float and double, and the two agree", T,
                   HNN_CATALOGUE_LAYERS) {
  hnn::Random rf(4), rd(4);
  auto f = T::template make<float>(rf);
  auto d = T::template make<double>(rd);
  f->set_input_shape(T::input());
  d->set_input_shape(T::input());
  CHECK(f->output_shape() == d->output_shape());
  CHECK(f->type_name() == std::string(T::type));
  const Matrix<double> Xd = T::sample(5, 6);
  const Matrix<float> Xf = Xd.cast<float>();
  hnn::Random gd(7), gf(7);  // the same draws for layers that draw (dropout)
  const Matrix<double> Yd = d->forward(Xd, hnn::Mode::train, gd);
  const Matrix<float> Yf = f->forward(Xf, hnn::Mode::train, gf);
  REQUIRE(Yd.rows() == d->output_shape().size());
  CHECK((Yf.cast<double>() - Yd).norm() <= 1e-5 * (1 + Yd.norm()));
  const Matrix<double> Gd = Matrix<double>::Ones(Yd.rows(), Yd.cols());
  const Matrix<double> dXd = d->backward(Gd);
  const Matrix<float> dXf = f->backward(Gd.cast<float>());
  CHECK((dXf.cast<double>() - dXd).norm() <= 1e-5 * (1 + dXd.norm()));
}

TEST_CASE("Dense forward: Z = W X + b 1ᵀ by hand") {
  hnn::Random rng(1);
  hnn::Dense<double> d(2, 2, rng, hnn::Init::constant(0.5), hnn::Init::constant(-1));
  Matrix<double> X(2, 3);
  X << 1, 2, 3,  //
      4, 5, 6;
  // Every W entry is 0.5: z = 0.5 (x1 + x2) − 1 for both outputs.
  Matrix<double> expected(2, 3);
  expected << 1.5, 2.5, 3.5,  //
      1.5, 2.5, 3.5;
  Matrix<double> Z = d.forward(X, hnn::Mode::infer);
  CHECK(Z.isApprox(expected));
}

TEST_CASE("Dense backward accumulates parameter gradients as sums over the batch") {
  hnn::Random rng(2);
  hnn::Dense<double> d(3, 2, rng);
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  const Matrix<double> dZ = Matrix<double>::Random(2, 4);
  d.forward(X, hnn::Mode::train);
  d.backward(dZ);
  d.forward(X, hnn::Mode::train);
  const Matrix<double> dX = d.backward(dZ);
  auto params = d.parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].name() == "W");
  CHECK(params[1].name() == "b");
  CHECK(params[0].grad().isApprox(2 * dZ * X.transpose()));  // dW += dZ Xᵀ, twice
  CHECK(params[1].grad().isApprox(2 * dZ.rowwise().sum()));  // db += dZ 1, twice
  CHECK(dX.isApprox(d.W().transpose() * dZ));                // dX = Wᵀ dZ, not accumulated
}

TEST_CASE("Dense skips the input gradient when told it is not wanted") {
  hnn::Random rng(2);
  hnn::Dense<double> d(3, 2, rng);
  d.set_input_gradient_wanted(false);
  const Matrix<double> X = Matrix<double>::Random(3, 4);
  d.forward(X, hnn::Mode::train);
  const auto dX = d.backward(Matrix<double>::Ones(2, 4));
  CHECK(dX.cols() == 0);
  CHECK(d.parameters()[0].grad().squaredNorm() > 0);
}

TEST_CASE("layer outputs are views of reused buffers, and a smaller batch allocates nothing") {
  hnn::Random rng(4);
  hnn::Dense<float> d(3, 2, rng);
  Matrix<float> X = Matrix<float>::Random(3, 8);
  const float* first = d.forward(X, hnn::Mode::train).data();
  const auto small = d.forward(X.leftCols(5), hnn::Mode::train);  // the last, partial batch
  CHECK(small.data() == first);
  CHECK(small.cols() == 5);
  Matrix<float> expected = d.W() * X.leftCols(5);
  expected.colwise() += d.b().col(0);
  CHECK(Matrix<float>(small).isApprox(expected));
}

TEST_CASE(
    "Flatten and Reshape (layers/flatten.hpp, layers/reshape.hpp) are views: no number moves") {
  const Matrix<float> X = hnn_test::uniform(12, 3, 4);
  hnn::Reshape<float> reshape(hnn::Shape{3, 4});
  reshape.set_input_shape(hnn::Shape{12});
  CHECK(reshape.output_shape() == hnn::Shape{3, 4});
  CHECK(reshape.describe() == "Reshape(3×4)");
  CHECK(reshape.settings() == hnn::Settings{{"shape0", 3.0}, {"shape1", 4.0}});
  const auto Y = reshape.forward(X, hnn::Mode::train);
  CHECK(Y.data() == X.data());  // Y = X, the same memory
  const Matrix<float> dY = hnn_test::uniform(12, 3, 5);
  CHECK(reshape.backward(dY).data() == dY.data());  // dX = dY
  reshape.set_input_gradient_wanted(false);
  CHECK(reshape.backward(dY).cols() == 0);

  hnn::Flatten<float> flatten;
  flatten.set_input_shape(hnn::Shape{3, 4});
  CHECK(flatten.output_shape() == hnn::Shape{12});
  CHECK(flatten.forward(X, hnn::Mode::infer).data() == X.data());
  CHECK(flatten.backward(dY).data() == dY.data());

  // A target of another size names both shapes; an unknown target is refused.
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { reshape.compute_output_shape(hnn::Shape{13}); },
      "Reshape(3×4): a sample of 13 has 13 values, 3×4 needs 12");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::Reshape<float> r{hnn::Shape()}; },
                                                  "Reshape: the target shape is unknown");
}

TEST_CASE("Dense: shape errors name the layer and both shapes") {
  hnn::Random rng(1);
  hnn::Dense<float> d(4, 3, rng);
  const Matrix<float> X52 = Matrix<float>::Zero(5, 2), X42 = Matrix<float>::Zero(4, 2);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { d.forward(X52, hnn::Mode::train); },
      "Dense(4 → 3).forward: input has shape (5 × 2), expected 4 rows");
  d.forward(X42, hnn::Mode::train);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { d.backward(Matrix<float>::Zero(3, 7)); },
                                               "expected (3 × 2)");
  hnn_test::check_throws_with<hnn::ShapeError>([&] { d.compute_output_shape(5); },
                                               "takes a vector of 4 values per sample");
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::Dense<float>(0, 3, rng); },
                                                  "sizes must be positive");
  // Checked before anything is sized: in a build with Eigen's assertions on
  // (this suite's g++ build), a negative size would abort in Eigen first.
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { hnn::Dense<float>(4, -3, rng); },
      "Dense: sizes must be positive, got in = 4, out = -3");
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::Dense<double>(-1, 2, rng); },
                                                  "got in = -1, out = 2");
}

TEST_CASE("backward before forward is an error, not a crash") {
  hnn::Random rng(1);
  hnn::Dense<double> d(2, 2, rng);
  hnn_test::check_throws_with<hnn::Error>([&] { d.backward(Matrix<double>::Zero(2, 1)); },
                                          "before forward");
  hnn::Activation<double, hnn::ReLU> a;
  hnn_test::check_throws_with<hnn::Error>([&] { a.backward(Matrix<double>::Zero(2, 1)); },
                                          "before forward");
  hnn::Softmax<double> s;
  hnn_test::check_throws_with<hnn::Error>([&] { s.backward(Matrix<double>::Zero(2, 1)); },
                                          "before forward");
}

TEST_CASE("Activation and Softmax layers check the gradient's shape") {
  hnn::Activation<float, hnn::Sigmoid> a;
  const Matrix<float> Z = Matrix<float>::Zero(3, 2);
  a.forward(Z, hnn::Mode::train);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { a.backward(Matrix<float>::Zero(3, 3)); },
                                               "(3 × 3)");
  hnn::Softmax<float> s;
  s.forward(Z, hnn::Mode::train);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { s.backward(Matrix<float>::Zero(2, 2)); },
                                               "(2 × 2)");
}

TEST_CASE("clone copies parameters and is independent") {
  hnn::Random rng(9);
  hnn::Dense<double> d(3, 2, rng);
  auto c = d.clone();
  d.parameters()[0].value().setZero();
  CHECK(c->parameters()[0].value().squaredNorm() > 0);
  CHECK(c->describe() == "Dense(3 → 2)");
}

TEST_CASE("a layer refuses an input it could only keep as a dangling copy") {
  // An expression (2 * X) does not compile: forward static_asserts that X is
  // stored memory. A row of a matrix is stored memory, but with a stride that
  // Eigen::Ref would have to copy into a temporary; that is refused at run time.
  hnn::Random rng(1);
  hnn::Dense<double> d(3, 2, rng);
  const Matrix<double> M = Matrix<double>::Random(4, 3);
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { d.forward(M.row(1), hnn::Mode::train); },
      "the input must be a column-major matrix or a block of its columns");
  const Matrix<double> X = Matrix<double>::Random(3, 6);
  CHECK(d.forward(X.middleCols(2, 3), hnn::Mode::train).cols() == 3);  // columns: fine
}
