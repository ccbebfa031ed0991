// SPDX-License-Identifier: MIT
// The three kinds of state a layer shows besides its parameters
// (layers/layer.hpp), through custom layers written as a user would
// (tests/model/test_layers_with_state.hpp), and how the library treats each:
//  (a) buffers (core/buffer.hpp): saved and loaded (io/model_file.hpp),
//      copied by clone(), by copying a Sequential and by copy_weights_from,
//      restored by EarlyStopping (model/callbacks.hpp), never trained,
//      clipped, monitored or counted, shown in the summary, left as they
//      were by check_layer (check/gradient_check.hpp);
//  (b) random draws in training: from the generator handed to forward, held
//      fixed by the gradient checker, seeded by fit (model/train.hpp) apart
//      from the sample order, the same on any thread count;
//  (c) sequence state (core/sequence_state.hpp): ∂L/∂h₀, checked by
//      check_layer and check_model, reset by fit at every epoch and around
//      validation, and fit's refusal of shuffled or unequal batches for a
//      stateful model.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "model/test_layers_with_state.hpp"
#include "test_support.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

// Everything in a namespace of this file's own: the suite compiles test files
// together (tests/CMakeLists.txt), where a plain anonymous namespace is shared.
namespace layer_state_tests {

using hnn::Index;
using hnn::Matrix;
using hnn_test::Carry;
using hnn_test::CarryWrongStateGradient;
using hnn_test::Centre;
using hnn_test::check_throws_with;
using hnn_test::MaskDropout;
using hnn_test::OwnGeneratorDropout;
using hnn_test::TempDir;

using hnn_test::quiet;
using hnn_test::uniform;

namespace {

// Centre(3) → Dense(3 → 4) → Tanh → Dense(4 → 2).
template <typename S>
hnn::Sequential<S> centre_model(std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<S> m(3);
  m.add(Centre<S>(3, 0.5))
      .add(hnn::Dense<S>(3, 4, rng))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(4, 2, rng));
  return m;
}

// The running mean of a model's first layer (a Centre).
template <typename S>
Matrix<S> running_mean(hnn::Sequential<S>& m) {
  return m.buffers().at(0).value();
}

// The line of `text` that contains `needle` ("" if none), and its last word.
std::string line_with(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  const std::size_t begin = text.rfind('\n', at) + 1, end = text.find('\n', at);
  return text.substr(begin, end - begin);
}
std::string last_word(const std::string& line) {
  return line.substr(line.find_last_of(' ') + 1);
}

// Records every buffer and parameter after each epoch.
struct StateRecorder : hnn::Callback<float> {
  std::vector<Matrix<float>> buffer, weight;
  void on_epoch_end(hnn::TrainingState<float>& s) override {
    buffer.push_back(s.model.buffers().at(0).value());
    weight.push_back(s.model.parameters().at(1).value());
  }
};

// An identity layer that keeps a copy of every training input: which samples
// the loop put in each batch, and in which order.
template <typename S>
class InputLog : public hnn::Layer<S> {
 public:
  using typename hnn::Layer<S>::In;
  std::vector<Matrix<S>> seen;
  std::string type_name() const override { return "InputLog"; }
  hnn::Shape compute_output_shape(const hnn::Shape& in) const override { return in; }
  std::unique_ptr<hnn::Layer<S>> clone() const override {
    return std::make_unique<InputLog>(*this);
  }

 protected:
  In forward_impl(In X, hnn::Mode mode) override {
    if (mode == hnn::Mode::train) seen.emplace_back(X);
    return X;
  }
  In backward_impl(In dY) override {
    if (!this->input_gradient_wanted()) return dY.leftCols(0);
    return dY;
  }
};

}  // namespace

// ===========================================================================
// (a) Buffers

TEST_CASE("buffers: a Centre layer shows its running mean as a buffer, not a parameter") {
  auto model = centre_model<float>(1);
  const auto params = model.parameters();
  const auto bufs = model.buffers();
  REQUIRE(bufs.size() == 1);
  CHECK(bufs[0].name() == "0.running_mean");
  CHECK(bufs[0].rows() == 3);
  for (const auto& p : params)
    CHECK(p.name().find("running_mean") == std::string::npos);
  CHECK(params.at(0).name() == "0.scale");
  // Trainable numbers only: 3 scales + (3·4 + 4) + (4·2 + 2) = 29; the 3
  // numbers of the running mean are not counted.
  CHECK(model.parameter_count() == 29);
  const std::string s = model.summary();
  INFO(s);
  CHECK(last_word(line_with(s, "total")) == "29");
  CHECK(last_word(line_with(s, "buffers (not trained)")) == "3");
}

