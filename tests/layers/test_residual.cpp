// SPDX-License-Identifier: MIT
// Residual (layers/residual.hpp): the forward against hand-computed numbers,
// gradient checks of identity and projection blocks over vectors and images
// (a deliberately wrong inner layer caught through the block), dropout
// inside a block, whole models with two blocks, the input gradient a first
// layer skips, the model-file round trip (custom inner layers through the
// registry), clone independence, a steady loop without allocation, and every
// bad input.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "catalogue.hpp"
#include "catalogue/residual.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/residual.hpp"
#include "model/test_layers_with_state.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;
using hnn::Shape;

namespace {

using Block = hnn::Residual<double>;

const hnn::Init w05 = hnn::Init::normal(0, 0.5);

hnn::Conv2DOptions conv_options(Index stride = 1) {
  hnn::Conv2DOptions o;
  o.stride = stride;
  o.padding = hnn::Padding::same();
  o.bias = false;
  o.weights = w05;
  return o;
}

// Conv2D same → BatchNorm → ReLU → Conv2D same (stride `stride`), C → F channels.
Block image_block(hnn::Random& rng, Index C, Index F, Index stride, const Shape& input) {
  Block b(input);
  b.add(hnn::Conv2D<double>(C, F, hnn::Window(3), rng, conv_options()))
      .add(hnn::BatchNorm<double>(F))
      .add(hnn::Activation<double, hnn::ReLU>())
      .add(hnn::Conv2D<double>(F, F, hnn::Window(3), rng, conv_options(stride)));
  return b;
}

void check_passes(hnn::Layer<double>& layer, const Matrix<double>& X, std::size_t tensors) {
  const auto report = hnn::check_layer(layer, X);
  INFO(report.summary());
  CHECK(report.passed());
  CHECK(report.tensors.size() == tensors);
}

// y = 2x with dX = dY: a deliberately wrong inner layer.
class WrongDouble : public hnn::Layer<double> {
 public:
  std::string type_name() const override { return "WrongDouble"; }
  Shape compute_output_shape(const Shape& in) const override { return in; }
  std::unique_ptr<hnn::Layer<double>> clone() const override {
    return std::make_unique<WrongDouble>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode) override {
    Y_ = 2 * X;  // Y = 2 X
    return Y_;
  }
  In backward_impl(In dY) override { return dY; }  // dX = dY: wrong, 2 dY is right

 private:
  Mat Y_;
};

}  // namespace

TEST_CASE("Residual forward: y = x + f(x) and y = P x + f(x), by hand") {
  hnn::Random rng(1);
  const Matrix<double> X = hnn_test::catalogue::normal(4, 3, 2);

  hnn::Dense<double> d1(4, 5, rng, w05, w05), d2(5, 4, rng, w05, w05);
  Block block(Shape{4});
  block.add(d1).add(hnn::Activation<double, hnn::Tanh>()).add(d2);
  Matrix<double> H = d1.W() * X;
  H.colwise() += d1.b().col(0);
  H = H.array().tanh().matrix();
  Matrix<double> expected = d2.W() * H;
  expected.colwise() += d2.b().col(0);
  expected += X;  // y = x + f(x)
  CHECK(Matrix<double>(block.forward(X, hnn::Mode::infer)).isApprox(expected, 1e-14));
  CHECK(block.output_shape() == Shape{4});
  CHECK(block.describe() == "Residual(Dense(4 → 5) → Tanh → Dense(5 → 4))");

  hnn::Dense<double> d3(4, 6, rng, w05, w05);
  Block projected(Shape{4});
  projected.add(d3).project(rng, 1, w05);
  REQUIRE(projected.P().rows() == 6);
  REQUIRE(projected.P().cols() == 4);
  Matrix<double> F = d3.W() * X;
  F.colwise() += d3.b().col(0);
  const Matrix<double> expected_p = projected.P() * X + F;  // y = P x + f(x)
  CHECK(Matrix<double>(projected.forward(X, hnn::Mode::infer)).isApprox(expected_p, 1e-14));
  CHECK(projected.output_shape() == Shape{6});
  CHECK(projected.describe() == "Residual(Dense(4 → 6), projection 4 → 6)");
}

