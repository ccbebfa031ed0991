// SPDX-License-Identifier: MIT
// hnn's convolutional layers pinned to PyTorch: tests/fixtures/torch/cnn.txt,
// written by scripts/make_torch_fixtures.py with PyTorch in float64, holds a
// small network on a batch of 3 images {2, 7, 6} with class labels,
//
//    0 Conv2D 2 → 3, 3×2, stride 2, padding 1, no bias
//                                                 {2, 7, 6} → {3, 4, 4}
//    1 BatchNorm(3)
//    2 ReLU
//    3 MaxPool2D 2×2, stride 1                    → {3, 3, 3}
//    4 Conv2D 3 → 4, 3×3, padding 1               → {4, 3, 3}
//    5 AvgPool2D 2×2, stride 2, padding 1         → {4, 2, 2}
//    6 Flatten                                    → {16}
//    7 LayerNorm(16)
//    8 Dense 16 → 5
//    9 Tanh
//   10 BatchNorm(5)
//   11 Dense 5 → 3, then softmax cross-entropy (mean)
//
// and what PyTorch computes from it in training mode: the logits, the loss,
// every parameter gradient and the input gradient; then, after 3 SGD steps
// on the same batch, the loss before each step, the parameters, the
// BatchNorm running statistics and the logits in inference mode. hnn builds
// the same model, loads the same initial parameters and must agree to 1e-9
// per tensor (‖a − r‖ / ‖r‖, tests/model/torch_fixture.hpp). The file is in
// hnn's orientation already: images channels fastest, the Conv2D weights
// (F × kh·kw·C), and the LayerNorm and Dense after Flatten indexed in hnn's
// flattened order (the script permutes PyTorch's tensors; cnn.txt's header
// gives the rules). Every parameter's gradient is away from 0 by
// construction (no bias right before a BatchNorm, which would take it away),
// so a relative error means something for each.
//
// HNN_TORCH_REPORT=1 in the environment prints the largest relative error
// of each case (=all: every tensor's).

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/layers/avg_pool2d.hpp"
#include "hnn/layers/batch_norm.hpp"
#include "hnn/layers/conv2d.hpp"
#include "hnn/layers/layer_norm.hpp"
#include "hnn/layers/max_pool2d.hpp"
#include "model/torch_fixture.hpp"

using hnn::Index;
using Mat = hnn::Matrix<double>;

using hnn_test::torch::Comparer;
using hnn_test::torch::Fixture;

// In a namespace of its own: the unity build compiles this file in one
// translation unit with tests/model/test_torch_reference.cpp.
namespace {
namespace cnn_reference {

constexpr double tolerance = 1e-9;
constexpr std::size_t parameter_count = 13;  // of 7 layers: W (and b), or gamma and beta
constexpr std::size_t buffer_count = 4;      // the running mean and variance of 2 BatchNorms

// The network of cnn.txt, with its initial parameters. The layer indices are
// nn.Sequential's, so hnn's names ("0.W", "1.gamma", …) are the fixture's.
hnn::Sequential<double> make_model(const Fixture& f) {
  hnn::Random rng(1);  // the draws are overwritten below
  hnn::Conv2DOptions first;
  first.stride = 2;
  first.padding = hnn::Padding(1);
  first.bias = false;
  hnn::Conv2DOptions second;
  second.padding = hnn::Padding(1);
  hnn::Sequential<double> model(hnn::Shape{2, 7, 6});
  model.add(hnn::Conv2D<double>(2, 3, hnn::Window(3, 2), rng, first))
      .add(hnn::BatchNorm<double>(3))
      .add(hnn::Activation<double, hnn::ReLU>())
      .add(hnn::MaxPool2D<double>(hnn::Window(2), 1))
      .add(hnn::Conv2D<double>(3, 4, hnn::Window(3), rng, second))
      .add(hnn::AvgPool2D<double>(hnn::Window(2), 2, hnn::Padding(1)))
      .add(hnn::Flatten<double>())
      .add(hnn::LayerNorm<double>(16))
      .add(hnn::Dense<double>(16, 5, rng))
      .add(hnn::Activation<double, hnn::Tanh>())
      .add(hnn::BatchNorm<double>(5))
      .add(hnn::Dense<double>(5, 3, rng));
  // The shapes PyTorch's layers give (cnn.txt's header).
  REQUIRE(model.layer(0).output_shape() == hnn::Shape{3, 4, 4});
  REQUIRE(model.layer(3).output_shape() == hnn::Shape{3, 3, 3});
  REQUIRE(model.layer(4).output_shape() == hnn::Shape{4, 3, 3});
  REQUIRE(model.layer(5).output_shape() == hnn::Shape{4, 2, 2});
  REQUIRE(model.output_shape() == hnn::Shape{3});

  auto params = model.parameters();
  REQUIRE(params.size() == parameter_count);
  for (auto& p : params) {
    const Mat& w = f.matrix(p.name());
    REQUIRE_MESSAGE((w.rows() == p.rows() && w.cols() == p.cols()),
                    f.source() << ": " << p.name() << " is " << hnn::shape_string(w)
                               << ", hnn's is " << hnn::shape_string(p.rows(), p.cols()));
    p.value() = w;  // writes into the layer
  }
  // PyTorch's running statistics start where hnn's do.
  const auto buffers = model.buffers();
  REQUIRE(buffers.size() == buffer_count);
  for (const auto& b : buffers) {
    const bool mean = b.name().find("running_mean") != std::string::npos;
    INFO(b.name());
    CHECK(b.value().isApprox(mean ? Mat::Zero(b.rows(), b.cols()) : Mat::Ones(b.rows(), b.cols())));
  }
  return model;
}

// The logits of X in training mode, and ∂L/∂logits in dY; returns the loss.
double forward_loss(hnn::Sequential<double>& model, const Mat& X, const hnn::Labels& y, Mat& logits,
                    Mat& dY) {
  const hnn::SoftmaxCrossEntropy<double> loss;
  logits = model.forward(X, hnn::Mode::train);
  dY.resize(logits.rows(), logits.cols());
  loss.gradient(logits, y, dY);  // ∂L/∂logits = (p − t) / n
  return loss.value(logits, y);
}

// SGD from cnn.txt's 'optimizer' and 'hparam' lines; every one must be used.
hnn::SGD<double> make_sgd(Fixture& f, int& steps) {
  REQUIRE_MESSAGE(f.optimizer() == "SGD", f.source() << ": made with " << f.optimizer());
  hnn::SGDOptions o;
  o.learning_rate = f.take_number("lr");
  o.momentum = f.take_number("momentum");
  o.dampening = f.take_number("dampening");
  o.weight_decay = f.take_number("weight_decay");
  o.nesterov = f.take_flag("nesterov");
  REQUIRE_MESSAGE(!f.take_flag("maximize"), f.source() << ": maximize=True is not supported");
  const double steps_read = f.take_number("steps");
  REQUIRE_MESSAGE((steps_read >= 1 && steps_read <= 1000 && steps_read == double(int(steps_read))),
                  f.source() << ": steps = " << steps_read);
  steps = int(steps_read);
  const auto unread = f.unread();
  for (const auto& name : unread)
    FAIL_CHECK(f.source() << ": hparam '" << name << "' is not used by the test");
  REQUIRE(unread.empty());
  return hnn::SGD<double>(o);
}

}  // namespace cnn_reference
}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("pinned to PyTorch, CNN: logits, loss and every parameter gradient") {
  const Fixture f = Fixture::load("cnn.txt");
  auto model = cnn_reference::make_model(f);
  Mat logits, dY;
  model.zero_grad();
  const double loss = cnn_reference::forward_loss(model, f.matrix("X"), f.labels("y"), logits, dY);
  model.backward(dY);

  Comparer compare("cnn.txt", cnn_reference::tolerance);
  compare.check("logits", logits, f.matrix("logits"));
  compare.check("loss", Mat::Constant(1, 1, loss), Mat::Constant(1, 1, f.scalar("loss")));
  for (auto& p : model.parameters())
    compare.check("gradient of " + p.name(), p.grad(), f.matrix("grad." + p.name()));
}