TEST_CASE("buffers: training updates the running mean, inference uses it and leaves it") {
  auto model = centre_model<float>(1);
  const Matrix<float> X = uniform(3, 8, 2, 1.0, 3.0);
  CHECK(running_mean(model).isZero(0));
  model.forward(X, hnn::Mode::infer);
  CHECK(running_mean(model).isZero(0));  // inference does not update it
  model.forward(X, hnn::Mode::train);
  const Matrix<float> expected = 0.5f * X.rowwise().mean();  // μ ← ½ μ + ½ x̄ from μ = 0
  CHECK(running_mean(model).isApprox(expected));
  // Inference subtracts it: the same input, other predictions.
  auto fresh = centre_model<float>(1);
  CHECK(model.predict(X) != fresh.predict(X));
}

TEST_CASE("buffers: never given to an optimizer, clipped or monitored") {
  auto model = centre_model<float>(1);
  const Matrix<float> X = uniform(3, 8, 2, 1.0, 3.0);
  model.forward(X, hnn::Mode::train);  // a running mean other than 0
  const Matrix<float> mu = running_mean(model);
  REQUIRE_FALSE(mu.isZero(0));
  const Matrix<float> w0 = model.parameters()[1].value();
  std::vector<std::unique_ptr<hnn::Optimizer<float>>> optimizers;
  optimizers.push_back(std::make_unique<hnn::SGD<float>>(1.0));
  optimizers.push_back(std::make_unique<hnn::Adam<float>>(0.5));
  for (auto& opt : optimizers) {
    auto params = model.parameters();
    for (auto& p : params)
      p.grad().setConstant(100.0f);  // any gradient
    opt->step(params);
    INFO(opt->name());
    CHECK(running_mean(model) == mu);
  }
  CHECK(model.parameters()[1].value() != w0);  // the steps did move the parameters

  // Clipping sees the parameters' gradients only: the global norm is theirs.
  auto params = model.parameters();
  double sum = 0;
  for (auto& p : params) {
    p.grad().setConstant(2.0f);
    sum += double(p.grad().squaredNorm());
  }
  CHECK(hnn::clip_grad_norm(params, 1e-3) == doctest::Approx(std::sqrt(sum)));
  hnn::clip_grad_value(params, 1e-3);
  CHECK(running_mean(model) == mu);

  // A TrainingMonitor watches parameters, not buffers.
  auto monitor = std::make_shared<hnn::TrainingMonitor<float>>();
  auto o = quiet(1, 8);
  o.callbacks = {monitor};
  hnn::SGD<float> sgd(0.01);
  const Matrix<float> T = Matrix<float>::Zero(2, 8);
  model.fit(X, T, hnn::MSE<float>(), sgd, o);
  std::vector<std::string> names;
  for (const auto& p : model.parameters())
    names.push_back(p.name());
  CHECK(monitor->parameter_names() == names);
  CHECK_THROWS_AS(monitor->series("0.running_mean", &hnn::ParameterRecord::norm),
                  hnn::ArgumentError);
}