TEST_CASE("Residual forward on images: a 1×1 projection with stride 2, by nested loops") {
  hnn::Random rng(2);
  const Index C = 2, H = 5, W = 6, F = 3, Ho = 3, Wo = 3, n = 2;
  Block block = image_block(rng, C, F, 2, Shape{C, H, W});
  block.project(rng, 2, w05);
  CHECK(block.output_shape() == Shape{F, Ho, Wo});
  CHECK(block.describe() ==
        "Residual(Conv2D(2 → 3, 3×3, padding same, no bias) → BatchNorm(channels=3, "
        "momentum=0.1, epsilon=1e-05) → ReLU → Conv2D(3 → 3, 3×3, stride 2, padding same, no "
        "bias), projection 2 → 3, stride 2)");
  const Matrix<double> X = hnn_test::catalogue::normal(C * H * W, n, 3);
  const Matrix<double> Y = block.forward(X, hnn::Mode::infer);
  // f alone: the same inner layers, on their own.
  Matrix<double> A = X;
  for (std::size_t k = 0; k < block.size(); ++k)
    A = block.layer(k).forward(A, hnn::Mode::infer);
  const Matrix<double>& P = block.P();
  Matrix<double> expected(F * Ho * Wo, n);
  for (Index j = 0; j < n; ++j)
    for (Index h = 0; h < Ho; ++h)
      for (Index w = 0; w < Wo; ++w)
        for (Index f = 0; f < F; ++f) {
          double skip = 0;  // (P x̃)(f, h, w) = Σ_c P(f, c) x(c, 2h, 2w)
          for (Index c = 0; c < C; ++c)
            skip += P(f, c) * X(((2 * h) * W + 2 * w) * C + c, j);
          const Index at = (h * Wo + w) * F + f;
          expected(at, j) = skip + A(at, j);
        }
  CHECK(Y.isApprox(expected, 1e-13));
}

TEST_CASE("Residual settings: the block's, then each inner layer's under its index") {
  hnn::Random rng(3);
  Block block(Shape{4});
  block.add(hnn::Dense<double>(4, 4, rng)).add(hnn::Activation<double, hnn::Tanh>());
  const hnn::Settings expected = {{"layers", 2.0}, {"input0", 4.0}, {"projection", 0.0},
                                  {"0", "Dense"},  {"0.in", 4.0},   {"0.out", 4.0},
                                  {"1", "Tanh"}};
  CHECK(block.settings() == expected);
  const auto parsed = Block::parse_settings(expected);
  REQUIRE(parsed.layers.size() == 2);
  CHECK(parsed.layers[0].type == "Dense");
  CHECK(parsed.layers[0].settings == hnn::Settings{{"in", 4.0}, {"out", 4.0}});
  CHECK(parsed.layers[1].type == "Tanh");
  CHECK(parsed.layers[1].settings.empty());
  CHECK(parsed.own == hnn::Settings{{"layers", 2.0}, {"input0", 4.0}, {"projection", 0.0}});

  Block images = image_block(rng, 2, 3, 2, Shape{2, 5, 6});
  images.project(rng, 2);
  const auto s = images.settings();
  CHECK(hnn::setting(s, "projection") == 3);
  CHECK(hnn::setting(s, "stride") == 2);
  CHECK(hnn::setting_word(s, "3") == "Conv2D");
  CHECK(hnn::setting(s, "3.stride") == 2);
  CHECK(hnn::setting_word(s, "0.padding") == "same");
}

TEST_CASE("gradient check: Residual, identity skip over vectors (Dense → Tanh → Dense)") {
  hnn::Random rng(4);
  auto block = hnn_test::catalogue::ResidualEntry::make<double>(rng);
  check_passes(*block, hnn_test::catalogue::normal(4, 6, 5), 1 + 4);  // input, 0.W 0.b 2.W 2.b
}

TEST_CASE("gradient check: Residual with a projection over vectors (Dense 4 → 6)") {
  hnn::Random rng(5);
  auto block = hnn_test::catalogue::ResidualProjectionEntry::make<double>(rng);
  auto params = block->parameters();
  REQUIRE(params.size() == 3);
  CHECK(params[2].name() == "proj.W");
  check_passes(*block, hnn_test::catalogue::normal(4, 6, 6), 1 + 3);
}

