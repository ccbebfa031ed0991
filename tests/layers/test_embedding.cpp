// SPDX-License-Identifier: MIT
// The sequence pieces around the recurrent layers: Embedding
// (layers/embedding.hpp), TimeDistributed (layers/time_distributed.hpp) and
// the softmax cross-entropy at every step
// (losses/sequence_softmax_cross_entropy.hpp) — by hand, gradient-checked,
// their errors, and a whole language model checked end to end.

#include <doctest/doctest.h>

#include <limits>
#include <memory>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace test_embedding {

Matrix<double> random_tokens(Index T, Index n, Index vocabulary, std::uint64_t seed) {
  hnn::Random rng(seed);
  Matrix<double> X(T, n);
  for (Index j = 0; j < n; ++j)
    for (Index t = 0; t < T; ++t)
      X(t, j) = double(rng.below(std::uint64_t(vocabulary)));
  return X;
}

Matrix<double> embedding_random(Index rows, Index cols, std::uint64_t seed, double s = 1.0) {
  hnn::Random rng(seed);
  Matrix<double> m(rows, cols);
  rng.fill_normal(m, 0.0, s);
  return m;
}

// One-hot targets for T steps of C classes (T·C × n).
Matrix<double> one_hot_steps(const Matrix<double>& classes, Index C) {
  Matrix<double> Y = Matrix<double>::Zero(classes.rows() * C, classes.cols());
  for (Index j = 0; j < classes.cols(); ++j)
    for (Index t = 0; t < classes.rows(); ++t)
      Y(t * C + Index(classes(t, j)), j) = 1;
  return Y;
}

}  // namespace test_embedding

TEST_CASE("Embedding: forward picks columns, backward adds to them, no input gradient") {
  using namespace test_embedding;
  hnn::Random rng(1);
  hnn::Embedding<double> e(6, 3, rng);
  e.set_input_shape(hnn::Shape{4});
  CHECK(e.output_shape() == (hnn::Shape{4, 3}));
  CHECK(e.compute_output_shape(hnn::Shape{4, 1}) == (hnn::Shape{4, 3}));
  CHECK_FALSE(e.has_input_gradient());
  Matrix<double> X(4, 2);
  X << 0, 5,  //
      2, 2,   //
      5, 1,   //
      2, 0;
  const Matrix<double> Y = e.forward(X, hnn::Mode::train);
  for (Index j = 0; j < 2; ++j)
    for (Index t = 0; t < 4; ++t)
      CHECK(Y.col(j).segment(t * 3, 3) == e.W().col(Index(X(t, j))));
  const Matrix<double> G = embedding_random(12, 2, 2);
  e.parameters()[0].grad().setZero();
  e.backward(G);
  const Matrix<double> dW = e.parameters()[0].grad();
  // Token 2 appears three times: its column gets all three gradients.
  CHECK((dW.col(2) - (G.col(0).segment(3, 3) + G.col(0).segment(9, 3) + G.col(1).segment(3, 3)))
            .norm() <= 1e-15);
  CHECK(dW.col(3).isZero(0));  // token 3 never appears
  CHECK(dW.col(4).isZero(0));
}

TEST_CASE("Embedding: gradient check of its rows; the checker skips its input") {
  using namespace test_embedding;
  hnn::Random rng(3);
  hnn::Embedding<double> e(5, 4, rng);
  e.set_input_shape(hnn::Shape{6});
  const auto report = hnn::check_layer(e, random_tokens(6, 3, 5, 4));
  INFO(report.summary());
  CHECK(report.passed());
  REQUIRE(report.tensors.size() == 1);
  CHECK(report.tensors[0].name == "W");
}

TEST_CASE("Embedding: an index outside the vocabulary is a clear error") {
  using namespace test_embedding;
  hnn::Random rng(3);
  hnn::Embedding<double> e(5, 2, rng);
  e.set_input_shape(hnn::Shape{3});
  Matrix<double> X = random_tokens(3, 2, 5, 1);
  X(2, 1) = 5;
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { e.forward(X, hnn::Mode::train); },
      "Embedding(5 → 2).forward: token index 5 at step 2 of sample 1 is not in the vocabulary (a "
      "whole number from 0 to 4)");
  X(2, 1) = -1;
  CHECK_THROWS_AS(e.forward(X, hnn::Mode::train), hnn::ArgumentError);
  X(2, 1) = 1.5;
  CHECK_THROWS_AS(e.forward(X, hnn::Mode::train), hnn::ArgumentError);
  X(2, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(e.forward(X, hnn::Mode::train), hnn::ArgumentError);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] {
        e.set_input_shape(hnn::Shape{3, 2});
      },
      "takes a sequence of token indices");
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::Embedding<double>(0, 2, rng); },
                                                  "sizes must be positive");
}