TEST_CASE("buffers: copied by clone(), by copying a Sequential and by copy_weights_from") {
  Centre<float> layer(3);
  const Matrix<float> X = uniform(3, 5, 3, 1.0, 2.0);
  layer.forward(X, hnn::Mode::train);
  const Matrix<float> mu = layer.running_mean();
  REQUIRE_FALSE(mu.isZero(0));

  auto clone = layer.clone();
  CHECK(Matrix<float>(clone->buffers().at(0).value()) == mu);
  clone->buffers().at(0).value().setConstant(9.0f);
  CHECK(layer.running_mean() == mu);  // independent afterwards
  clone->forward(X, hnn::Mode::train);
  CHECK(layer.running_mean() == mu);

  auto a = centre_model<float>(4);
  a.forward(X, hnn::Mode::train);
  const Matrix<float> mu_a = running_mean(a);
  hnn::Sequential<float> b = a;
  CHECK(running_mean(b) == mu_a);
  b.forward(uniform(3, 5, 5, 5.0, 6.0), hnn::Mode::train);  // moves b's only
  CHECK(running_mean(b) != mu_a);
  CHECK(running_mean(a) == mu_a);
  hnn::Sequential<float> c = centre_model<float>(4);
  c = a;  // copy assignment
  CHECK(running_mean(c) == mu_a);

  // copy_weights_from copies buffers as well as parameters.
  auto d = centre_model<float>(7);
  CHECK(running_mean(d) != mu_a);
  d.copy_weights_from(b);
  CHECK(running_mean(d) == running_mean(b));
  CHECK(d.parameters()[1].value() == b.parameters()[1].value());
}

TEST_CASE("buffers: saved and loaded with the model, through a registry that knows the layer") {
  TempDir dir;
  auto model = centre_model<float>(2);
  const Matrix<float> X = uniform(3, 6, 3, 1.0, 3.0);
  model.forward(X, hnn::Mode::train);
  const Matrix<float> mu = running_mean(model);
  REQUIRE_FALSE(mu.isZero(0));
  hnn::save_model(model, dir.file("c.hnn"));
  check_throws_with<hnn::FileError>([&] { hnn::load_model<float>(dir.file("c.hnn")); },
                                    "unknown layer type \"Centre\"");
  auto loaded =
      hnn::load_model<float>(dir.file("c.hnn"), hnn_test::registry_with_test_layers<float>());
  CHECK(running_mean(loaded) == mu);
  CHECK(loaded.predict(X) == model.predict(X));  // inference uses the loaded mean
  CHECK(loaded.summary() == model.summary());
  // load_weights into a model built in code puts the buffer back too.
  auto built = centre_model<float>(2);
  CHECK(running_mean(built).isZero(0));
  hnn::load_weights(built, dir.file("c.hnn"));
  CHECK(running_mean(built) == mu);
}

TEST_CASE("buffers: EarlyStopping's restore_best_weights puts back the best epoch's buffers") {
  const hnn_test::HalfwayData data;
  for (const bool restore : {true, false}) {
    INFO("restore_best_weights = " << restore);
    auto model = centre_model<float>(3);
    hnn::SGD<float> sgd(0.005);
    auto o = quiet(200, 8);
    o.validate_on(data.X, data.T_val);
    auto recorder = std::make_shared<StateRecorder>();
    auto stopper = std::make_shared<hnn::EarlyStopping<float>>(3, "val_loss", 0.0, restore);
    o.callbacks = {recorder, stopper};
    const auto h = model.fit(data.X, data.T, hnn::MSE<float>(), sgd, o);
    const int best = stopper->best_epoch();
    INFO("best epoch " << best << " of " << h.epochs());
    REQUIRE(best > 0);                     // the validation loss fell first,
    REQUIRE(int(h.epochs()) == best + 4);  // then rose for `patience` epochs
    const auto last = recorder->buffer.size() - 1;
    REQUIRE(recorder->buffer[std::size_t(best)] != recorder->buffer[last]);  // so it moved on
    if (restore) {
      CHECK(running_mean(model) == recorder->buffer[std::size_t(best)]);
      CHECK(model.parameters()[1].value() == recorder->weight[std::size_t(best)]);
    } else {
      CHECK(running_mean(model) == recorder->buffer[last]);
    }
  }
}

TEST_CASE("buffers: check_layer holds them fixed while it checks, and leaves them as they were") {
  Centre<double> layer(3);
  layer.parameters()[0].value() << 1.5, -0.5, 2.0;
  layer.buffers()[0].value() << 0.1, -0.2, 0.3;
  const Matrix<double> mu = layer.running_mean();
  const Matrix<double> X = hnn_test::away_from_zero(3, 4, 11);
  const auto report = hnn::check_layer(layer, X);  // training mode: each forward moves μ
  INFO(report.summary());
  CHECK(report.passed());
  REQUIRE(report.tensors.size() == 2);
  CHECK(report.tensors[1].name == "scale");
  CHECK(layer.running_mean() == mu);  // exactly as before the check
  // What the check undid: a training forward does move it.
  layer.forward(X, hnn::Mode::train);
  CHECK(layer.running_mean() != mu);

  // check_model too.
  auto model = centre_model<double>(12);
  model.buffers()[0].value() << 0.1, -0.2, 0.3;
  const Matrix<double> T = hnn_test::away_from_zero(2, 4, 13);
  const auto whole = hnn::check_model(model, X, T, hnn::MSE<double>());
  INFO(whole.summary());
  CHECK(whole.passed());
  CHECK(running_mean(model) == mu);
}

