// SPDX-License-Identifier: MIT
// Regularization in the model and its training loop:
//  - penalties on the weights (core/penalty.hpp, Sequential::add(layer,
//    penalty)): the value and gradient against finite differences, through
//    check_model too; only weight matrices "W"; what fit reports; L2 with
//    λ₂ = wd/2 against the optimizers' weight decay (the same steps for plain
//    SGD, momentum and Adam; not AdamW's); the summary; bad values refused;
//  - FitOptions::drop_last: steps per epoch, which samples are trained on,
//    the epoch's loss and metrics over those, a stateful model, a layer that
//    refuses a batch of one sample, and the refusal of a batch larger than
//    the data.
// (The model file keeps the penalty: tests/io/test_model_file.cpp.)

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "model/test_layers_with_state.hpp"
#include "test_support.hpp"

namespace regularization_tests {

using hnn::Index;
using hnn::Matrix;
using hnn::Penalty;
using hnn_test::check_throws_with;

// Y = W X: a layer whose only parameter is a weight matrix "W" (no bias), so
// that an optimizer's weight decay and an L2 penalty act on the same tensors.
template <typename S>
class Linear : public hnn::Layer<S> {
 public:
  using typename hnn::Layer<S>::Mat;
  using typename hnn::Layer<S>::In;
  Linear(Index in, Index out, hnn::Random& rng) : W_(out, in), dW_(Mat::Zero(out, in)) {
    rng.fill_normal(W_, 0.0, 1.0 / std::sqrt(double(in)));
    this->set_input_shape(hnn::Shape(in));
  }
  std::string type_name() const override { return "Linear"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override {
    if (in != hnn::Shape(W_.cols())) throw hnn::ShapeError("Linear: wrong input " + in.str());
    return hnn::Shape(W_.rows());
  }
  std::vector<hnn::Parameter<S>> parameters() override { return {{"W", W_, dW_}}; }
  hnn::Settings settings() const override {
    return {{"in", double(W_.cols())}, {"out", double(W_.rows())}};
  }
  std::unique_ptr<hnn::Layer<S>> clone() const override { return std::make_unique<Linear>(*this); }

 protected:
  In forward_impl(In X, hnn::Mode) override {
    auto Y = hnn::batch_view(Y_, W_.rows(), X.cols());
    Y.noalias() = W_ * X;  // Y = W X
    return Y;
  }
  In backward_impl(In dY) override {
    dW_.noalias() += dY * this->input().transpose();  // dW += dY Xᵀ
    if (!this->input_gradient_wanted()) return dX_.leftCols(0);
    auto dX = hnn::batch_view(dX_, W_.cols(), dY.cols());
    dX.noalias() = W_.transpose() * dY;  // dX = Wᵀ dY
    return dX;
  }

 private:
  Mat W_, dW_, Y_, dX_;
};

// Passes its input on, writing down the first row of every training batch:
// the data below puts each sample's index there, so it lists the samples
// trained on. Refuses a training batch of fewer than `least` samples, as
// batch normalisation refuses one.
template <typename S>
class Spy : public hnn::Layer<S> {
 public:
  using typename hnn::Layer<S>::In;
  explicit Spy(Index least = 1) : least_(least) {}
  std::string type_name() const override { return "Spy"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override { return in; }
  std::unique_ptr<hnn::Layer<S>> clone() const override { return std::make_unique<Spy>(*this); }
  std::vector<std::vector<int>> batches;  // the samples of each training batch

 protected:
  In forward_impl(In X, hnn::Mode mode) override {
    if (mode != hnn::Mode::train) return X;
    if (X.cols() < least_) {
      throw hnn::ArgumentError("Spy: a training batch of " + std::to_string(X.cols()) +
                               " sample(s); at least " + std::to_string(least_) + " needed");
    }
    std::vector<int> b;
    for (Index j = 0; j < X.cols(); ++j)
      b.push_back(int(std::lround(X(0, j))));
    batches.push_back(b);
    return X;
  }
  In backward_impl(In dY) override { return dY; }

 private:
  Index least_;
};

Matrix<double> normal(Index rows, Index cols, std::uint64_t seed, double sd = 1.0) {
  hnn::Random rng(seed);
  Matrix<double> m(rows, cols);
  rng.fill_normal(m, 0.0, sd);
  return m;
}

// n samples of 2 features, the first the sample's index; 2 regression
// targets, and 3 classes.
struct Indexed {
  Matrix<double> X, T;
  hnn::Labels y;
  explicit Indexed(Index n) : X(2, n), T(normal(2, n, 9)), y(n) {
    for (Index j = 0; j < n; ++j) {
      X(0, j) = double(j);
      X(1, j) = std::sin(double(j));
      y(j) = int(j % 3);
    }
  }
};

hnn::FitOptions<double> quiet(int epochs, Index batch) {
  hnn::FitOptions<double> o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.verbosity = hnn::Verbosity::quiet;
  return o;
}

// 3 → Dense(3 → 5) → Tanh → Dense(5 → 2), with the given penalties.
hnn::Sequential<double> small_model(const Penalty& first, const Penalty& second,
                                    std::uint64_t seed = 1) {
  hnn::Random rng(seed);
  hnn::Sequential<double> model(3);
  model
      .add(hnn::Dense<double>(3, 5, rng, hnn::Init::normal(0, 0.7), hnn::Init::normal(0, 0.5)),
           first)
      .add(hnn::Activation<double, hnn::Tanh>())
      .add(hnn::Dense<double>(5, 2, rng, hnn::Init::normal(0, 0.7), hnn::Init::normal(0, 0.5)),
           second);
  return model;
}

TEST_CASE("penalty: R and ∂R/∂W = λ₁ sign(W) + 2 λ₂ W against finite differences") {
  Matrix<double> W = hnn_test::away_from_zero(4, 3, 5), dW = Matrix<double>::Zero(4, 3);
  const Penalty p{0.3, 0.7};
  std::vector<hnn::PenalizedWeights<double>> list = {{hnn::Parameter<double>("W", W, dW), p}};
  // By hand: λ₁ Σ|w| + λ₂ Σ w².
  CHECK(hnn::penalty_value(list) ==
        doctest::Approx(0.3 * W.cwiseAbs().sum() + 0.7 * W.squaredNorm()).epsilon(1e-15));
  hnn::add_penalty_gradients(list);
  const auto R = [&] { return hnn::penalty_value(list); };
  const auto good = hnn::compare_gradients("W", dW, hnn::numeric_gradient(R, W));
  CHECK(good.passed);
  CHECK(good.error < 1e-9);
  // The ½ convention's gradient (λ₂ W) is not this penalty's: caught.
  const Matrix<double> half = 0.3 * W.cwiseSign() + 0.7 * W;
  CHECK_FALSE(hnn::compare_gradients("W", half, hnn::numeric_gradient(R, W)).passed);
  // The gradient is added to what is there (backward's), not written over it.
  dW.setOnes();
  hnn::add_penalty_gradients(list);
  CHECK(dW.isApprox(Matrix<double>::Ones(4, 3) + 0.3 * W.cwiseSign() + 1.4 * W));
  // sign(0) = 0: a zero weight gets no L1 push.
  W.setZero();
  dW.setZero();
  hnn::add_penalty_gradients(list);
  CHECK(dW.isZero(0));
}

TEST_CASE("penalty: check_model checks the gradient of loss + R, and catches a missing ∂R/∂W") {
  auto model = small_model({0.02, 0.05}, Penalty::L2(0.1));
  const Matrix<double> X = normal(3, 6, 2), T = normal(2, 6, 3);
  const hnn::MSE<double> mse;
  const auto report = hnn::check_model(model, X, T, mse);
  INFO(report.summary());
  CHECK(report.passed());
  CHECK(report.subject == "model with MSE and penalties");

  // Without ∂R/∂W, backward's gradients are not those of the penalized loss.
  model.zero_grad();
  hnn::Random draws(1);
  const Matrix<double> P = model.forward(X, hnn::Mode::train, draws);
  Matrix<double> dP(P.rows(), P.cols());
  mse.gradient(P, T, dP);
  model.backward(dP);
  auto W0 = model.parameters()[0];
  const Matrix<double> without = W0.grad();
  auto value = W0.value();
  const auto L = [&] {
    hnn::Random d(1);
    return mse.value(model.forward(X, hnn::Mode::train, d), T) + model.penalty_value();
  };
  CHECK_FALSE(hnn::compare_gradients("0.W", without, hnn::numeric_gradient(L, value)).passed);
  model.zero_grad();
}

TEST_CASE("penalty: only the weight matrices W carry it, named as parameters() names them") {
  auto model = small_model(Penalty::L1(0.01), Penalty());
  CHECK(model.has_penalty());
  CHECK(model.penalty(0) == Penalty::L1(0.01));
  CHECK(model.penalty(1) == Penalty());
  CHECK_FALSE(model.penalty(2).active());
  const auto list = model.penalized_weights();
  REQUIRE(list.size() == 1);
  CHECK(list[0].weights.name() == "0.W");
  CHECK(list[0].penalty.l1 == 0.01);
  // ∂R/∂W goes to 0.W alone: 0.b, 2.W and 2.b keep their gradients.
  model.zero_grad();
  model.add_penalty_gradients();
  auto params = model.parameters();
  CHECK(params[0].name() == "0.W");
  CHECK(Matrix<double>(params[0].grad()) == Matrix<double>(0.01 * params[0].value().cwiseSign()));
  for (std::size_t k = 1; k < params.size(); ++k)
    CHECK(params[k].grad().isZero(0));
  CHECK(model.penalty_value() ==
        doctest::Approx(0.01 * params[0].value().cwiseAbs().sum()).epsilon(1e-15));

  // A copy keeps the penalties; set_penalty changes one.
  hnn::Sequential<double> copy = model;
  CHECK(copy.penalty(0) == Penalty::L1(0.01));
  copy.set_penalty(2, Penalty::L2(0.5));
  CHECK(copy.penalized_weights().size() == 2);
  CHECK(model.penalized_weights().size() == 1);
  copy.set_penalty(0, Penalty());
  copy.set_penalty(2, Penalty());
  CHECK_FALSE(copy.has_penalty());
  CHECK(copy.penalty_value() == 0);
}

TEST_CASE("penalty: fit reports loss + R as the loss, R as \"penalty\", val_loss without it") {
  auto model = small_model({0.01, 0.02}, Penalty::L2(0.03));
  const Matrix<double> X = normal(3, 20, 4), T = normal(2, 20, 5);
  const hnn::MSE<double> mse;
  hnn::SGD<double> frozen(0.0);  // the weights stay: every batch sees the same R
  const double R = model.penalty_value();
  const double data = model.evaluate(X, T, mse).loss;
  REQUIRE(R > 0);
  std::vector<double> batch_losses;
  auto o = quiet(2, 8);  // 8, 8, 4
  o.validate_on(X, T);
  struct Losses : hnn::Callback<double> {
    std::vector<double>* out;
    explicit Losses(std::vector<double>* o) : out(o) {}
    void on_batch_end(hnn::TrainingState<double>&, double L) override { out->push_back(L); }
  };
  o.callbacks.push_back(std::make_shared<Losses>(&batch_losses));
  const auto h = model.fit(X, T, mse, frozen, o);
  CHECK(h.names() == std::vector<std::string>{"loss", "penalty", "val_loss", "seconds"});
  for (int e = 0; e < 2; ++e) {
    CHECK(h["loss"][e] == doctest::Approx(data + R).epsilon(1e-12));
    CHECK(h["penalty"][e] == doctest::Approx(R).epsilon(1e-12));
    CHECK(h["val_loss"][e] == doctest::Approx(data).epsilon(1e-12));  // the predictions' loss
  }
  REQUIRE(batch_losses.size() == 6);
  const auto batch = [&](Index first, Index n) {
    return mse.value(model.predict(X.middleCols(first, n)), T.middleCols(first, n)) + R;
  };
  double mean = 0;
  for (int b = 0; b < 3; ++b)
    mean += batch_losses[std::size_t(b)] * (b < 2 ? 8 : 4);
  CHECK(mean / 20 == doctest::Approx(h["loss"][0]).epsilon(1e-12));
  o.shuffle = false;
  batch_losses.clear();
  model.fit(X, T, mse, frozen, o);
  CHECK(batch_losses[0] == doctest::Approx(batch(0, 8)).epsilon(1e-12));
  CHECK(batch_losses[2] == doctest::Approx(batch(16, 4)).epsilon(1e-12));

  // A model without a penalty records no "penalty".
  auto plain = small_model(Penalty(), Penalty());
  const auto hp = plain.fit(X, T, mse, frozen, quiet(1, 8));
  CHECK_FALSE(hp.has("penalty"));
}

TEST_CASE("penalty: an infinite R stops fit and says it is the penalty") {
  hnn::Random rng(1);
  hnn::Sequential<double> model(2);
  model.add(Linear<double>(2, 1, rng), Penalty::L2(1));
  model.parameters()[0].value().setConstant(1e200);  // W² overflows; W X = 0 for X = 0
  const Matrix<double> X = Matrix<double>::Zero(2, 4), T = Matrix<double>::Zero(1, 4);
  hnn::SGD<double> sgd(0.1);
  check_throws_with<hnn::NumericError>(
      [&] { model.fit(X, T, hnn::MSE<double>(), sgd, quiet(1, 4)); },
      "fit: the loss is inf at epoch 1, batch 1 of 1 (the penalty on the weights is inf)");
}

// Two runs of the same model and data, one with `penalty` on every weight
// matrix and optimizer `a`, the other with none and optimizer `b`: the largest
// difference between their weights after 3 epochs of shuffled batches.
template <typename MakeModel>
double largest_difference(MakeModel make, const Penalty& penalty, hnn::Optimizer<double>& a,
                          hnn::Optimizer<double>& b) {
  const Matrix<double> X = normal(3, 20, 6), T = normal(2, 20, 7);
  auto penalized = make(penalty);
  auto plain = make(Penalty());
  penalized.fit(X, T, hnn::MSE<double>(), a, quiet(3, 8));
  plain.fit(X, T, hnn::MSE<double>(), b, quiet(3, 8));
  auto p = penalized.parameters(), q = plain.parameters();
  double worst = 0;
  for (std::size_t k = 0; k < p.size(); ++k)
    worst = std::max(worst, (p[k].value() - q[k].value()).cwiseAbs().maxCoeff());
  return worst;
}

TEST_CASE("penalty: L2 with λ₂ = wd/2 takes the steps of the optimizers' weight_decay wd") {
  const double wd = 0.2, lr = 0.1;
  const auto linear = [](const Penalty& p) {  // weights only: no bias for weight_decay to decay
    hnn::Random rng(3);
    hnn::Sequential<double> m(3);
    m.add(Linear<double>(3, 6, rng), p)
        .add(hnn::Activation<double, hnn::Tanh>())
        .add(Linear<double>(6, 2, rng), p);
    return m;
  };
  SUBCASE("plain SGD: w ← (1 − η wd) w − η ∇w either way") {
    hnn::SGD<double> a(lr);
    hnn::SGDOptions o;
    o.learning_rate = lr;
    o.weight_decay = wd;
    hnn::SGD<double> b(o);
    CHECK(largest_difference(linear, Penalty::L2(wd / 2), a, b) <= 1e-12);
  }
  SUBCASE("SGD with momentum: the same term enters the momentum either way") {
    hnn::SGDOptions o;
    o.learning_rate = lr;
    o.momentum = 0.9;
    hnn::SGD<double> a(o);
    o.weight_decay = wd;
    hnn::SGD<double> b(o);
    CHECK(largest_difference(linear, Penalty::L2(wd / 2), a, b) <= 1e-12);
  }
  SUBCASE("Adam: the same term is divided by √v̂ either way; AdamW's decoupled decay differs") {
    hnn::AdamOptions o;
    o.learning_rate = 0.01;
    hnn::Adam<double> a(o);
    o.weight_decay = wd;
    hnn::Adam<double> b(o);
    CHECK(largest_difference(linear, Penalty::L2(wd / 2), a, b) <= 1e-12);
    hnn::Adam<double> c(0.01);
    hnn::AdamW<double> w(o);
    CHECK(largest_difference(linear, Penalty::L2(wd / 2), c, w) > 1e-4);
  }
  SUBCASE("with biases, weight_decay decays them too; the penalty does not") {
    hnn::SGD<double> a(lr);
    hnn::SGDOptions o;
    o.learning_rate = lr;
    o.weight_decay = wd;
    hnn::SGD<double> b(o);
    const auto dense = [](const Penalty& p) { return small_model(p, p, 3); };
    CHECK(largest_difference(dense, Penalty::L2(wd / 2), a, b) > 1e-4);
  }
}

TEST_CASE("penalty: the summary shows it under its layer") {
  hnn::Random rng(1);
  hnn::Sequential<float> model(4);
  model.add(hnn::Dense<float>(4, 3, rng), Penalty::L2(1e-4))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(3, 2, rng), Penalty{1e-3, 1e-4});
  const std::string s = model.summary();
  INFO(s);
  CHECK(s.find("0   Dense(4 → 3)                3                       15\n"
               "      penalty on W: l2=0.0001\n"
               "1   ReLU") != std::string::npos);
  CHECK(s.find("      penalty on W: l1=0.001, l2=0.0001\n") != std::string::npos);
  CHECK(Penalty().str() == "none");
  auto plain = model;
  plain.set_penalty(0, Penalty());
  plain.set_penalty(2, Penalty());
  CHECK(plain.summary().find("penalty") == std::string::npos);
}

TEST_CASE("penalty: bad values and layers without weights are refused, naming what is wrong") {
  hnn::Random rng(1);
  hnn::Sequential<float> model(4);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  check_throws_with<hnn::ArgumentError>(
      [&] {
        model.add(hnn::Dense<float>(4, 3, rng), Penalty{-1, 0});
      },
      "Sequential::add: penalty l1 must be a finite number >= 0, got -1");
  check_throws_with<hnn::ArgumentError>(
      [&] {
        model.add(hnn::Dense<float>(4, 3, rng), Penalty{0, nan});
      },
      "Sequential::add: penalty l2 must be a finite number >= 0, got nan");
  check_throws_with<hnn::ArgumentError>(
      [&] { model.add(hnn::Dense<float>(4, 3, rng), Penalty::L2(inf)); },
      "Sequential::add: penalty l2 must be a finite number >= 0, got inf");
  CHECK(model.size() == 0);  // nothing was added
  model.add(hnn::Dense<float>(4, 3, rng));
  check_throws_with<hnn::ArgumentError>(
      [&] { model.add(hnn::Activation<float, hnn::ReLU>(), Penalty::L2(0.1)); },
      "Sequential::add: layer 1 (ReLU) has no weights (a parameter named \"W\") for the penalty "
      "l2=0.1 to apply to");
  CHECK(model.size() == 1);
  model.add(hnn::Activation<float, hnn::ReLU>(), Penalty());  // no penalty: fine
  check_throws_with<hnn::ArgumentError>(
      [&] { model.set_penalty(0, Penalty::L1(-0.5)); },
      "Sequential::set_penalty: penalty l1 must be a finite number >= 0, got -0.5");
  check_throws_with<hnn::ArgumentError>([&] { model.set_penalty(1, Penalty::L1(0.5)); },
                                        "Sequential::set_penalty: layer 1 (ReLU) has no weights");
  CHECK_FALSE(model.has_penalty());  // unchanged
  CHECK_THROWS_AS(model.set_penalty(5, Penalty()), std::out_of_range);
}

// ---------------------------------------------------------------------------
// drop_last

// 2 → Spy → Dense(2 → 2): the Spy lists the samples of every training batch.
hnn::Sequential<double> spied(Index least = 1) {
  hnn::Random rng(2);
  hnn::Sequential<double> m(2);
  m.add(Spy<double>(least)).add(hnn::Dense<double>(2, 2, rng));
  return m;
}
Spy<double>& spy_of(hnn::Sequential<double>& m) {
  return dynamic_cast<Spy<double>&>(m.layer(0));
}

TEST_CASE("drop_last: ⌊N/B⌋ steps of B samples; without it ⌈N/B⌉, the last partial") {
  const Indexed d(10);
  hnn::SGD<double> sgd(0.01);
  for (const bool drop : {false, true}) {
    CAPTURE(drop);
    auto model = spied();
    auto o = quiet(3, 4);
    o.shuffle = false;
    o.drop_last = drop;
    Index batches_seen = 0;
    o.callbacks.push_back(std::make_shared<hnn::EpochCallback<double>>(
        [&](hnn::TrainingState<double>& s) { batches_seen = s.batches; }));
    model.fit(d.X, d.T, hnn::MSE<double>(), sgd, o);
    const auto& b = spy_of(model).batches;
    CHECK(batches_seen == (drop ? 2 : 3));
    REQUIRE(b.size() == std::size_t(drop ? 6 : 9));
    CHECK(b[0] == std::vector<int>{0, 1, 2, 3});
    CHECK(b[1] == std::vector<int>{4, 5, 6, 7});
    if (drop) {
      CHECK(b[2] == std::vector<int>{0, 1, 2, 3});  // the next epoch: samples 8 and 9 never
    } else {
      CHECK(b[2] == std::vector<int>{8, 9});
    }
  }
}

TEST_CASE("drop_last: shuffled, each epoch trains on B⌊N/B⌋ distinct samples, another remainder") {
  const Indexed d(10);
  hnn::SGD<double> sgd(0.01);
  auto model = spied();
  auto o = quiet(6, 4);
  o.drop_last = true;
  model.fit(d.X, d.T, hnn::MSE<double>(), sgd, o);
  const auto& b = spy_of(model).batches;
  REQUIRE(b.size() == 12);
  std::set<int> ever;
  std::set<std::set<int>> left_out;
  for (std::size_t e = 0; e < 6; ++e) {
    std::set<int> seen;
    for (std::size_t k = 0; k < 2; ++k) {
      CHECK(b[2 * e + k].size() == 4);
      seen.insert(b[2 * e + k].begin(), b[2 * e + k].end());
    }
    CHECK(seen.size() == 8);  // no sample twice in an epoch
    ever.insert(seen.begin(), seen.end());
    std::set<int> out;
    for (int j = 0; j < 10; ++j)
      if (!seen.count(j)) out.insert(j);
    left_out.insert(out);
  }
  CHECK(ever.size() == 10);    // every sample is trained on in some epoch
  CHECK(left_out.size() > 1);  // not the same two left out every time
}

TEST_CASE("drop_last: the epoch's loss and metrics are over the samples trained on") {
  const Indexed d(10);
  hnn::SGD<double> frozen(0.0);  // the weights stay, so each sample's loss is known
  auto model = spied();
  auto o = quiet(2, 4);
  o.drop_last = true;
  o.metrics = {hnn::Metric::mse()};
  const auto h = model.fit(d.X, d.T, hnn::MSE<double>(), frozen, o);
  const auto& b = spy_of(model).batches;
  for (std::size_t e = 0; e < 2; ++e) {
    std::vector<Index> used;
    for (std::size_t k = 0; k < 2; ++k)
      for (int j : b[2 * e + k])
        used.push_back(j);
    const Matrix<double> Xu = hnn::select_columns(d.X, used), Tu = hnn::select_columns(d.T, used);
    const auto on_used = model.evaluate(Xu, Tu, hnn::MSE<double>(), {hnn::Metric::mse()});
    CHECK(h["loss"][e] == doctest::Approx(on_used.loss).epsilon(1e-12));
    CHECK(h["mse"][e] == doctest::Approx(on_used["mse"]).epsilon(1e-12));
    const double all = model.evaluate(d.X, d.T, hnn::MSE<double>()).loss;
    CHECK(h["loss"][e] != doctest::Approx(all).epsilon(1e-9));  // not the mean over all 10
  }

  // Labels and accuracy, in order: the first 8 samples.
  o.shuffle = false;
  o.metrics = {hnn::Metric::accuracy()};
  hnn::Random rng(4);
  hnn::Sequential<double> cls(2);
  cls.add(hnn::Dense<double>(2, 3, rng));
  hnn::SGD<double> frozen_too(0.0);
  const auto hl = cls.fit(d.X, d.y, hnn::SoftmaxCrossEntropy<double>(), frozen_too, o);
  const auto first8 = cls.evaluate(d.X.leftCols(8), hnn::Labels(d.y.head(8)),
                                   hnn::SoftmaxCrossEntropy<double>(), {hnn::Metric::accuracy()});
  CHECK(hl["loss"][0] == doctest::Approx(first8.loss).epsilon(1e-12));
  CHECK(hl["accuracy"][0] == doctest::Approx(first8["accuracy"]).epsilon(1e-12));
}

TEST_CASE("drop_last: a layer that refuses a batch of one sample trains on 33 samples in 32s") {
  const Indexed d(33);
  hnn::SGD<double> sgd(0.01);
  auto model = spied(2);  // refuses fewer than 2 samples, as batch normalisation refuses 1
  auto o = quiet(2, 32);
  check_throws_with<hnn::ArgumentError>([&] { model.fit(d.X, d.T, hnn::MSE<double>(), sgd, o); },
                                        "Spy: a training batch of 1 sample(s)");
  o.drop_last = true;
  auto again = spied(2);
  const auto h = again.fit(d.X, d.T, hnn::MSE<double>(), sgd, o);
  CHECK(h.epochs() == 2);
  CHECK(spy_of(again).batches.size() == 2);  // one batch of 32 per epoch
}

TEST_CASE("drop_last: refused when no batch would be full; the full batch and B = N are fine") {
  const Indexed d(20);
  hnn::SGD<double> sgd(0.01);
  auto model = spied();
  auto o = quiet(1, 32);
  o.drop_last = true;
  check_throws_with<hnn::ArgumentError>(
      [&] { model.fit(d.X, d.T, hnn::MSE<double>(), sgd, o); },
      "fit: drop_last with batch_size 32 and only 20 samples would drop every sample (no batch is "
      "full): use a smaller batch_size, or batch_size = 0 for the full batch");
  CHECK(sgd.steps() == 0);
  CHECK(spy_of(model).batches.empty());
  for (const Index B : {Index(0), Index(20)}) {
    o.batch_size = B;
    auto m = spied();
    m.fit(d.X, d.T, hnn::MSE<double>(), sgd, o);
    REQUIRE(spy_of(m).batches.size() == 1);
    CHECK(spy_of(m).batches[0].size() == 20);
  }
}

TEST_CASE("drop_last: a stateful model trains on batches of one size when N is no multiple of B") {
  const Matrix<float> X = hnn_test::uniform(2, 30, 16), T = hnn_test::uniform(2, 30, 17);
  hnn::Random rng(1);
  hnn::Sequential<float> model(2);
  model.add(hnn_test::Carry<float>(2, true)).add(hnn::Dense<float>(2, 2, rng));
  hnn::SGD<float> sgd(0.05);
  auto o = hnn_test::quiet(2, 8);  // 8, 8, 8 and 6 left over
  o.shuffle = false;
  check_throws_with<hnn::ArgumentError>(
      [&] { model.fit(X, T, hnn::MSE<float>(), sgd, o); },
      "30 samples are not a multiple of batch_size 8 (drop_last = true leaves the last batch out)");
  o.drop_last = true;
  Index steps = 0;
  o.callbacks.push_back(std::make_shared<hnn::EpochCallback<float>>(
      [&](hnn::TrainingState<float>& s) { steps += s.batches; }));
  CHECK_NOTHROW(model.fit(X, T, hnn::MSE<float>(), sgd, o));
  CHECK(steps == 6);
  CHECK(sgd.steps() == 6);
}

}  // namespace regularization_tests
