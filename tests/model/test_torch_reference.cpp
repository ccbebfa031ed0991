// SPDX-License-Identifier: MIT
// hnn pinned to PyTorch: the fixtures in tests/fixtures/torch/, written by
// scripts/make_torch_fixtures.py with PyTorch in float64, hold an MLP
// 4-8-ReLU-6-Tanh-3, a batch of 5 samples with class labels, and what
// PyTorch computes from them: the logits, CrossEntropyLoss, every parameter
// gradient, and the parameters after 5 steps of each optimizer config. hnn
// builds the same model, loads the same initial parameters and must agree.
//
// The measure, per tensor: ‖a − r‖ / max(‖r‖, 1e-300), Frobenius norms, with
// a from hnn and r from PyTorch; it must be ≤ 1e-8. (A loss is a 1 × 1
// tensor, so that is |a − r| / |r|.) Hyper-parameters come from the fixture
// files, never from this file; a hyper-parameter the test does not know, or
// a file that is missing or malformed, fails the test with a message naming
// the file and line.
//
// HNN_TORCH_REPORT=1 in the environment prints the largest relative error
// of each case (=all: every tensor's). The reader and the comparison are in
// tests/model/torch_fixture.hpp.

#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "model/torch_fixture.hpp"

using hnn::Index;
using Mat = hnn::Matrix<double>;

using hnn_test::torch::Comparer;
using hnn_test::torch::Fixture;
using hnn_test::torch::FixtureError;