// ===========================================================================
// (b) Random draws in training

TEST_CASE("random draws: a training forward without a generator names the layer and the fix") {
  MaskDropout<float> layer(0.5);
  const Matrix<float> X = uniform(4, 3, 1);
  check_throws_with<hnn::ArgumentError>(
      [&] { layer.forward(X, hnn::Mode::train); },
      "MaskDropout(rate=0.5).forward: this layer draws random numbers in training mode; pass a "
      "generator, forward(X, Mode::train, rng)");
  CHECK(Matrix<float>(layer.forward(X, hnn::Mode::infer)) == X);  // inference draws nothing
  hnn::Random rng(1);
  CHECK_NOTHROW(layer.forward(X, hnn::Mode::train, rng));
  // The generator is that forward's only: the next one without is refused again.
  CHECK_THROWS_AS(layer.forward(X, hnn::Mode::train), hnn::ArgumentError);

  hnn::Random init(2);
  hnn::Sequential<float> model(4);
  model.add(hnn::Dense<float>(4, 4, init)).add(MaskDropout<float>(0.5));
  check_throws_with<hnn::ArgumentError>([&] { model.forward(X, hnn::Mode::train); },
                                        "MaskDropout(rate=0.5).forward: this layer draws random "
                                        "numbers in training mode; pass a generator");
  CHECK_NOTHROW(model.forward(X, hnn::Mode::train, rng));
}

TEST_CASE("random draws: check_layer holds them fixed; a layer with its own generator fails") {
  const Matrix<double> X = hnn_test::away_from_zero(5, 6, 3);
  MaskDropout<double> right(0.4);
  const auto good = hnn::check_layer(right, X);
  INFO(good.summary());
  CHECK(good.passed());

  // Drawing from a generator of its own, each forward has a new mask: the
  // finite differences compare outputs of different masks.
  OwnGeneratorDropout<double> wrong(0.4);
  const auto bad = hnn::check_layer(wrong, X);
  INFO(bad.summary());
  CHECK_FALSE(bad.passed());
  CHECK(bad.worst().name == "input");
}

TEST_CASE("random draws: a clone handed the same generator draws the same mask") {
  MaskDropout<float> layer(0.5);
  const Matrix<float> X = uniform(6, 5, 4, 1.0, 2.0);  // no zeros: the mask shows in Y
  auto clone = layer.clone();
  hnn::Random a(9), b(9), other(10);
  const Matrix<float> Ya = layer.forward(X, hnn::Mode::train, a);
  const Matrix<float> Yb = clone->forward(X, hnn::Mode::train, b);
  CHECK(Ya == Yb);
  CHECK(Matrix<float>(clone->forward(X, hnn::Mode::train, other)) != Ya);
  CHECK((Ya.array() == 0).any());              // some dropped,
  CHECK((Ya.array() == 2 * X.array()).any());  // the others scaled by 1/(1 − p)
}

namespace {
hnn::Sequential<float> dropout_classifier(std::uint64_t seed, bool dropout) {
  hnn::Random rng(seed);
  hnn::Sequential<float> m(2);
  m.add(InputLog<float>())
      .add(hnn::Dense<float>(2, 16, rng))
      .add(hnn::Activation<float, hnn::Tanh>());
  if (dropout) m.add(MaskDropout<float>(0.3));
  m.add(hnn::Dense<float>(16, 2, rng));
  return m;
}
hnn::Labels alternating(Index n) {
  hnn::Labels y(n);
  for (Index j = 0; j < n; ++j)
    y(j) = int(j % 2);
  return y;
}
}  // namespace

