// SPDX-License-Identifier: MIT
// Dropout (layers/dropout.hpp): the catalogue's checks on its entry
// (tests/catalogue/regularization.hpp) — the gradient check with the mask
// held fixed, float against double, clone, the model-file round trip — then
// the mask against draws made by hand, the backward pass reusing it, the
// expectation the 1/(1 − p) scaling keeps, inference and p = 0 as views, a
// wrong backward caught by the check, and every bad argument.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "catalogue.hpp"
#include "catalogue/regularization.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/dropout.hpp"
#include "test_support.hpp"

namespace dropout_tests {

using hnn::Index;
using hnn::Matrix;
using hnn_test::check_throws_with;
using hnn_test::catalogue::DropoutEntry;

// The builtin registry, with Dropout as LayerRegistry::builtin() registers it.
template <typename S>
hnn::LayerRegistry<S> registry_with_dropout() {
  auto r = hnn::LayerRegistry<S>::builtin();
  r.add(
      "Dropout",
      [](const hnn::Settings& s) {
        return std::make_unique<hnn::Dropout<S>>(hnn::setting(s, "p"));
      },
      hnn::LayerRegistry<S>::none);
  return r;
}

// The mask Dropout(p) draws from a generator seeded `seed` for a
// (rows × cols) batch: one uniform per value, column by column.
template <typename S>
Matrix<S> mask_by_hand(double p, Index rows, Index cols, std::uint64_t seed) {
  hnn::Random rng(seed);
  Matrix<S> M(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i)
      M(i, j) = rng.uniform() >= p ? S(1 / (1 - p)) : S(0);
  return M;
}

// A Dropout whose backward forgets the mask (dX = dY): wrong, for the check
// to catch.
template <typename S>
class DropoutWithoutMaskInBackward : public hnn::Dropout<S> {
 public:
  using hnn::Dropout<S>::Dropout;
  std::unique_ptr<hnn::Layer<S>> clone() const override {
    return std::make_unique<DropoutWithoutMaskInBackward>(*this);
  }