TEST_CASE("gradient check: Residual on images, identity skip and channel-changing projections") {
  SUBCASE("identity skip: Conv2D same → BatchNorm → ReLU → Conv2D same, 2 channels") {
    hnn::Random rng(6);
    Block block = image_block(rng, 2, 2, 1, Shape{2, 4, 5});
    // 0.W, 1.gamma, 1.beta, 3.W
    check_passes(block, hnn_test::catalogue::normal(40, 3, 7), 1 + 4);
  }
  SUBCASE("projection 2 → 3 channels, stride 1") {
    hnn::Random rng(7);
    Block block = image_block(rng, 2, 3, 1, Shape{2, 4, 5});
    block.project(rng, 1, w05);
    check_passes(block, hnn_test::catalogue::normal(40, 3, 8), 1 + 5);
  }
  SUBCASE("projection 2 → 4 channels, stride 2 (the catalogue's entry)") {
    hnn::Random rng(8);
    auto block = hnn_test::catalogue::ResidualImageEntry::make<double>(rng);
    check_passes(*block, hnn_test::catalogue::ResidualImageEntry::sample(3, 9), 1 + 5);
  }
}

TEST_CASE("gradient check: dropout inside a block, its draws held fixed") {
  hnn::Random rng(9);
  Block block(Shape{4});
  block.add(hnn::Dense<double>(4, 6, rng, w05, w05))
      .add(hnn::Dropout<double>(0.4))
      .add(hnn::Dense<double>(6, 4, rng, w05, w05));
  check_passes(block, hnn_test::catalogue::normal(4, 5, 10), 1 + 4);
  // The block hands the generator on: the same draws as the layers alone.
  const Matrix<double> X = hnn_test::catalogue::normal(4, 5, 11);
  hnn::Random a(12), b(12);
  const Matrix<double> Y = block.forward(X, hnn::Mode::train, a);
  Matrix<double> A = X;
  for (std::size_t k = 0; k < block.size(); ++k)
    A = block.layer(k).forward(A, hnn::Mode::train, b);
  CHECK(Y.isApprox(X + A, 1e-14));
  // Without a generator, training is Dropout's error; inference needs none.
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { block.forward(X, hnn::Mode::train); },
                                                  "pass a generator");
  CHECK_NOTHROW(block.forward(X, hnn::Mode::infer));
}

TEST_CASE("gradient check: a wrong inner layer is caught through the block") {
  hnn::Random rng(13);
  Block block(Shape{4});
  block.add(hnn::Dense<double>(4, 4, rng, w05, w05)).add(WrongDouble());
  const auto report = hnn::check_layer(block, hnn_test::catalogue::normal(4, 5, 14));
  CHECK_FALSE(report.passed());
  // And a wrong state gradient inside, through the block's sequence state.
  Block carrying(Shape{3});
  carrying.add(hnn_test::CarryWrongStateGradient<double>(3));
  const auto states = carrying.sequence_state();
  REQUIRE(states.size() == 1);
  CHECK(states[0].name() == "0.h0");
  const auto wrong = hnn::check_layer(carrying, hnn_test::catalogue::normal(3, 4, 15));
  CHECK_FALSE(wrong.passed());
  Block right(Shape{3});
  right.add(hnn_test::Carry<double>(3, true));
  CHECK(right.stateful());
  check_passes(right, hnn_test::catalogue::normal(3, 4, 15), 1 + 1);  // input, 0.h0
  right.reset_state();
  CHECK(dynamic_cast<hnn_test::Carry<double>&>(right.layer(0)).resets == 1);
}