namespace {

constexpr double tolerance = 1e-8;

// ---------------------------------------------------------------------------
// The model and one training step.

// Dense 4→8, ReLU, Dense 8→6, Tanh, Dense 6→3: the indices of nn.Sequential,
// so hnn's parameter names ("0.W", "0.b", "2.W", …) are the fixtures'.
hnn::Sequential<double> make_model(const Fixture& mlp) {
  hnn::Random rng(1);  // the draws are overwritten below
  hnn::Sequential<double> model(4);
  model.add(hnn::Dense<double>(4, 8, rng))
      .add(hnn::Activation<double, hnn::ReLU>())
      .add(hnn::Dense<double>(8, 6, rng))
      .add(hnn::Activation<double, hnn::Tanh>())
      .add(hnn::Dense<double>(6, 3, rng));
  auto params = model.parameters();
  REQUIRE(params.size() == 6);
  for (auto& p : params) {
    const Mat& w = mlp.matrix(p.name());
    REQUIRE_MESSAGE((w.rows() == p.rows() && w.cols() == p.cols()),
                    mlp.source() << ": " << p.name() << " is " << hnn::shape_string(w)
                                 << ", hnn's is " << hnn::shape_string(p.rows(), p.cols()));
    p.value() = w;  // writes into the layer
  }
  return model;
}

// zero_grad, forward, loss, backward; returns the loss and leaves the logits
// in `logits`.
double forward_backward(hnn::Sequential<double>& model, const Mat& X, const hnn::Labels& y,
                        Mat& logits) {
  const hnn::SoftmaxCrossEntropy<double> loss;
  model.zero_grad();
  logits = model.forward(X, hnn::Mode::train);
  const double value = loss.value(logits, y);
  Mat dY(logits.rows(), logits.cols());
  loss.gradient(logits, y, dY);  // ∂L/∂logits = (p − t) / n
  model.backward(dY);
  return value;
}

// ---------------------------------------------------------------------------
// An optimizer from a fixture's 'optimizer' and 'hparam' lines (PyTorch's
// names: RMSprop, Adagrad, initial_accumulator_value, …).

std::unique_ptr<hnn::Optimizer<double>> make_optimizer(Fixture& f) {
  const std::string& kind = f.optimizer();
  std::unique_ptr<hnn::Optimizer<double>> opt;
  if (kind == "SGD") {
    hnn::SGDOptions o;
    o.learning_rate = f.take_number("lr");
    o.momentum = f.take_number("momentum");
    o.dampening = f.take_number("dampening");
    o.weight_decay = f.take_number("weight_decay");
    o.nesterov = f.take_flag("nesterov");
    opt = std::make_unique<hnn::SGD<double>>(o);
  } else if (kind == "RMSprop") {
    hnn::RMSPropOptions o;
    o.learning_rate = f.take_number("lr");
    o.alpha = f.take_number("alpha");
    o.eps = f.take_number("eps");
    o.weight_decay = f.take_number("weight_decay");
    o.momentum = f.take_number("momentum");
    o.centered = f.take_flag("centered");
    opt = std::make_unique<hnn::RMSProp<double>>(o);
  } else if (kind == "Adam" || kind == "AdamW") {
    hnn::AdamOptions o;
    o.learning_rate = f.take_number("lr");
    o.beta1 = f.take_number("beta1");
    o.beta2 = f.take_number("beta2");
    o.eps = f.take_number("eps");
    o.weight_decay = f.take_number("weight_decay");
    o.amsgrad = f.take_flag("amsgrad");
    if (kind == "Adam") {
      opt = std::make_unique<hnn::Adam<double>>(o);
    } else {
      opt = std::make_unique<hnn::AdamW<double>>(o);
    }
  } else if (kind == "Adagrad") {
    hnn::AdaGradOptions o;
    o.learning_rate = f.take_number("lr");
    o.lr_decay = f.take_number("lr_decay");
    o.weight_decay = f.take_number("weight_decay");
    o.initial_accumulator = f.take_number("initial_accumulator_value");
    o.eps = f.take_number("eps");
    opt = std::make_unique<hnn::AdaGrad<double>>(o);
  } else {
    FAIL(f.source() << ": optimizer '" << kind << "' has no hnn counterpart in this test");
  }
  // hnn minimises; PyTorch's maximize=True would ascend.
  REQUIRE_MESSAGE(!f.take_flag("maximize"), f.source() << ": maximize=True is not supported");
  return opt;
}

// Runs the fixture's optimizer for its number of steps from mlp.txt's
// parameters and compares the loss before each step and the parameters after
// the last one.
void check_optimizer(const std::string& file, const std::string& expected_optimizer) {
  const Fixture mlp = Fixture::load("mlp.txt");
  Fixture f = Fixture::load(file);
  REQUIRE_MESSAGE(f.optimizer() == expected_optimizer, f.source()
                                                           << ": made with " << f.optimizer()
                                                           << ", expected " << expected_optimizer);
  auto optimizer = make_optimizer(f);
  const double steps_read = f.take_number("steps");
  REQUIRE_MESSAGE((steps_read >= 1 && steps_read <= 1000 && steps_read == double(int(steps_read))),
                  f.source() << ": steps = " << steps_read);
  const int steps = int(steps_read);
  const auto unread = f.unread();
  for (const auto& name : unread)
    FAIL_CHECK(f.source() << ": hparam '" << name << "' is not used by the test");
  REQUIRE(unread.empty());

  auto model = make_model(mlp);
  const Mat& X = mlp.matrix("X");
  const hnn::Labels& y = mlp.labels("y");
  Mat losses(1, steps), logits;
  for (int s = 0; s < steps; ++s) {
    losses(0, s) = forward_backward(model, X, y, logits);
    optimizer->step(model.parameters());
  }

  Comparer compare(file, tolerance);
  compare.check("loss_per_step", losses, f.matrix("loss_per_step"));
  for (auto& p : model.parameters())
    compare.check(p.name() + " after " + std::to_string(steps) + " steps", p.value(),
                  f.matrix(p.name()));
}

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("pinned to PyTorch: logits, loss and every parameter gradient") {
  const Fixture mlp = Fixture::load("mlp.txt");
  auto model = make_model(mlp);
  Mat logits;
  const double loss = forward_backward(model, mlp.matrix("X"), mlp.labels("y"), logits);

  Comparer compare("mlp.txt", tolerance);
  compare.check("logits", logits, mlp.matrix("logits"));
  compare.check("loss", Mat::Constant(1, 1, loss), Mat::Constant(1, 1, mlp.scalar("loss")));
  for (auto& p : model.parameters())
    compare.check("gradient of " + p.name(), p.grad(), mlp.matrix("grad." + p.name()));
}

TEST_CASE("pinned to PyTorch: SGD (momentum)") {
  check_optimizer("sgd_momentum.txt", "SGD");
}

TEST_CASE("pinned to PyTorch: SGD (Nesterov, weight decay)") {
  check_optimizer("sgd_nesterov_weight_decay.txt", "SGD");
}

TEST_CASE("pinned to PyTorch: RMSProp") {
  check_optimizer("rmsprop.txt", "RMSprop");
}

TEST_CASE("pinned to PyTorch: RMSProp (momentum, centered)") {
  check_optimizer("rmsprop_momentum_centered.txt", "RMSprop");
}

TEST_CASE("pinned to PyTorch: Adam") {
  check_optimizer("adam.txt", "Adam");
}

TEST_CASE("pinned to PyTorch: Adam (amsgrad, weight decay)") {
  check_optimizer("adam_amsgrad_weight_decay.txt", "Adam");
}

TEST_CASE("pinned to PyTorch: AdamW") {
  check_optimizer("adamw.txt", "AdamW");
}

TEST_CASE("pinned to PyTorch: AdaGrad") {
  check_optimizer("adagrad.txt", "Adagrad");
}

// The reader must refuse what it cannot read, with the file and line, or a
// broken fixture could pass (nothing compared) or crash.
TEST_CASE("pinned to PyTorch: the fixture reader rejects missing and malformed files") {
  const auto rejects = [](const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    bool thrown = false;
    try {
      Fixture f(in, "bad.txt");
      f.matrix("m");  // a fixture that lacks what a test asks for fails too
    } catch (const FixtureError& e) {
      thrown = true;
      const std::string what = e.what();
      INFO("text: " << text << "\nmessage: " << what);
      CHECK(what.find(needle) != std::string::npos);
    }
    CHECK_MESSAGE(thrown, "accepted: " << text);
  };
  rejects("", "bad.txt: is empty");
  rejects("# only a comment\n", "has no matrix 'm'");
  rejects("matrix m 2 2\n1 2\n", "bad.txt:2: matrix 'm' ends after 1 of 2 rows");
  rejects("matrix m 2 2\n1 2\n3\n", "bad.txt:3: matrix 'm': a row of 1 values, expected 2");
  rejects("matrix m 1 2\n1 x\n", "'x' is not a number");
  rejects("matrix m 1 2\n1 1.5e\n", "'1.5e' is not a number");
  rejects("matrix m 1 1\nnan\n", "'nan' is not a number");
  rejects("matrix m 0 2\n", "'0' is not a size");
  rejects("matrix m 2\n", "expected 'matrix NAME ROWS COLS'");
  rejects("matrix m 1 1\n1\nmatrix m 1 1\n2\n", "bad.txt:3: 'm' appears twice");
  rejects("labels y 3\n0 1\n", "labels 'y': 2 values, expected 3");
  rejects("labels y 2\n0 1.5\n", "'1.5' is not a class index");
  rejects("scalar loss\n", "expected 'scalar NAME VALUE'");
  rejects("tensor m 1 1\n1\n", "bad.txt:1: unknown item 'tensor'");

  std::istringstream in("hparam lr fast\nhparam nesterov yes\n");
  Fixture f(in, "bad.txt");
  CHECK_THROWS_WITH_AS(f.take_number("lr"), "bad.txt: hparam 'lr' is not a number: 'fast'",
                       FixtureError);
  CHECK_THROWS_WITH_AS(f.take_flag("nesterov"),
                       "bad.txt: hparam 'nesterov' is not true or false: 'yes'", FixtureError);
  CHECK_THROWS_WITH_AS(f.take_number("momentum"), "bad.txt: has no hparam 'momentum'",
                       FixtureError);

  CHECK_THROWS_AS(Fixture::load("no_such_fixture.txt"), FixtureError);
  try {
    Fixture::load("no_such_fixture.txt");
  } catch (const FixtureError& e) {
    CHECK(std::string(e.what()).find("no_such_fixture.txt: cannot open the fixture") !=
          std::string::npos);
  }
}
