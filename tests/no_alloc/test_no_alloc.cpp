// SPDX-License-Identifier: MIT
// A steady training loop allocates nothing: every layer, loss and optimizer,
// a custom layer with a buffer (tests/model/test_layers_with_state.hpp), and
// fit() itself — of flat and of shaped samples — run their steps with heap
// allocation forbidden; and fit() never asks the optimizer for its state.
//
// The guards are those of tests/no_alloc/no_alloc_guard.hpp.
// Shapes stay small and there is one thread: large products take Eigen's GEMM
// workspace from the heap, which is Eigen's doing, not hnn's.

#include "no_alloc/no_alloc_guard.hpp"  // first: it configures Eigen

#include <memory>
#include <vector>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "model/test_layers_with_state.hpp"
#include "test_support.hpp"

namespace {

using hnn::Index;
using hnn::Matrix;

using hnn_test::no_alloc::check_no_allocation;
using hnn_test::no_alloc::GuardBatches;
using hnn_test::no_alloc::NoHeap;

// A full batch then a partial one: buffers grow on the first, the second
// must be a view of them. Training forwards are handed a generator, as fit
// hands its own.
template <typename LayerT>
void check_layer(const std::string& name, LayerT& layer, const Matrix<float>& X8) {
  const Matrix<float> X5 = X8.leftCols(5);
  hnn::Random draws(3);
  const Index out = layer.input_shape().known() ? layer.output_shape().size()
                                                : layer.compute_output_shape(X8.rows()).size();
  const Matrix<float> G8 = Matrix<float>::Random(out, 8), G5 = Matrix<float>::Random(out, 5);
  layer.forward(X8, hnn::Mode::train, draws);
  layer.backward(G8);
  check_no_allocation(name + ": forward and backward, full and partial batch", [&] {
    for (int i = 0; i < 2; ++i) {
      layer.forward(X8, hnn::Mode::train, draws);
      layer.backward(G8);
      layer.forward(X5, hnn::Mode::train, draws);
      layer.backward(G5);
      layer.forward(X5, hnn::Mode::infer);
    }
  });
}

}  // namespace

TEST_CASE_TEMPLATE("no allocation: every layer of the catalogue in a steady loop", T,
                   HNN_CATALOGUE_LAYERS) {
  hnn::Random rng(1);
  auto layer = T::template make<float>(rng);
  layer->set_input_shape(T::input());
  const Matrix<float> X8 = T::sample(8, 2).template cast<float>();
  check_layer(T::type, *layer, X8);
  auto first = T::template make<float>(rng);  // the model's first layer computes no dX
  first->set_input_shape(T::input());
  first->set_input_gradient_wanted(false);
  check_layer(std::string(T::type) + " (first layer)", *first, X8);
}

TEST_CASE("no allocation: Dense's deferred dW, plain SGD's step from it, and reading it") {
  hnn::Random rng(3);
  hnn::Dense<float> layer(32, 24, rng);  // 8 (32 + 24) ≤ 32 · 24: backward defers dW
  auto params = layer.parameters();
  hnn::SGD<float> sgd(0.01);
  const Matrix<float> X8 = Matrix<float>::Random(32, 8), X5 = Matrix<float>::Random(32, 5);
  const Matrix<float> G8 = Matrix<float>::Random(24, 8), G5 = Matrix<float>::Random(24, 5);
  auto step = [&](const Matrix<float>& X, const Matrix<float>& G) {
    hnn::zero_grad(params);
    layer.forward(X, hnn::Mode::train);
    layer.backward(G);
    sgd.step(params);
  };
  step(X8, G8);  // the copies of dZ and X grow here
  check_no_allocation("Dense deferred dW with SGD, full and partial batch", [&] {
    for (int i = 0; i < 2; ++i) {
      step(X8, G8);
      step(X5, G5);
      volatile float g = params[0].grad()(0, 0);  // computes dW from the copies
      (void)g;
    }
  });
}

TEST_CASE_TEMPLATE("no allocation: every loss of the catalogue, value and gradient", T,
                   HNN_CATALOGUE_LOSSES) {
  const auto loss = T::template make<float>();
  const Matrix<float> P = T::prediction().template cast<float>();
  const auto target = hnn_test::catalogue::as<float>(T::target());
  Matrix<float> dP(P.rows(), P.cols());
  check_no_allocation(loss.name(), [&] {
    volatile float v = loss.value(P, target);
    (void)v;
    loss.gradient(P, target, dP);
    volatile float w = loss.value_and_gradient(P, target, dP);
    (void)w;
  });
}