TEST_CASE("check_model: a model with two Residual blocks") {
  hnn::Random rng(16);
  hnn::Sequential<double> model(3);
  Block first(Shape{4});
  first.add(hnn::Dense<double>(4, 4, rng, w05, w05))
      .add(hnn::Activation<double, hnn::Tanh>())
      .add(hnn::Dense<double>(4, 4, rng, w05, w05));
  Block second(Shape{4});
  second.add(hnn::Dense<double>(4, 6, rng, w05, w05)).add(hnn::Activation<double, hnn::Tanh>());
  second.project(rng, 1, w05);
  model.add(hnn::Dense<double>(3, 4, rng, w05, w05))
      .add(std::move(first))
      .add(std::move(second))
      .add(hnn::Dense<double>(6, 2, rng, w05, w05));
  const Matrix<double> X = hnn_test::catalogue::normal(3, 5, 17);
  const Matrix<double> T = hnn_test::catalogue::normal(2, 5, 18);
  const auto report = hnn::check_model(model, X, T, hnn::MSE<double>());
  INFO(report.summary());
  CHECK(report.passed());
  std::vector<std::string> names;
  for (auto& p : model.parameters())
    names.push_back(p.name());
  CHECK(names == std::vector<std::string>{"0.W", "0.b", "1.0.W", "1.0.b", "1.2.W", "1.2.b", "2.0.W",
                                          "2.0.b", "2.proj.W", "3.W", "3.b"});
  const std::string summary = model.summary();
  INFO(summary);
  CHECK(summary.find("Residual(Dense(4 → 4) → Tanh → Dense(4 → 4))") != std::string::npos);
  CHECK(summary.find("Residual(Dense(4 → 6) → Tanh, projection 4 → 6)") != std::string::npos);
}

TEST_CASE("check_model: an image block as the model's first layer, whose dX nobody wants") {
  hnn::Random rng(19);
  hnn::Sequential<double> model(Shape{2, 4, 5});
  Block block = image_block(rng, 2, 3, 2, Shape{2, 4, 5});
  block.project(rng, 2, w05);
  model.add(std::move(block))
      .add(hnn::Flatten<double>())
      .add(hnn::Dense<double>(3 * 2 * 3, 3, rng, w05, w05));
  CHECK_FALSE(model.layer(0).input_gradient_wanted());
  const Matrix<double> X = hnn_test::catalogue::normal(40, 4, 20);
  const hnn::Labels y = hnn_test::catalogue::labels(3, 4, 21);
  const auto report = hnn::check_model(model, X, y, hnn::SoftmaxCrossEntropy<double>());
  INFO(report.summary());
  CHECK(report.passed());
}

TEST_CASE("Residual without a wanted input gradient: f's first layer skips dX, the rest is same") {
  hnn::Random rng(22);
  auto wanted = hnn_test::catalogue::ResidualProjectionEntry::make<double>(rng);
  auto skipped = wanted->clone();
  skipped->set_input_gradient_wanted(false);
  const Matrix<double> X = hnn_test::catalogue::normal(4, 5, 23);
  const Matrix<double> G = hnn_test::catalogue::normal(6, 5, 24);
  wanted->forward(X, hnn::Mode::train);
  CHECK(wanted->backward(G).cols() == 5);
  skipped->forward(X, hnn::Mode::train);
  CHECK(skipped->backward(G).cols() == 0);
  auto& inner = dynamic_cast<Block&>(*skipped).layer(0);
  CHECK_FALSE(inner.input_gradient_wanted());
  auto a = wanted->parameters(), b = skipped->parameters();
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    INFO(a[k].name());
    CHECK(Matrix<double>(a[k].grad()) == Matrix<double>(b[k].grad()));
  }
  // Inside the block, a layer after one with parameters still computes its dX.
  CHECK(dynamic_cast<Block&>(*skipped).layer(1).input_gradient_wanted());
}