TEST_CASE("TimeDistributed: the Dense at every step, one W and b") {
  using namespace test_embedding;
  hnn::Random rng(5);
  hnn::TimeDistributed<double> td(3, 2, rng, hnn::Init::normal(0, 1), hnn::Init::normal(0, 1));
  td.set_input_shape(hnn::Shape{4, 3});
  CHECK(td.output_shape() == (hnn::Shape{4, 2}));
  CHECK(td.describe() == "TimeDistributed(Dense(3 → 2))");
  const Matrix<double> X = embedding_random(12, 3, 6);
  const Matrix<double> Y = td.forward(X, hnn::Mode::train);
  for (Index j = 0; j < 3; ++j)
    for (Index t = 0; t < 4; ++t)
      CHECK((Y.col(j).segment(t * 2, 2) -
             (td.dense().W() * X.col(j).segment(t * 3, 3) + td.dense().b()))
                .norm() <= 1e-14);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] {
        td.set_input_shape(hnn::Shape{4, 5});
      },
      "TimeDistributed(Dense(3 → 2)): takes a sequence of steps of 3 values");
  // A batch that is a block of rows is not stored whole: it is copied, same result.
  const Matrix<double> tall = embedding_random(24, 3, 7);
  const Matrix<double> Yb = td.forward(tall.topRows(12), hnn::Mode::infer);
  const Matrix<double> top = tall.topRows(12);
  CHECK(Yb == Matrix<double>(td.forward(top, hnn::Mode::infer)));
}

TEST_CASE("SequenceSoftmaxCrossEntropy is SoftmaxCrossEntropy over every step") {
  using namespace test_embedding;
  const Index T = 3, C = 4, n = 5;
  const Matrix<double> Z = embedding_random(T * C, n, 8, 2.0);
  const Matrix<double> Y = one_hot_steps(random_tokens(T, n, C, 9), C);
  hnn::SequenceSoftmaxCrossEntropy<double> seq(C);
  hnn::SoftmaxCrossEntropy<double> one;
  // The same numbers read as T n steps of C logits.
  const Matrix<double> Zs = Eigen::Map<const Matrix<double>>(Z.data(), C, T * n);
  const Matrix<double> Ys = Eigen::Map<const Matrix<double>>(Y.data(), C, T * n);
  CHECK(seq.value(Z, Y) == doctest::Approx(one.value(Zs, Ys)).epsilon(1e-14));
  Matrix<double> dZ(T * C, n), dZs(C, T * n);
  seq.gradient(Z, Y, dZ);
  one.gradient(Zs, Ys, dZs);
  CHECK((Eigen::Map<const Matrix<double>>(dZ.data(), C, T * n) - dZs).norm() <= 1e-15);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { hnn::SequenceSoftmaxCrossEntropy<double>(5).value(Z, Y); },
      "prediction has 12 rows, not a whole number of steps of 5 classes");
  CHECK_THROWS_AS(hnn::SequenceSoftmaxCrossEntropy<double>(0), hnn::ArgumentError);
}

TEST_CASE("a language model checked end to end: Embedding → LSTM → TimeDistributed") {
  using namespace test_embedding;
  const Index T = 5, V = 6, n = 3;
  hnn::Random rng(10);
  hnn::Sequential<double> model(hnn::Shape{T});
  model.add(hnn::Embedding<double>(V, 3, rng))
      .add(hnn::LSTM<double>(3, 4, rng))
      .add(hnn::TimeDistributed<double>(4, V, rng));
  CHECK(model.output_shape() == (hnn::Shape{T, V}));
  CHECK_FALSE(model.layer(0).input_gradient_wanted());  // the first layer
  const Matrix<double> X = random_tokens(T, n, V, 11);
  const Matrix<double> Y = one_hot_steps(random_tokens(T, n, V, 12), V);
  model.forward(X, hnn::Mode::train);
  for (auto& s : model.sequence_state())
    s.initial() = embedding_random(s.rows(), s.cols(), 13, 0.5);
  const auto report = hnn::check_model(model, X, Y, hnn::SequenceSoftmaxCrossEntropy<double>(V));
  INFO(report.summary());
  CHECK(report.passed());
  CHECK(report.tensors.size() == 1 + 4 + 2 + 2);  // E; LSTM's four; W, b; h0, c0
}

TEST_CASE("a sequence classifier of Embedding → GRU → Dense learns through fit") {
  using namespace test_embedding;
  // Is the first step's token larger than the last's? Needs memory across T.
  const Index T = 6, V = 5, n = 256;
  const Matrix<double> Xd = random_tokens(T, n, V, 14);
  hnn::Labels y(n);
  for (Index j = 0; j < n; ++j)
    y(j) = Xd(0, j) > Xd(T - 1, j) ? 1 : 0;
  const Matrix<float> X = Xd.cast<float>();
  hnn::Random rng(15);
  hnn::Sequential<float> model(hnn::Shape{T});
  hnn::RecurrentOptions last;
  last.output = hnn::SequenceOutput::last;
  model.add(hnn::Embedding<float>(V, 4, rng))
      .add(hnn::GRU<float>(4, 16, rng, last))
      .add(hnn::Dense<float>(16, 2, rng));
  hnn::Adam<float> adam(0.02f);
  hnn::SoftmaxCrossEntropy<float> loss;
  auto o = hnn_test::quiet(60, 32);
  model.fit(X, y, loss, adam, o);
  const auto e = model.evaluate(X, y, loss);
  CHECK(e.loss < 0.25f);
}