TEST_CASE("no allocation: every optimizer step after the first") {
  std::vector<std::unique_ptr<hnn::Optimizer<float>>> all;
  all.push_back(std::make_unique<hnn::SGD<float>>(0.1));
  hnn::SGDOptions m;
  m.momentum = 0.9;
  m.nesterov = true;
  all.push_back(std::make_unique<hnn::SGD<float>>(m));
  all.push_back(std::make_unique<hnn::AdaGrad<float>>(0.1));
  hnn::RMSPropOptions r;
  r.centered = true;
  r.momentum = 0.5;
  all.push_back(std::make_unique<hnn::RMSProp<float>>(r));
  hnn::AdamOptions a;
  a.amsgrad = true;
  all.push_back(std::make_unique<hnn::Adam<float>>(a));
  all.push_back(std::make_unique<hnn::AdamW<float>>(1e-3));
  hnn::Random rng(2);
  hnn::Dense<float> layer(5, 3, rng);
  auto params = layer.parameters();
  for (auto& p : params)
    p.grad().setConstant(0.1f);
  for (auto& opt : all) {
    opt->step(params);
    check_no_allocation(opt->name() + ".step", [&] {
      opt->step(params);
      opt->step(params);
      hnn::clip_grad_norm(params, 0.05);
      hnn::clip_grad_value(params, 0.05);
    });
  }
}

TEST_CASE("no allocation: the steady loop of fit(), shuffled, with a partial last batch") {
  hnn::Random rng(3);
  hnn::Sequential<float> model(6);
  model.add(hnn::Dense<float>(6, 8, rng))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(8, 3, rng));
  const Matrix<float> X = Matrix<float>::Random(6, 30);  // batches of 8, 8, 8, 6
  hnn::Labels y(30);
  for (Index j = 0; j < 30; ++j)
    y(j) = int(j % 3);
  hnn::Adam<float> adam(1e-3);
  hnn::FitOptions<float> o;
  o.epochs = 3;
  o.batch_size = 8;
  o.verbosity = hnn::Verbosity::quiet;
  auto guard = std::make_shared<GuardBatches>();
  o.callbacks = {guard};
  std::string eigen_error;
  try {
    model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
  } catch (const EigenAssertion& e) {
    eigen_error = e.what();
    guard->guard.reset();
  }
  CHECK_MESSAGE(eigen_error.empty(), eigen_error);
  CHECK(guard->worst == 0);
}

TEST_CASE("no allocation: a layer with a buffer (its running mean) in a steady loop") {
  hnn_test::Centre<float> layer(6, 0.5);
  const Matrix<float> X8 = Matrix<float>::Random(6, 8);
  check_layer("Centre", layer, X8);
  hnn_test::Centre<float> first(6, 0.5);
  first.set_input_gradient_wanted(false);
  check_layer("Centre (first layer)", first, X8);
  // The loop did update the buffer (it is not a no-op that happens to be free).
  CHECK_FALSE(layer.running_mean().isZero(0));
}

namespace {
// Adam, counting the calls that read its state (state(), reset(), load_state()
// all go through state_tensors()).
struct CountingAdam : hnn::Adam<float> {
  using hnn::Adam<float>::Adam;
  int state_reads = 0;

 protected:
  StateTensors state_tensors() override {
    ++state_reads;
    return hnn::Adam<float>::state_tensors();
  }
};
}  // namespace

TEST_CASE(
    "no allocation: fit() of image-shaped samples (Flatten, a buffer, Dense), shuffled, with a "
    "partial last batch") {
  hnn::Random rng(5);
  hnn::Sequential<float> model(hnn::Shape{2, 3, 4});
  model.add(hnn::Flatten<float>())
      .add(hnn_test::Centre<float>(24, 0.5))
      .add(hnn::Dense<float>(24, 8, rng))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(8, 3, rng));
  const Matrix<float> X = Matrix<float>::Random(24, 30);  // batches of 8, 8, 8, 6
  hnn::Labels y(30);
  for (Index j = 0; j < 30; ++j)
    y(j) = int(j % 3);
  CountingAdam adam(1e-3);
  hnn::FitOptions<float> o;
  o.epochs = 3;
  o.batch_size = 8;
  o.verbosity = hnn::Verbosity::quiet;
  // From the second epoch: Dense(24 → 8) keeps dW as its factors at the
  // partial batch of 6 only (6 · (24 + 8) ≤ 24 · 8, perf/lazy_gradient.hpp),
  // and their copies grow the first time that happens, in epoch 1's last batch.
  auto guard = std::make_shared<GuardBatches>();
  guard->from_epoch = 1;
  o.callbacks = {guard};
  std::string eigen_error;
  try {
    model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
  } catch (const EigenAssertion& e) {
    eigen_error = e.what();
    guard->guard.reset();
  }
  CHECK_MESSAGE(eigen_error.empty(), eigen_error);
  CHECK(guard->worst == 0);
  CHECK(adam.steps() == 12);
  // The loop never read the optimizer's state (only a checkpoint does, below).
  CHECK(adam.state_reads == 0);
  (void)adam.state();
  CHECK(adam.state_reads == 1);
  hnn_test::TempDir dir;
  o.callbacks = {hnn::resumable_checkpoint<float>(dir.file("run.ckpt"))};
  model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
  CHECK(adam.state_reads == 1 + 3);  // once per epoch, after it
}

TEST_CASE("the guard itself works: an allocation is caught") {
  bool caught = false;
  {
    NoHeap guard;
    try {
      Matrix<float> m(100, 100);  // Eigen allocates
      m.setZero();
    } catch (const EigenAssertion&) {
      caught = true;
    }
  }
  CHECK(caught);
  long seen = 0;
  {
    NoHeap guard;
    std::string s(100, 'x');  // std::string allocates
    seen = guard.allocations();
  }
  CHECK(seen > 0);
}