TEST_CASE("Residual through a model file: rebuilt from the file alone, bit for bit") {
  hnn_test::TempDir dir;
  hnn::Random rng(25);
  hnn::Sequential<float> model(Shape{2, 4, 5});
  hnn::Residual<float> images(Shape{2, 4, 5});
  hnn::Conv2DOptions o;
  o.padding = hnn::Padding::same();
  images.add(hnn::Conv2D<float>(2, 3, hnn::Window(3), rng, o))
      .add(hnn::BatchNorm<float>(3))
      .add(hnn::Activation<float, hnn::ReLU>());
  images.project(rng);
  hnn::Residual<float> inner(Shape{8});
  inner.add(hnn::Dense<float>(8, 8, rng)).add(hnn::Activation<float, hnn::ReLU>());
  hnn::Residual<float> outer(Shape{8});  // a block inside a block
  outer.add(std::move(inner)).add(hnn::Dense<float>(8, 8, rng));
  model.add(std::move(images))
      .add(hnn::GlobalAvgPool2D<float>())
      .add(hnn::Dense<float>(3, 8, rng))
      .add(std::move(outer))
      .add(hnn::Dense<float>(8, 2, rng));
  // Running statistics other than the start, so the buffers' trip shows.
  const Matrix<float> X = hnn_test::uniform(40, 6, 26);
  hnn::Random draws(1);
  model.forward(X, hnn::Mode::train, draws);

  const std::string path = dir.file("residual.hnn");
  hnn::save_model(model, path);
  auto loaded = hnn::load_model<float>(path);
  CHECK(loaded.summary() == model.summary());
  CHECK(loaded.predict(X) == model.predict(X));  // bit for bit
  std::vector<std::string> names, loaded_names;
  for (auto& p : model.parameters())
    names.push_back(p.name());
  for (auto& p : loaded.parameters())
    loaded_names.push_back(p.name());
  CHECK(names == loaded_names);
  CHECK(names == std::vector<std::string>{"0.0.W", "0.0.b", "0.1.gamma", "0.1.beta", "0.proj.W",
                                          "2.W", "2.b", "3.0.0.W", "3.0.0.b", "3.1.W", "3.1.b",
                                          "4.W", "4.b"});
  std::vector<std::string> buffers;
  for (auto& b : loaded.buffers())
    buffers.push_back(b.name());
  CHECK(buffers == std::vector<std::string>{"0.1.running_mean", "0.1.running_var"});
  CHECK(loaded.layer(3).describe() == "Residual(Residual(Dense(8 → 8) → ReLU) → Dense(8 → 8))");
  // The same file into a model built in code.
  auto built = model;
  for (auto& p : built.parameters())
    p.value().setZero();
  hnn::load_weights(built, path);
  CHECK(built.predict(X) == model.predict(X));
}

TEST_CASE("Residual through a model file: custom inner layers load through the registry") {
  hnn_test::TempDir dir;
  hnn::Random rng(27);
  hnn::Sequential<double> model(4);
  hnn::Residual<double> block(Shape{4});
  block.add(hnn::Dense<double>(4, 4, rng)).add(hnn_test::Centre<double>(4, 0.3, "frozen"));
  model.add(std::move(block));
  const std::string path = dir.file("custom.hnn");
  hnn::save_model(model, path);
  hnn_test::check_file_error([&] { hnn::load_model<double>(path); },
                             "layer 0 (Residual): unknown layer type \"Centre\" (a custom layer "
                             "must be added to the LayerRegistry before loading)");
  auto loaded = hnn::load_model<double>(path, hnn_test::registry_with_test_layers<double>());
  const Matrix<double> X = hnn_test::catalogue::normal(4, 3, 28);
  CHECK(loaded.predict(X) == model.predict(X));
  CHECK(loaded.layer(0).settings() == model.layer(0).settings());
  // A registry whose custom type has no Values function: the block's count is
  // unknown, and the file still loads (the factory's own checks stand).
  const auto registry = hnn_test::registry_with_test_layers<double>();
  CHECK_FALSE(registry.values("Residual", model.layer(0).settings()).has_value());
  CHECK(*hnn::LayerRegistry<double>::builtin().values(
            "Residual",
            hnn_test::catalogue::ResidualProjectionEntry::make<double>(rng)->settings()) ==
        4 * 6 + 6 + 6 * 4);
}

