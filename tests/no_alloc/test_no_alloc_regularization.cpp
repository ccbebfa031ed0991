// SPDX-License-Identifier: MIT
// A steady training loop allocates nothing with regularization on:
// Dropout's forward and backward (training with a generator, inference, a
// partial batch, as a first layer), and fit() with penalties on the weights,
// a Dropout layer and drop_last, shuffled and in order.
//
// Part of hnn_no_alloc_tests with tests/no_alloc/test_no_alloc.cpp; the
// guards are those of tests/no_alloc/no_alloc_guard.hpp.

#include "no_alloc/no_alloc_guard.hpp"  // first: it configures Eigen

#include <algorithm>
#include <memory>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/layers/dropout.hpp"
#include "test_support.hpp"

namespace {

using hnn::Index;
using hnn::Matrix;

using hnn_test::no_alloc::check_no_allocation;
using hnn_test::no_alloc::GuardBatches;

}  // namespace

TEST_CASE("no allocation: Dropout in a steady loop, full and partial batches, as a first layer") {
  for (const bool first : {false, true}) {
    hnn::Dropout<float> layer(0.4);
    layer.set_input_shape(hnn::Shape{2, 3});
    layer.set_input_gradient_wanted(!first);
    const Matrix<float> X8 = Matrix<float>::Random(6, 8), X5 = X8.leftCols(5);
    const Matrix<float> G8 = Matrix<float>::Random(6, 8), G5 = G8.leftCols(5);
    hnn::Random draws(3);
    layer.forward(X8, hnn::Mode::train, draws);
    layer.backward(G8);
    check_no_allocation(first ? "Dropout (first layer)" : "Dropout", [&] {
      for (int i = 0; i < 2; ++i) {
        layer.forward(X8, hnn::Mode::train, draws);
        layer.backward(G8);
        layer.forward(X5, hnn::Mode::train, draws);
        layer.backward(G5);
        layer.forward(X5, hnn::Mode::infer);
        layer.backward(G5);
      }
    });
  }
}

TEST_CASE("no allocation: fit() with penalties, dropout and drop_last") {
  for (const bool shuffle : {false, true}) {
    CAPTURE(shuffle);
    hnn::Random rng(3);
    hnn::Sequential<float> model(6);
    model.add(hnn::Dense<float>(6, 8, rng), hnn::Penalty{1e-3, 1e-4})
        .add(hnn::Activation<float, hnn::ReLU>())
        .add(hnn::Dropout<float>(0.3))
        .add(hnn::Dense<float>(8, 3, rng), hnn::Penalty::L2(1e-3));
    const Matrix<float> X = Matrix<float>::Random(6, 30);  // batches of 8, 8, 8; 6 left out
    hnn::Labels y(30);
    for (Index j = 0; j < 30; ++j)
      y(j) = int(j % 3);
    hnn::Adam<float> adam(1e-3);
    hnn::FitOptions<float> o;
    o.epochs = 3;
    o.batch_size = 8;
    o.shuffle = shuffle;
    o.drop_last = true;
    o.verbosity = hnn::Verbosity::quiet;
    auto guard = std::make_shared<GuardBatches>();
    o.callbacks = {guard};
    std::string eigen_error;
    try {
      const auto h = model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
      CHECK(h.has("penalty"));
    } catch (const EigenAssertion& e) {
      eigen_error = e.what();
      guard->guard.reset();
    }
    CHECK_MESSAGE(eigen_error.empty(), eigen_error);
    CHECK(guard->worst == 0);
    CHECK(adam.steps() == 9);  // 3 full batches per epoch
  }
}