 protected:
  typename hnn::Layer<S>::In backward_impl(typename hnn::Layer<S>::In dY) override { return dY; }
};

TEST_CASE(
    "Dropout: the gradient check passes with the mask held fixed, in training and inference") {
  hnn::Random rng(3);
  auto layer = DropoutEntry::make<double>(rng);
  layer->set_input_shape(DropoutEntry::input());
  const Matrix<double> X = DropoutEntry::sample(6, 5);
  const auto report = hnn::check_layer(*layer, X);
  INFO(report.summary());
  CHECK(report.passed());
  CHECK(report.tensors.size() == 1);  // the input; no parameters

  // The check's mask drops some values and keeps others.
  hnn::Random draws(hnn::CheckOptions().seed);
  const Matrix<double> Y = layer->forward(X, hnn::Mode::train, draws);
  CHECK((Y.array() == 0).count() > 0);
  CHECK((Y.array() != 0).count() > 0);

  hnn::CheckOptions infer;
  infer.mode = hnn::Mode::infer;
  const auto identity = hnn::check_layer(*layer, X, infer);
  INFO(identity.summary());
  CHECK(identity.passed());
}

TEST_CASE("Dropout: a backward that forgets the mask is caught by the gradient check") {
  DropoutWithoutMaskInBackward<double> wrong(0.4);
  wrong.set_input_shape(DropoutEntry::input());
  const auto report = hnn::check_layer(wrong, DropoutEntry::sample(6, 5));
  INFO(report.summary());
  CHECK_FALSE(report.passed());
  CHECK(report.worst().name == "input");
}

TEST_CASE("Dropout: float and double draw the same mask and agree") {
  hnn::Random rf(4), rd(4);
  auto f = DropoutEntry::make<float>(rf);
  auto d = DropoutEntry::make<double>(rd);
  f->set_input_shape(DropoutEntry::input());
  d->set_input_shape(DropoutEntry::input());
  CHECK(f->output_shape() == d->output_shape());
  CHECK(f->type_name() == std::string(DropoutEntry::type));
  const Matrix<double> Xd = DropoutEntry::sample(5, 6);
  const Matrix<float> Xf = Xd.cast<float>();
  hnn::Random gd(7), gf(7);
  const Matrix<double> Yd = d->forward(Xd, hnn::Mode::train, gd);
  const Matrix<float> Yf = f->forward(Xf, hnn::Mode::train, gf);
  CHECK(((Yf.array() == 0) == (Yd.array() == 0)).all());  // the same values dropped
  CHECK((Yf.cast<double>() - Yd).norm() <= 1e-5 * (1 + Yd.norm()));
  const Matrix<double> Gd = Matrix<double>::Ones(Yd.rows(), Yd.cols());
  const Matrix<double> dXd = d->backward(Gd);
  const Matrix<float> dXf = f->backward(Gd.cast<float>());
  CHECK((dXf.cast<double>() - dXd).norm() <= 1e-5 * (1 + dXd.norm()));
}

TEST_CASE_TEMPLATE("Dropout: the mask is the one drawn by hand, one uniform per value", S, float,
                   double) {
  const double p = 0.3;
  hnn::Dropout<S> d(p);
  const Matrix<S> X = hnn_test::catalogue::normal(4, 5, 21).cast<S>();
  hnn::Random rng(11), same(11);
  const Matrix<S> Y = d.forward(X, hnn::Mode::train, rng);
  const Matrix<S> M = mask_by_hand<S>(p, 4, 5, 11);
  CHECK(Y == Matrix<S>(M.cwiseProduct(X)));  // Y = M ⊙ X, bit for bit
  for (int k = 0; k < 20; ++k)
    same.uniform();
  CHECK(rng.state() == same.state());  // 20 values, 20 draws

  // backward: dX = M ⊙ dY with the mask kept from forward, drawing nothing.
  const Matrix<S> dY = hnn_test::catalogue::normal(4, 5, 22).cast<S>();
  const Matrix<S> dX = d.backward(dY);
  CHECK(dX == Matrix<S>(M.cwiseProduct(dY)));
  CHECK(Matrix<S>(d.backward(dY)) == dX);  // again: the same mask
  CHECK(rng.state() == same.state());

  // A hand-checked corner: p = 0.5 keeps a value as 2x.
  hnn::Dropout<S> half(0.5);
  const Matrix<S> ones = Matrix<S>::Ones(3, 4);
  hnn::Random r(5);
  const Matrix<S> Yh = half.forward(ones, hnn::Mode::train, r);
  CHECK(((Yh.array() == S(0)) || (Yh.array() == S(2))).all());
  CHECK(Yh == mask_by_hand<S>(0.5, 3, 4, 5));
}

TEST_CASE("Dropout: 1/(1 − p) keeps the expectation, and a fraction p is dropped") {
  const double p = 0.25;
  hnn::Dropout<double> d(p);
  const Matrix<double> X = Matrix<double>::Ones(100, 400);  // 40,000 values
  hnn::Random rng(8);
  const Matrix<double> Y = d.forward(X, hnn::Mode::train, rng);
  // Each value is 0 or 4/3: mean 1, variance p/(1 − p) = 1/3, so the mean of
  // 40,000 has a standard deviation of 0.0029 and the dropped fraction 0.0022.
  CHECK(Y.mean() == doctest::Approx(1.0).epsilon(0.015));
  const double dropped = double((Y.array() == 0).count()) / double(Y.size());
  CHECK(dropped == doctest::Approx(p).epsilon(0.04));
}

TEST_CASE("Dropout: inference and p = 0 are the identity, as views, drawing nothing") {
  const Matrix<float> X = hnn_test::uniform(6, 4, 3);
  const Matrix<float> dY = hnn_test::uniform(6, 4, 4);
  hnn::Dropout<float> d(0.5);
  const auto Y = d.forward(X, hnn::Mode::infer);  // no generator needed
  CHECK(Y.data() == X.data());                    // Y = X, the same memory
  CHECK(d.backward(dY).data() == dY.data());      // dX = dY

  // After a training forward, an inference forward forgets the mask.
  hnn::Random rng(1);
  d.forward(X, hnn::Mode::train, rng);
  d.forward(X, hnn::Mode::infer);
  CHECK(d.backward(dY).data() == dY.data());

  hnn::Dropout<float> none(0.0);
  const std::string before = rng.state();
  CHECK(none.forward(X, hnn::Mode::train, rng).data() == X.data());
  CHECK(rng.state() == before);                                 // no draws
  CHECK(none.forward(X, hnn::Mode::train).data() == X.data());  // nor a generator
  CHECK(none.backward(dY).data() == dY.data());

  // A first layer (no input gradient wanted) returns an empty one.
  d.set_input_gradient_wanted(false);
  d.forward(X, hnn::Mode::train, rng);
  CHECK(d.backward(dY).cols() == 0);
}

TEST_CASE("Dropout: any sample shape, and a partial batch reuses the buffers") {
  hnn::Dropout<float> d(0.2);
  d.set_input_shape(hnn::Shape{3, 4, 5});
  CHECK(d.output_shape() == hnn::Shape{3, 4, 5});
  CHECK(d.compute_output_shape(hnn::Shape{7}) == hnn::Shape{7});
  CHECK(d.describe() == "Dropout(p=0.2)");
  CHECK(d.settings() == hnn::Settings{{"p", 0.2}});
  CHECK(d.p() == 0.2);
  const Matrix<float> X = hnn_test::uniform(60, 8, 9);
  hnn::Random rng(2);
  const Matrix<float> G = Matrix<float>::Ones(60, 8);
  const float* full = d.forward(X, hnn::Mode::train, rng).data();
  const float* dfull = d.backward(G).data();
  const auto part = d.forward(X.leftCols(5), hnn::Mode::train, rng);  // the last, partial batch
  CHECK(part.data() == full);
  CHECK(part.cols() == 5);
  const auto dpart = d.backward(G.leftCols(5));
  CHECK(dpart.data() == dfull);
  CHECK(dpart.cols() == 5);
  hnn_test::check_throws_with<hnn::ShapeError>([&] { d.forward(X.topRows(59), hnn::Mode::infer); },
                                               "Dropout(p=0.2).forward");
}

TEST_CASE("Dropout: a clone is independent, and handed the same generator draws the same mask") {
  hnn::Dropout<double> d(0.5);
  const Matrix<double> X = hnn_test::catalogue::normal(5, 6, 1);
  hnn::Random a(3), b(3);
  auto c = d.clone();
  CHECK(c->describe() == "Dropout(p=0.5)");
  const Matrix<double> Yd = d.forward(X, hnn::Mode::train, a);
  const Matrix<double> Yc = c->forward(X, hnn::Mode::train, b);
  CHECK(Yd == Yc);
  // Forwarding the clone again (another mask) leaves the original's output.
  const auto kept = d.backward(Matrix<double>::Ones(5, 6));
  const Matrix<double> dX = kept;
  c->forward(X, hnn::Mode::train, b);
  CHECK(Matrix<double>(d.backward(Matrix<double>::Ones(5, 6))) == dX);
}

TEST_CASE_TEMPLATE("Dropout: a model with it round-trips through a model file", S, float, double) {
  hnn_test::TempDir dir;
  hnn::Random rng(7);
  auto model = hnn_test::catalogue::model_of<DropoutEntry, S>(rng);
  const std::string path = dir.file("dropout.hnn");
  hnn::save_model(model, path);
  auto loaded = hnn::load_model<S>(path, registry_with_dropout<S>());
  CHECK(loaded.summary() == model.summary());
  CHECK(model.summary().find("Dropout(p=0.4)") != std::string::npos);
  REQUIRE(loaded.size() == model.size());
  CHECK(loaded.layer(0).settings() == model.layer(0).settings());
  const Matrix<S> X = DropoutEntry::sample(3, 8).template cast<S>();
  CHECK(loaded.predict(X) == model.predict(X));  // inference: the identity, bit for bit
  hnn::Random other(99);
  auto built = hnn_test::catalogue::model_of<DropoutEntry, S>(other);
  hnn::load_weights(built, path);
  CHECK(built.predict(X) == model.predict(X));
}

TEST_CASE("Dropout: bad arguments name the layer and p") {
  check_throws_with<hnn::ArgumentError>([] { hnn::Dropout<float> d(1.0); },
                                        "Dropout: p must be in [0, 1), got 1 (p = 1 drops every "
                                        "value, and the scaling 1/(1 − p) of the values kept "
                                        "would divide by zero)");
  check_throws_with<hnn::ArgumentError>([] { hnn::Dropout<float> d(-0.1); },
                                        "Dropout: p must be a finite number in [0, 1), got -0.1");
  check_throws_with<hnn::ArgumentError>([] { hnn::Dropout<double> d(1.5); },
                                        "Dropout: p must be a finite number in [0, 1), got 1.5");
  check_throws_with<hnn::ArgumentError>(
      [] { hnn::Dropout<double> d(std::numeric_limits<double>::quiet_NaN()); }, "Dropout: p");
  check_throws_with<hnn::ArgumentError>(
      [] { hnn::Dropout<double> d(std::numeric_limits<double>::infinity()); }, "Dropout: p");
  // A training forward needs the loop's generator.
  hnn::Dropout<float> d(0.5);
  const Matrix<float> X = Matrix<float>::Ones(2, 3);
  check_throws_with<hnn::ArgumentError>(
      [&] { d.forward(X, hnn::Mode::train); },
      "Dropout(p=0.5).forward: this layer draws random numbers in training mode; pass a "
      "generator");
  check_throws_with<hnn::Error>(
      [] { hnn::Dropout<float>(0.5).backward(Matrix<float>::Ones(2, 3)); }, "before forward");
  // The registry's factory refuses what the constructor refuses.
  check_throws_with<hnn::ArgumentError>(
      [] {
        registry_with_dropout<float>().make("Dropout", {{"p", 1.0}});
      },
      "Dropout: p");
}

TEST_CASE("Dropout in fit: the same seed gives the same weights, another seed others") {
  const Matrix<float> X = hnn_test::uniform(3, 40, 1), T = hnn_test::uniform(2, 40, 2);
  const auto train = [&](std::uint64_t seed) {
    hnn::Random rng(5);
    hnn::Sequential<float> model(3);
    model.add(hnn::Dense<float>(3, 16, rng))
        .add(hnn::Activation<float, hnn::ReLU>())
        .add(hnn::Dropout<float>(0.3))
        .add(hnn::Dense<float>(16, 2, rng));
    hnn::SGD<float> sgd(0.05);
    auto o = hnn_test::quiet(3, 8);
    o.seed = seed;
    model.fit(X, T, hnn::MSE<float>(), sgd, o);
    return Matrix<float>(model.parameters()[2].value());
  };
  CHECK(train(1) == train(1));
  CHECK(train(1) != train(2));
}

}  // namespace dropout_tests
