// SPDX-License-Identifier: MIT
// The code of docs/migrating-to-0.2.md, as it reads with hnn 0.2: a custom
// layer with a setting, a custom optimizer, a function that reads gradients,
// and models saved by 0.1 and by 0.2.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

namespace {

// Scale: every value of a sample times a fixed factor α (a setting, not a
// parameter: nothing is trained).
//
//   Y = α X                   X, Y (values × n), a sample of any shape
//   dX = α dY
template <typename Scalar>
class Scale : public hnn::Layer<Scalar> {
 public:
  using typename hnn::Layer<Scalar>::Mat;
  using typename hnn::Layer<Scalar>::In;

  explicit Scale(double alpha) : alpha_(alpha) {}

  std::string type_name() const override { return "Scale"; }

  // Element by element: a sample of any shape in, the same shape out.
  hnn::Shape compute_output_shape(const hnn::Shape& input) const override { return input; }

  // What a model file stores to rebuild the layer: a number (or a word).
  hnn::Settings settings() const override { return {{"alpha", alpha_}}; }

  std::unique_ptr<hnn::Layer<Scalar>> clone() const override {
    return std::make_unique<Scale>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode /*mode*/) override {
    auto Y = hnn::batch_view(Y_, X.rows(), X.cols());
    Y = Scalar(alpha_) * X;  // Y = α X
    return Y;
  }

  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX = hnn::batch_view(dX_, dY.rows(), dY.cols());
    dX = Scalar(alpha_) * dY;  // dX = α dY
    return dX;
  }

 private:
  double alpha_;
  Mat Y_;   // output buffer (values × largest n)
  Mat dX_;  // input-gradient buffer (values × largest n)
};

// The registry that rebuilds Scale from a model file, besides hnn's own layers.
template <typename Scalar>
hnn::LayerRegistry<Scalar> registry_with_scale() {
  auto registry = hnn::LayerRegistry<Scalar>::builtin();
  registry.add("Scale", [](const hnn::Settings& s) {
    return std::make_unique<Scale<Scalar>>(hnn::setting(s, "alpha"));  // a number
  });
  return registry;
}

// Heavy-ball momentum, with the velocity v of each parameter as its state:
//
//   v ← μ v + ∇w                v starts at 0
//   w ← w − η v
template <typename Scalar>
class HeavyBall : public hnn::Optimizer<Scalar> {
 public:
  HeavyBall(double learning_rate, double momentum)
      : hnn::Optimizer<Scalar>(learning_rate), mu_(momentum) {
    this->check_half_open("HeavyBall", "momentum", momentum, 0.0, 1.0);
  }
  std::string name() const override { return "HeavyBall"; }

 protected:
  void update(hnn::Parameter<Scalar>& p, std::size_t k) override {
    const Scalar lr = Scalar(this->learning_rate()), mu = Scalar(mu_);
    this->apply(
        p,
        [=](auto w, auto g, auto v) {
          v = mu * v + g;  // v ← μ v + ∇w
          w -= lr * v;     // w ← w − η v
        },
        this->state(velocity_, p, k));
  }

  // The per-parameter state, by kind: what reset() clears and a checkpoint saves.
  typename hnn::Optimizer<Scalar>::StateTensors state_tensors() override {
    return {{"velocity", &velocity_}};
  }

 private:
  double mu_;
  std::vector<hnn::Matrix<Scalar>> velocity_;  // v per parameter
};

// The largest |∂L/∂w| of all parameters. The list is not const: grad() may
// bring a gradient's numbers up to date before it returns them.
template <typename Scalar>
double largest_gradient(std::vector<hnn::Parameter<Scalar>>& params) {
  double largest = 0;
  for (auto& p : params)
    largest = std::max(largest, double(p.grad().cwiseAbs().maxCoeff()));
  return largest;
}

// A small model with a Scale layer in it.
hnn::Sequential<float> scaled_model(std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<float> model(3);
  model.add(hnn::Dense<float>(3, 4, rng))
      .add(Scale<float>(0.5))
      .add(hnn::Activation<float, hnn::Tanh>())
      .add(hnn::Dense<float>(4, 2, rng));
  return model;
}

struct Batch {
  hnn::Matrix<float> X{3, 8};
  hnn::Labels y{8};
  Batch() {
    hnn::Random rng(9);
    rng.fill_normal(X, 0.0, 1.0);
    for (hnn::Index j = 0; j < y.size(); ++j)
      y(j) = int(j % 2);
  }
};

// One training step of `model` with `optimizer` on `batch`.
void step(hnn::Sequential<float>& model, hnn::Optimizer<float>& optimizer, const Batch& batch) {
  hnn::SoftmaxCrossEntropy<float> loss;
  model.zero_grad();
  const hnn::ConstRef<float> P = model.forward(batch.X, hnn::Mode::train);
  hnn::Matrix<float> dP(P.rows(), P.cols());
  loss.value_and_gradient(P, batch.y, dP);
  model.backward(dP);
  optimizer.step(model.parameters());
}

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

}  // namespace