TEST_CASE("random draws: fit with the same seed is bit-identical, another seed differs") {
  const Matrix<float> X = uniform(2, 40, 5);
  const hnn::Labels y = alternating(40);
  const auto train = [&](std::uint64_t seed) {
    auto model = dropout_classifier(1, true);
    hnn::Adam<float> adam(0.01);
    auto o = quiet(3, 8);
    o.shuffle = false;  // only the draws depend on the seed
    o.seed = seed;
    model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, o);
    return Matrix<float>(model.parameters()[0].value());
  };
  const Matrix<float> a = train(1), b = train(1), c = train(2);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("random draws: the sample order does not depend on whether a layer draws") {
  const Matrix<float> X = uniform(2, 30, 6);
  const hnn::Labels y = alternating(30);
  const auto batches = [&](bool dropout, std::uint64_t seed) {
    auto model = dropout_classifier(1, dropout);
    hnn::SGD<float> sgd(0.1);
    auto o = quiet(3, 8);  // shuffled
    o.seed = seed;
    model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
    return dynamic_cast<InputLog<float>&>(model.layer(0)).seen;
  };
  const auto plain = batches(false, 3), with_dropout = batches(true, 3);
  REQUIRE(plain.size() == 12);  // 4 batches × 3 epochs
  CHECK(with_dropout == plain);
  CHECK(batches(false, 4) != plain);  // the log does see the order
}

TEST_CASE("random draws: the masks do not depend on the thread count") {
  // Large enough that Dense's products are split when two threads are there.
  const Matrix<float> X = uniform(128, 256, 7);
  hnn::Labels y(256);
  for (Index j = 0; j < y.size(); ++j)
    y(j) = int(j % 4);
  const auto masks = [&](int threads) {
    hnn::Random rng(8);
    hnn::Sequential<float> model(128);
    model.add(hnn::Dense<float>(128, 256, rng))
        .add(hnn::Activation<float, hnn::ReLU>())
        .add(MaskDropout<float>(0.5))
        .add(hnn::Dense<float>(256, 4, rng));
    std::vector<Matrix<float>> log;
    dynamic_cast<MaskDropout<float>&>(model.layer(2)).log = &log;
    hnn::Adam<float> adam(1e-3);
    hnn_test::OmpThreads n(threads);
    model.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), adam, quiet(2, 64));
    return log;
  };
  const auto one = masks(1), two = masks(2);
  REQUIRE(one.size() == 8);  // 4 batches × 2 epochs
  CHECK(two == one);
  CHECK(one[0] != one[1]);  // a new mask every batch
#if !defined(_OPENMP)
  MESSAGE("built without OpenMP: both runs used one thread");
#endif
}

// ===========================================================================
// (c) Sequence state

TEST_CASE("sequence state: the initial state, and ∂L/∂h₀ after backward") {
  for (const bool stateful : {false, true}) {
    INFO("stateful = " << stateful);
    Carry<double> layer(3, stateful);
    CHECK(layer.stateful() == stateful);
    const Matrix<double> X = hnn_test::away_from_zero(3, 4, 1);
    layer.forward(X, hnn::Mode::infer);  // sizes the state, from 0
    auto state = layer.sequence_state();
    REQUIRE(state.size() == 1);
    CHECK(state[0].name() == "h0");
    CHECK(state[0].rows() == 3);
    CHECK(state[0].cols() == 4);
    // A stateful layer carries the output on (Y = X + 0), the other starts again from 0.
    CHECK(Matrix<double>(state[0].initial()) ==
          (stateful ? X : Matrix<double>(Matrix<double>::Zero(3, 4))));
    const Matrix<double> H = hnn_test::away_from_zero(3, 4, 2);
    state[0].initial() = H;
    const Matrix<double> Y = layer.forward(X, hnn::Mode::train);
    CHECK(Y == X + H);  // the forward started from the state given
    const Matrix<double> G = hnn_test::away_from_zero(3, 4, 3);
    CHECK(Matrix<double>(layer.backward(G)) == G);
    CHECK(Matrix<double>(layer.sequence_state()[0].grad()) == G);  // ∂L/∂h₀ = dY
    // What the next forward starts from: this one's end, or 0.
    const Matrix<double> next = layer.sequence_state()[0].initial();
    CHECK(next == (stateful ? Y : Matrix<double>(Matrix<double>::Zero(3, 4))));
    layer.reset_state();
    CHECK(Matrix<double>(layer.sequence_state()[0].initial()).isZero(0));
    CHECK(layer.resets == 1);
  }
  hnn::Random rng(1);
  hnn::Sequential<double> model(3);
  model.add(hnn::Dense<double>(3, 3, rng)).add(Carry<double>(3, true));
  CHECK(model.stateful());
  model.forward(hnn_test::away_from_zero(3, 2, 4), hnn::Mode::infer);
  REQUIRE(model.sequence_state().size() == 1);
  CHECK(model.sequence_state()[0].name() == "1.h0");
  hnn::Sequential<double> plain(3);
  plain.add(hnn::Dense<double>(3, 3, rng)).add(Carry<double>(3, false));
  CHECK_FALSE(plain.stateful());
}