TEST_CASE("Residual from corrupt settings: an error naming what is wrong") {
  const auto registry = hnn::LayerRegistry<float>::builtin();
  const auto make = [&](const hnn::Settings& s) { return registry.make("Residual", s); };
  hnn::Settings good = {{"layers", 1.0}, {"input0", 4.0}, {"projection", 0.0},
                        {"0", "Dense"},  {"0.in", 4.0},   {"0.out", 4.0}};
  CHECK(make(good)->describe() == "Residual(Dense(4 → 4))");
  hnn::Settings no_type = good;
  no_type[3] = {"0x", "Dense"};
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { make(no_type); }, "\"0x\"");
  hnn::Settings missing = good;
  missing[0].second = 2.0;
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { make(missing); }, "setting \"1\" (the type of inner layer 1) is missing");
  hnn::Settings beyond = good;
  beyond.emplace_back("3.alpha", 1.0);
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { make(beyond); },
                                                  "setting \"3…\" names no inner layer");
  hnn::Settings two = good;
  two[0].second = 2.0;
  two.emplace_back("1", "Tanh");
  CHECK(make(two)->describe() == "Residual(Dense(4 → 4) → Tanh)");
  two.pop_back();
  two.emplace_back("1.alpha", 3.0);
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { make(two); }, "setting \"1\" (the type");
  hnn::Settings many = good;
  many[0].second = 1e9;
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { make(many); }, "\"layers\"");
  hnn::Settings projection = good;
  projection[2].second = 5.0;
  projection.insert(projection.begin() + 3, {"stride", 1.0});
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { make(projection); }, "setting \"projection\" is 5, but the block's layers give 4");
}

TEST_CASE("Residual clone is independent, and a copied block too") {
  hnn::Random rng(29);
  auto block = hnn_test::catalogue::ResidualImageEntry::make<double>(rng);
  auto copy = block->clone();
  CHECK(copy->describe() == block->describe());
  CHECK(copy->settings() == block->settings());
  const Matrix<double> X = hnn_test::catalogue::ResidualImageEntry::sample(2, 30);
  const Matrix<double> before = block->forward(X, hnn::Mode::infer);
  CHECK(Matrix<double>(copy->forward(X, hnn::Mode::infer)) == before);
  auto params = block->parameters(), theirs = copy->parameters();
  REQUIRE(params.size() == theirs.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    CHECK(params[k].value().data() != theirs[k].value().data());
    params[k].value().array() += 0.5;
  }
  for (auto& b : block->buffers())
    b.value().array() += 0.5;
  CHECK(Matrix<double>(copy->forward(X, hnn::Mode::infer)) == before);
  CHECK(Matrix<double>(block->forward(X, hnn::Mode::infer)) != before);

  Block original(Shape{4});
  original.add(hnn::Dense<double>(4, 4, rng));
  Block copied = original;
  copied.parameters()[0].value().setZero();
  CHECK(original.parameters()[0].value().norm() > 0);
}

TEST_CASE("Residual in a steady loop allocates nothing (float, full and partial batches)") {
  hnn::Random rng(31);
  std::vector<std::unique_ptr<hnn::Layer<float>>> blocks;
  blocks.push_back(hnn_test::catalogue::ResidualEntry::make<float>(rng));
  blocks.push_back(hnn_test::catalogue::ResidualProjectionEntry::make<float>(rng));
  blocks.push_back(hnn_test::catalogue::ResidualImageEntry::make<float>(rng));
  for (auto& block : blocks) {
    for (const bool wanted : {true, false}) {
      block->set_input_gradient_wanted(wanted);
      const Index rows = block->input_shape().size(), out = block->output_shape().size();
      const Matrix<float> X8 = hnn_test::uniform(rows, 8, 1), X5 = X8.leftCols(5);
      const Matrix<float> G8 = hnn_test::uniform(out, 8, 2), G5 = G8.leftCols(5);
      hnn::Random draws(3);
      block->forward(X8, hnn::Mode::train, draws);
      block->backward(G8);
      long seen = 0;
      {
        hnn_test::HeapWatch watch;
        for (int i = 0; i < 2; ++i) {
          block->forward(X8, hnn::Mode::train, draws);
          block->backward(G8);
          block->forward(X5, hnn::Mode::train, draws);
          block->backward(G5);
          block->forward(X5, hnn::Mode::infer);
        }
        seen = watch.count();
      }
      INFO(block->describe() << (wanted ? "" : " (first layer)"));
      CHECK(seen == 0);
    }
  }
}