// Sequential tells its first layer that no input gradient is wanted, and
// backward returns none; here the first Conv2D is told to compute it, and
// the gradient is carried back layer by layer as Sequential::backward does.
TEST_CASE("pinned to PyTorch, CNN: the input gradient") {
  const Fixture f = Fixture::load("cnn.txt");
  auto model = cnn_reference::make_model(f);
  CHECK_FALSE(model.layer(0).input_gradient_wanted());
  model.layer(0).set_input_gradient_wanted(true);
  Mat logits, G;
  model.zero_grad();
  cnn_reference::forward_loss(model, f.matrix("X"), f.labels("y"), logits, G);
  for (std::size_t k = model.size(); k-- > 0;) {
    REQUIRE(model.layer(k).input_gradient_wanted());
    G = model.layer(k).backward(G);  // G_{k−1} = ∂L/∂A_{k−1}
  }

  Comparer compare("cnn.txt", cnn_reference::tolerance);
  compare.check("gradient of X", G, f.matrix("grad.X"));
  // The same parameter gradients as through Sequential::backward.
  for (auto& p : model.parameters())
    compare.check("gradient of " + p.name() + " (layer by layer)", p.grad(),
                  f.matrix("grad." + p.name()));
}

TEST_CASE("pinned to PyTorch, CNN: 3 SGD steps, running statistics, inference logits") {
  Fixture f = Fixture::load("cnn.txt");
  int steps = 0;
  hnn::SGD<double> sgd = cnn_reference::make_sgd(f, steps);
  auto model = cnn_reference::make_model(f);
  const Mat& X = f.matrix("X");
  const hnn::Labels& y = f.labels("y");
  Mat losses(1, steps), logits, dY;
  for (int s = 0; s < steps; ++s) {
    model.zero_grad();
    losses(0, s) = cnn_reference::forward_loss(model, X, y, logits, dY);
    model.backward(dY);
    sgd.step(model.parameters());
  }
  const Mat inference = model.forward(X, hnn::Mode::infer);

  Comparer compare("cnn.txt", cnn_reference::tolerance);
  const std::string after = " after " + std::to_string(steps) + " steps";
  compare.check("loss_per_step", losses, f.matrix("loss_per_step"));
  for (auto& p : model.parameters())
    compare.check(p.name() + after, p.value(), f.matrix("trained." + p.name()));
  const auto buffers = model.buffers();
  REQUIRE(buffers.size() == cnn_reference::buffer_count);
  for (const auto& b : buffers)
    compare.check(b.name() + after, b.value(), f.matrix("trained." + b.name()));
  compare.check("inference logits" + after, inference, f.matrix("trained.logits"));
}