TEST_CASE("sequence state: check_layer checks ∂L/∂h₀ and catches a wrong one") {
  const Matrix<double> X = hnn_test::away_from_zero(3, 4, 5);
  for (const bool stateful : {false, true}) {
    INFO("stateful = " << stateful);
    Carry<double> right(3, stateful);
    const auto good = hnn::check_layer(right, X);
    INFO(good.summary());
    CHECK(good.passed());
    REQUIRE(good.tensors.size() == 2);
    CHECK(good.tensors[0].name == "input");
    CHECK(good.tensors[1].name == "h0");
    CHECK(good.tensors[1].error <= 1e-6);

    CarryWrongStateGradient<double> wrong(3, stateful);  // ∂L/∂h₀ = 2 dY
    const auto bad = hnn::check_layer(wrong, X);
    INFO(bad.summary());
    CHECK_FALSE(bad.passed());
    CHECK(bad.tensors[0].passed);  // the input gradient is right
    CHECK(bad.worst().name == "h0");
    CHECK(bad.worst().error == doctest::Approx(0.5));  // ‖2G − G‖ / ‖2G‖
  }
}

TEST_CASE("sequence state: check_layer leaves a stateful layer's state as it was") {
  Carry<double> layer(3, true);
  const Matrix<double> X = hnn_test::away_from_zero(3, 4, 6);
  layer.forward(X, hnn::Mode::infer);
  const Matrix<double> H = hnn_test::away_from_zero(3, 4, 7);
  layer.sequence_state()[0].initial() = H;
  const auto report = hnn::check_layer(layer, X);
  INFO(report.summary());
  CHECK(report.passed());
  CHECK(Matrix<double>(layer.sequence_state()[0].initial()) == H);
}

TEST_CASE("sequence state: check_model checks ∂L/∂h₀ through the model and catches a wrong one") {
  const Matrix<double> X = hnn_test::away_from_zero(2, 4, 8);
  const Matrix<double> T = hnn_test::away_from_zero(2, 4, 9);
  const auto model_with = [](std::unique_ptr<hnn::Layer<double>> carry) {
    hnn::Random rng(10);
    hnn::Sequential<double> m(2);
    m.add(hnn::Dense<double>(2, 3, rng))
        .add(std::move(carry))
        .add(hnn::Activation<double, hnn::Tanh>())
        .add(hnn::Dense<double>(3, 2, rng));
    return m;
  };
  auto right = model_with(std::make_unique<Carry<double>>(3, true));
  const auto good = hnn::check_model(right, X, T, hnn::MSE<double>());
  INFO(good.summary());
  CHECK(good.passed());
  REQUIRE_FALSE(good.tensors.empty());
  CHECK(good.tensors.back().name == "1.h0");

  auto wrong = model_with(std::make_unique<CarryWrongStateGradient<double>>(3, true));
  const auto bad = hnn::check_model(wrong, X, T, hnn::MSE<double>());
  INFO(bad.summary());
  CHECK_FALSE(bad.passed());
  CHECK(bad.worst().name == "1.h0");
  for (const auto& t : bad.tensors)
    if (t.name != "1.h0") CHECK(t.passed);
}