TEST_CASE("Residual float and double agree") {
  hnn::Random rf(32), rd(32);
  auto f = hnn_test::catalogue::ResidualImageEntry::make<float>(rf);
  auto d = hnn_test::catalogue::ResidualImageEntry::make<double>(rd);
  const Matrix<double> Xd = hnn_test::catalogue::ResidualImageEntry::sample(4, 33);
  const Matrix<float> Xf = Xd.cast<float>();
  const Matrix<double> Yd = d->forward(Xd, hnn::Mode::train);
  const Matrix<float> Yf = f->forward(Xf, hnn::Mode::train);
  CHECK((Yf.cast<double>() - Yd).norm() <= 1e-5 * (1 + Yd.norm()));
  const Matrix<double> G = Matrix<double>::Ones(Yd.rows(), Yd.cols());
  const Matrix<double> dXd = d->backward(G);
  const Matrix<float> dXf = f->backward(G.cast<float>());
  CHECK((dXf.cast<double>() - dXd).norm() <= 1e-5 * (1 + dXd.norm()));
}

TEST_CASE("Residual bad input: empty blocks, shapes that do not fit, unsupported projections") {
  hnn::Random rng(34);
  SUBCASE("an unknown input shape, a null layer") {
    hnn_test::check_throws_with<hnn::ArgumentError>([] { Block b{Shape()}; },
                                                    "Residual: the input shape is unknown");
    Block b(Shape{4});
    hnn_test::check_throws_with<hnn::ArgumentError>([&] { b.add(nullptr); },
                                                    "Residual::add: null layer");
  }
  SUBCASE("an empty block") {
    Block empty(Shape{4});
    CHECK(empty.describe() == "Residual()");
    hnn::Sequential<double> model(4);
    hnn_test::check_throws_with<hnn::ArgumentError>([&] { model.add(Block(Shape{4})); },
                                                    "Residual: the block has no layers");
    const Matrix<double> X = Matrix<double>::Ones(4, 2);
    hnn_test::check_throws_with<hnn::ArgumentError>([&] { empty.forward(X, hnn::Mode::infer); },
                                                    "the block has no layers");
    hnn_test::check_throws_with<hnn::ArgumentError>([&] { empty.project(rng); },
                                                    "Residual::project: add the block's layers");
  }
  SUBCASE("an inner layer that does not fit") {
    Block b(Shape{4});
    b.add(hnn::Dense<double>(4, 5, rng));
    hnn_test::check_throws_with<hnn::ShapeError>(
        [&] { b.add(hnn::Dense<double>(4, 4, rng)); },
        "Residual::add: layer 1 (Dense(4 → 4)) does not fit after Dense(4 → 5), which gives "
        "samples of 5");
  }
  SUBCASE("f changes the shape and the skip path has no projection") {
    Block b(Shape{4});
    b.add(hnn::Dense<double>(4, 6, rng));
    const std::string says =
        "Residual(Dense(4 → 6)): the block's layers change a sample from 4 to 6, so x + f(x) is "
        "undefined: give the skip path a projection";
    hnn::Sequential<double> model(4);
    hnn_test::check_throws_with<hnn::ShapeError>([&] { model.add(b); }, says);
    const Matrix<double> X = Matrix<double>::Ones(4, 2);
    hnn_test::check_throws_with<hnn::ShapeError>([&] { b.forward(X, hnn::Mode::infer); }, says);
    // A block that fitted, then no longer does.
    Block later(Shape{4});
    later.add(hnn::Dense<double>(4, 4, rng));
    CHECK(later.output_shape() == Shape{4});
    later.add(hnn::Dense<double>(4, 6, rng));
    hnn_test::check_throws_with<hnn::ShapeError>([&] { later.forward(X, hnn::Mode::infer); },
                                                 "from 4 to 6");
  }
  SUBCASE("a block built for other samples than the model gives") {
    Block b(Shape{4});
    b.add(hnn::Dense<double>(4, 4, rng));
    hnn::Sequential<double> model(Shape{1, 2, 2});
    hnn_test::check_throws_with<hnn::ShapeError>(
        [&] { model.add(b); }, "the block is built for samples of 4, but is given 1×2×2");
  }
  SUBCASE("projections that are not supported: the error names both shapes") {
    Block vectors(Shape{4});
    vectors.add(hnn::Dense<double>(4, 6, rng));
    hnn_test::check_throws_with<hnn::ShapeError>(
        [&] { vectors.project(rng, 2); },
        "the block maps vectors 4 to 6, and a stride applies to images only");
    hnn_test::check_throws_with<hnn::ArgumentError>([&] { vectors.project(rng, 0); },
                                                    "stride must be ≥ 1, got 0");
    Block flat(Shape{2, 4, 4});
    flat.add(hnn::Flatten<double>()).add(hnn::Dense<double>(32, 8, rng));
    hnn_test::check_throws_with<hnn::ShapeError>(
        [&] { flat.project(rng); },
        "the block maps samples of 2×4×4 to 8; a projection maps vectors to vectors");
    Block strided = image_block(rng, 2, 3, 2, Shape{2, 5, 6});  // 3×3×3
    hnn_test::check_throws_with<hnn::ShapeError>(
        [&] { strided.project(rng); },
        "a 1×1 projection with stride 1 maps images of 2×5×6 to 3×5×6, but the block's layers "
        "give 3×3×3");
    Block sequences(Shape{3, 4});
    sequences.add(hnn::Activation<double, hnn::Tanh>()).add(hnn::Reshape<double>(Shape{4, 3}));
    hnn_test::check_throws_with<hnn::ShapeError>([&] { sequences.project(rng); },
                                                 "samples of 3×4 to 4×3");
  }
  SUBCASE("add after project, project twice") {
    Block b(Shape{4});
    b.add(hnn::Dense<double>(4, 6, rng)).project(rng);
    hnn_test::check_throws_with<hnn::ArgumentError>(
        [&] { b.add(hnn::Activation<double, hnn::Tanh>()); }, "add every layer before project()");
    hnn_test::check_throws_with<hnn::ArgumentError>([&] { b.project(rng); },
                                                    "the block has a projection");
  }
}