TEST_CASE("docs: migration — a custom layer with a setting, saved and loaded") {
  auto model = scaled_model(1);
  CHECK(model.layer(1).describe() == "Scale(alpha=0.5)");

  const std::string path = temp_file("hnn_docs_migration_scale.hnn");
  hnn::save_model(model, path);
  auto loaded = hnn::load_model<float>(path, registry_with_scale<float>());
  const Batch batch;
  CHECK(loaded.predict(batch.X) == model.predict(batch.X));
  std::filesystem::remove(path);

  // The gradient checker takes it as any layer.
  Scale<double> scale(0.5);
  hnn::Matrix<double> X(3, 4);
  hnn::Random rng(2);
  rng.fill_normal(X, 0.0, 1.0);
  const hnn::GradientReport report = hnn::check_layer(scale, X);
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("docs: migration — a custom optimizer is one formula handed to apply") {
  const Batch batch;
  auto with_heavy_ball = scaled_model(3), with_sgd = scaled_model(3);
  HeavyBall<float> heavy_ball(0.1, 0.9);
  hnn::SGDOptions o;
  o.learning_rate = 0.1;
  o.momentum = 0.9;  // PyTorch's momentum without dampening is heavy-ball momentum
  hnn::SGD<float> sgd(o);
  for (int k = 0; k < 5; ++k) {
    step(with_heavy_ball, heavy_ball, batch);
    step(with_sgd, sgd, batch);
  }
  const auto a = with_heavy_ball.parameters(), b = with_sgd.parameters();
  for (std::size_t k = 0; k < a.size(); ++k)
    CHECK(a[k].value().isApprox(b[k].value(), 1e-6f));

  // Its state, by kind, is what a checkpoint saves.
  const hnn::OptimizerState<float> state = heavy_ball.state();
  REQUIRE(state.tensors.size() == 1);
  CHECK(state.tensors[0].first == "velocity");
  CHECK(state.tensors[0].second.size() == a.size());  // one per parameter

  // The readable path runs the formula on whole tensors: the same numbers.
  auto readable = scaled_model(3);
  HeavyBall<float> heavy_ball_readable(0.1, 0.9);
  heavy_ball_readable.set_update_path(hnn::UpdatePath::readable);
  for (int k = 0; k < 5; ++k)
    step(readable, heavy_ball_readable, batch);
  const auto c = readable.parameters();
  for (std::size_t k = 0; k < a.size(); ++k)
    CHECK(c[k].value() == a[k].value());
}

TEST_CASE("docs: migration — reading gradients without const") {
  auto model = scaled_model(4);
  const Batch batch;
  hnn::SoftmaxCrossEntropy<float> loss;
  model.zero_grad();
  const hnn::ConstRef<float> P = model.forward(batch.X, hnn::Mode::train);
  hnn::Matrix<float> dP(P.rows(), P.cols());
  loss.value_and_gradient(P, batch.y, dP);
  model.backward(dP);

  auto params = model.parameters();  // a named list: a temporary does not bind to `&`
  CHECK(largest_gradient(params) > 0);
}

TEST_CASE("docs: migration — a model saved by hnn 0.1 loads, and is saved again as version 2") {
  const std::string v1 = hnn_test::source_dir() + "/tests/fixtures/model_v1/model_v1_float.hnn";
  auto model = hnn::load_model<float>(v1);  // a version-1 file, written by hnn 0.1
  CHECK(model.input_shape() == hnn::Shape{3});
  CHECK(model.size() == 8);

  const std::string v2 = temp_file("hnn_docs_migration_v2.hnn");
  hnn::save_model(model, v2);  // always the current format, version 2
  std::ifstream in(v2, std::ios::binary);
  char header[12] = {};
  in.read(header, sizeof header);
  CHECK(std::string(header, 8) == "HNNMODEL");
  CHECK(int(header[8]) == 2);  // the version, a little-endian u32 after the magic
  in.close();
  std::filesystem::remove(v2);
}

TEST_CASE("docs: migration — load_weights checks the input shape too") {
  hnn::Random rng(5);
  hnn::Sequential<float> images(hnn::Shape{1, 2, 2});
  images.add(hnn::Flatten<float>()).add(hnn::Dense<float>(4, 2, rng));
  const std::string path = temp_file("hnn_docs_migration_images.hnn");
  hnn::save_model(images, path);

  // The same layers and tensors, on samples of another shape with as many values.
  hnn::Sequential<float> grids(hnn::Shape{2, 2});
  grids.add(hnn::Flatten<float>()).add(hnn::Dense<float>(4, 2, rng));
  std::string message;
  try {
    hnn::load_weights(grids, path);
  } catch (const hnn::FileError& e) {
    message = e.what();
  }
  CHECK(message == path +
                       ": architecture mismatch: the file has 2 layers on inputs of 1×2×2, "
                       "the model 2 layers on inputs of 2×2");
  std::filesystem::remove(path);
}