namespace {
// Dense(2 → 3) → Carry(3) → Dense(3 → 2).
hnn::Sequential<float> carry_model(bool stateful) {
  hnn::Random rng(11);
  hnn::Sequential<float> m(2);
  m.add(hnn::Dense<float>(2, 3, rng))
      .add(Carry<float>(3, stateful))
      .add(hnn::Dense<float>(3, 2, rng));
  return m;
}
Carry<float>& carry_of(hnn::Sequential<float>& m) {
  return dynamic_cast<Carry<float>&>(m.layer(1));
}
// The Carry's reset count when each epoch begins and ends.
struct ResetCounter : hnn::Callback<float> {
  std::vector<int> at_begin, at_end;
  void on_epoch_begin(hnn::TrainingState<float>& s) override {
    at_begin.push_back(carry_of(s.model).resets);
  }
  void on_epoch_end(hnn::TrainingState<float>& s) override {
    at_end.push_back(carry_of(s.model).resets);
  }
};
}  // namespace

TEST_CASE("sequence state: fit resets it at every epoch and before and after validation") {
  const Matrix<float> X = uniform(2, 24, 12), T = uniform(2, 24, 13);
  const Matrix<float> Xv = uniform(2, 16, 14), Tv = uniform(2, 16, 15);
  for (const bool validation : {false, true}) {
    for (const bool stateful : {false, true}) {
      INFO("validation " << validation << ", stateful " << stateful);
      auto model = carry_model(stateful);
      hnn::SGD<float> sgd(0.05);
      auto o = quiet(4, 8);
      o.shuffle = false;
      if (validation) o.validate_on(Xv, Tv);
      auto counter = std::make_shared<ResetCounter>();
      o.callbacks = {counter};
      model.fit(X, T, hnn::MSE<float>(), sgd, o);
      REQUIRE(counter->at_begin.size() == 4);
      for (int e = 0; e < 4; ++e) {
        // Once as the epoch starts; with validation, twice more around it.
        const int per_epoch = validation ? 3 : 1;
        CHECK(counter->at_begin[std::size_t(e)] == per_epoch * e + 1);
        CHECK(counter->at_end[std::size_t(e)] == per_epoch * (e + 1));
      }
      CHECK(carry_of(model).carried_into_inference == 0);  // validation started from 0
    }
  }
  // What the count of nonzero starts would have seen without the reset: the
  // state training left, carried into inference.
  auto model = carry_model(true);
  model.forward(X.leftCols(8), hnn::Mode::train);
  model.forward(X.leftCols(8), hnn::Mode::infer);
  CHECK(carry_of(model).carried_into_inference == 1);
}

TEST_CASE("sequence state: a stateful model needs batches in order and of one size") {
  const Matrix<float> X = uniform(2, 30, 16), T = uniform(2, 30, 17);
  hnn::SGD<float> sgd(0.05);
  auto stateful = carry_model(true);
  auto o = quiet(2, 10);  // shuffled
  check_throws_with<hnn::ArgumentError>(
      [&] { stateful.fit(X, T, hnn::MSE<float>(), sgd, o); },
      "fit: the model is stateful (a layer carries its state from batch to batch): set shuffle = "
      "false");
  o.shuffle = false;
  o.batch_size = 8;  // 8, 8, 8, 6
  check_throws_with<hnn::ArgumentError>(
      [&] { stateful.fit(X, T, hnn::MSE<float>(), sgd, o); },
      "fit: the model is stateful: every batch must have the same size, but 30 samples are not a "
      "multiple of batch_size 8");
  CHECK(sgd.steps() == 0);  // refused before any step

  // The same two settings are fine for a model that is not stateful.
  auto plain = carry_model(false);
  o.shuffle = true;
  CHECK_NOTHROW(plain.fit(X, T, hnn::MSE<float>(), sgd, o));

  // In order and in equal batches, the stateful model trains.
  hnn::SGD<float> sgd2(0.05);
  o.shuffle = false;
  o.batch_size = 10;
  o.epochs = 30;
  const auto h = stateful.fit(X, T, hnn::MSE<float>(), sgd2, o);
  CHECK(h.epochs() == 30);
  CHECK(h["loss"].back() < h["loss"].front());
  // One full batch is in order whatever shuffle says.
  o.shuffle = true;
  o.batch_size = 0;
  o.epochs = 1;
  CHECK_NOTHROW(stateful.fit(X, T, hnn::MSE<float>(), sgd2, o));
}

}  // namespace layer_state_tests