TEST_CASE("Residual's Values function counts what the block holds, before building it") {
  const auto registry = hnn::LayerRegistry<double>::builtin();
  hnn::Random rng(35);
  std::vector<std::unique_ptr<hnn::Layer<double>>> blocks;
  blocks.push_back(hnn_test::catalogue::ResidualEntry::make<double>(rng));
  blocks.push_back(hnn_test::catalogue::ResidualProjectionEntry::make<double>(rng));
  blocks.push_back(hnn_test::catalogue::ResidualImageEntry::make<double>(rng));
  auto outer = std::make_unique<Block>(Shape{4});
  outer->add(hnn_test::catalogue::ResidualEntry::make<double>(rng))
      .add(hnn::Dense<double>(4, 3, rng))
      .project(rng);
  blocks.push_back(std::move(outer));
  for (auto& block : blocks) {
    INFO(block->describe());
    double held = 0;
    for (const auto& p : block->parameters())
      held += double(p.size());
    for (const auto& b : block->buffers())
      held += double(b.size());
    REQUIRE(registry.knows_values("Residual"));
    const auto claimed = registry.values("Residual", block->settings());
    REQUIRE(claimed.has_value());
    CHECK(*claimed == held);
    CHECK(registry.make("Residual", block->settings())->settings() == block->settings());
  }
}

TEST_CASE("Residual: a penalty on the block reaches its inner weights and its projection") {
  hnn::Random rng(21);
  hnn::Residual<double> block(hnn::Shape{4});
  block.add(hnn::Dense<double>(4, 6, rng)).add(hnn::Activation<double, hnn::Tanh>());
  block.project(rng);
  hnn::Sequential<double> m(4);
  m.add(std::move(block), hnn::Penalty{0.01, 0.02});
  m.add(hnn::Dense<double>(6, 2, rng));
  std::vector<std::string> names;
  for (auto& w : m.penalized_weights())
    names.push_back(w.weights.name());
  CHECK(names == std::vector<std::string>{"0.0.W", "0.proj.W"});  // not the bias 0.0.b
  const auto report =
      hnn::check_model(m, Matrix<double>::Random(4, 5), hnn::Labels(hnn::Labels::Zero(5)),
                       hnn::SoftmaxCrossEntropy<double>());
  INFO(report.summary());
  CHECK(report.passed());
}
