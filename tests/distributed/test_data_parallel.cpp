// SPDX-License-Identifier: MIT
// Data-parallel training over MPI (distributed/): run by every rank of
// `mpirun -np R` (R = 1, 2, 3; tests/CMakeLists.txt registers 2 and 3).
//
//   replicas     every rank holds bit-identical parameters, buffers and
//                optimizer state after every step (BatchNorm, dropout, a
//                penalty, Adam), while the dropout streams differ per rank
//   equivalence  R processes with batch B = one process with batch B, in
//                double: after 1 step within 1e-12, after 5 within 1e-10 (per
//                tensor ‖a − b‖ / ‖b‖), with SGD + momentum and with Adam
//   rank order   Reduction::rank_order = one process that computes the slices
//                one after the other and adds them in rank order, bit for bit
//   decisions    early stopping decides on reduced metrics: every rank stops
//                in the same epoch with the same History
//   errors       the architecture, the data differing between ranks; fewer
//                samples (in the dataset, a batch, the last batch) than ranks
// (main.cpp checks the error of a Communicator made without MPI.)

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "hnn/activations/relu.hpp"
#include "hnn/activations/tanh.hpp"
#include "hnn/distributed/consistency.hpp"
#include "hnn/distributed/data_parallel.hpp"
#include "hnn/layers/activation.hpp"
#include "hnn/layers/batch_norm.hpp"
#include "hnn/layers/dense.hpp"
#include "hnn/layers/dropout.hpp"
#include "hnn/losses/softmax_cross_entropy.hpp"
#include "hnn/model/callbacks.hpp"
#include "hnn/model/train.hpp"
#include "hnn/optimizers/adam.hpp"
#include "hnn/optimizers/sgd.hpp"

namespace test_data_parallel {

using hnn::Index;
using hnn::Matrix;
namespace dist = hnn::distributed;

// Three Gaussian blobs in 4-D, one sample per column.
template <typename S>
struct Blobs {
  Matrix<S> X;
  hnn::Labels y;
  Blobs(Index n, std::uint64_t seed) : X(4, n), y(n) {
    hnn::Random rng(seed);
    for (Index j = 0; j < n; ++j) {
      y(j) = int(j % 3);
      for (Index i = 0; i < 4; ++i)
        X(i, j) = S(rng.normal(i == y(j) ? 1.5 : -0.5, 0.8));
    }
  }
};

// Dense(4 → hidden), tanh, Dense(hidden → 3), a penalty on the first weights.
hnn::Sequential<double> mlp(std::uint64_t seed, Index hidden = 6) {
  hnn::Random rng(seed);
  hnn::Sequential<double> model(4);
  model.add(hnn::Dense<double>(4, hidden, rng), hnn::Penalty{1e-3, 1e-2})
      .add(hnn::Activation<double, hnn::Tanh>())
      .add(hnn::Dense<double>(hidden, 3, rng));
  return model;
}

template <typename S>
hnn::FitOptions<S> options(int epochs, Index batch) {
  hnn::FitOptions<S> o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.seed = 7;
  o.verbosity = hnn::Verbosity::quiet;
  return o;
}

// The largest ‖a − b‖ / ‖b‖ over the parameters of two models.
double largest_relative_difference(hnn::Sequential<double>& a, hnn::Sequential<double>& b) {
  auto pa = a.parameters(), pb = b.parameters();
  double worst = 0;
  for (std::size_t k = 0; k < pa.size(); ++k)
    worst = std::max(worst, (pa[k].value() - pb[k].value()).norm() / pb[k].value().norm());
  return worst;
}

// The message of what `f` throws as an ArgumentError ("" if nothing).
std::string argument_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const hnn::ArgumentError& e) {
    return e.what();
  }
  return "";
}

// Trains a model alone and one over every rank, from the same weights.
template <typename MakeOptimizer>
double distance_after(int epochs, Index n, Index batch, MakeOptimizer make_optimizer) {
  const Blobs<double> data(n, 3);
  const hnn::SoftmaxCrossEntropy<double> loss;
  hnn::Sequential<double> alone = mlp(11), together = mlp(11);
  auto opt_alone = make_optimizer(), opt_together = make_optimizer();
  hnn::train(alone, data.X, data.y, loss, opt_alone, options<double>(epochs, batch));
  dist::train(together, data.X, data.y, loss, opt_together, options<double>(epochs, batch));
  return largest_relative_difference(together, alone);
}

hnn::SGD<double> sgd_with_momentum() {
  hnn::SGDOptions o;
  o.learning_rate = 0.1;
  o.momentum = 0.9;
  return hnn::SGD<double>(o);
}
hnn::Adam<double> adam() {
  return hnn::Adam<double>(0.01);
}

// One process computing every rank's slice in turn, as Reduction::rank_order
// adds them up: the loop of model/train.hpp written out, R slices per batch.
template <typename S>
hnn::History simulate(hnn::Sequential<S>& model, hnn::Optimizer<S>& optimizer, const Blobs<S>& d,
                      const hnn::Loss<S>& loss, const hnn::FitOptions<S>& o, int ranks) {
  const Index N = d.X.cols(), B = o.batch_size;
  std::vector<Index> order(static_cast<std::size_t>(N));
  std::iota(order.begin(), order.end(), Index(0));
  hnn::Random order_random(o.seed), layer_random(1);
  auto params = model.parameters();
  auto penalized = model.penalized_weights();
  hnn::History history;
  std::vector<S> sum;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    order_random.shuffle(order.begin(), order.end());
    double epoch_sum = 0;
    for (Index b = 0; b * B < N; ++b) {
      const Index nb = std::min(B, N - b * B);
      double batch_loss = 0;
      for (int r = 0; r < ranks; ++r) {
        const hnn::Slice s = hnn::shard(nb, r, ranks);
        Matrix<S> Xs(d.X.rows(), s.count);
        hnn::Labels ys(s.count);
        for (Index k = 0; k < s.count; ++k) {
          Xs.col(k) = d.X.col(order[std::size_t(b * B + s.first + k)]);
          ys(k) = d.y(order[std::size_t(b * B + s.first + k)]);
        }
        hnn::zero_grad(params);
        const Matrix<S> P = model.forward(Xs, hnn::Mode::train, layer_random);
        Matrix<S> G(P.rows(), P.cols());
        const double ell = double(loss.value_and_gradient(P, ys, G));
        model.backward(G);
        const S w = S(s.count) / S(nb);
        batch_loss += ell * double(s.count) / double(nb);
        Index at = 0;
        for (auto& p : params) {
          const auto g = p.grad();
          if (r == 0) sum.resize(std::size_t(at + g.size()));
          for (Index i = 0; i < g.size(); ++i)
            sum[std::size_t(at + i)] =
                r == 0 ? w * g.data()[i] : sum[std::size_t(at + i)] + w * g.data()[i];
          at += g.size();
        }
      }
      Index at = 0;
      for (auto& p : params) {
        auto g = p.grad();
        for (Index i = 0; i < g.size(); ++i)
          g.data()[i] = sum[std::size_t(at + i)];
        at += g.size();
      }
      const double R = hnn::penalty_value(penalized);
      hnn::add_penalty_gradients(penalized);
      optimizer.step(params);
      epoch_sum += (batch_loss + R) * double(nb);
    }
    history.record("loss", epoch_sum / double(N));
  }
  return history;
}

}  // namespace test_data_parallel

using namespace test_data_parallel;

TEST_CASE("distributed: the replicas stay bit-identical after every step") {
  const dist::Communicator comm;
  const Blobs<float> data(90, 5);
  hnn::Random rng(21);
  hnn::Sequential<float> model(4);
  model.add(hnn::Dense<float>(4, 8, rng), hnn::Penalty::L2(1e-3))
      .add(hnn::BatchNorm<float>(8))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dropout<float>(0.3))
      .add(hnn::Dense<float>(8, 3, rng));
  hnn::Adam<float> optimizer(0.01);
  if (comm.rank() > 0) {  // a different start everywhere else: rank 0's is broadcast
    for (auto& p : model.parameters())
      p.value().array() += 0.5f * float(comm.rank());
  }

  struct Watch : hnn::Callback<float> {
    const dist::Communicator& comm;
    int steps = 0, mismatches = 0;
    bool streams_differ = false;
    explicit Watch(const dist::Communicator& c) : comm(c) {}
    void on_train_begin(hnn::TrainingState<float>& s) override {
      const auto h = dist::Hasher().add(s.layer_random->state()).value();
      streams_differ =
          comm.size() == 1 || dist::ranks_differing(comm, h).size() == std::size_t(comm.size() - 1);
    }
    void on_batch_end(hnn::TrainingState<float>& s, double) override {
      ++steps;
      if (!dist::replicas_identical(comm, s.model, s.optimizer)) ++mismatches;
    }
  };
  auto watch = std::make_shared<Watch>(comm);
  auto o = options<float>(3, 20);  // 90 = 4 × 20 + 10: a last, smaller batch
  o.callbacks.push_back(watch);
  o.metrics.push_back(hnn::Metric::accuracy());
  const hnn::SoftmaxCrossEntropy<float> loss;
  const hnn::History h = dist::train(model, data.X, data.y, loss, optimizer, o);

  CHECK(watch->steps == 15);
  CHECK(watch->mismatches == 0);
  CHECK(watch->streams_differ);  // dropout draws differ per rank
  CHECK(h["loss"].size() == 3);
  dist::Hasher history_hash;
  for (const char* series : {"loss", "penalty", "accuracy"})
    history_hash.add_bits(h[series].data(), Index(h[series].size()));
  CHECK(dist::ranks_differing(comm, history_hash.value()).empty());
}

TEST_CASE("distributed: SGD with momentum on R processes = one process on the whole batch") {
  const double one_step = distance_after(1, 10, 10, sgd_with_momentum);  // 10 = 5 + 5 = 3 + 3 + 4
  const double five_steps = distance_after(1, 50, 10, sgd_with_momentum);
  MESSAGE("SGD+momentum ‖a − b‖/‖b‖ after 1 step " << one_step << ", after 5 " << five_steps);
  CHECK(one_step <= 1e-12);
  CHECK(five_steps <= 1e-10);
}

TEST_CASE("distributed: Adam on R processes = one process on the whole batch") {
  const double one_step = distance_after(1, 10, 10, adam);
  const double five_steps = distance_after(1, 50, 10, adam);
  MESSAGE("Adam ‖a − b‖/‖b‖ after 1 step " << one_step << ", after 5 " << five_steps);
  CHECK(one_step <= 1e-12);
  CHECK(five_steps <= 1e-10);
}

TEST_CASE("distributed: rank_order reduction = one process simulating the slices, bit for bit") {
  const dist::Communicator comm;
  const hnn::SoftmaxCrossEntropy<double> loss;
  const Blobs<double> data(45, 9);  // batches of 10 and a last of 5: 3+3+4, 1+2+2 on 3 ranks
  hnn::Sequential<double> together = mlp(13), simulated = mlp(13);
  hnn::Adam<double> opt_together(0.02), opt_simulated(0.02);
  dist::DataParallel<double> group(comm, dist::Reduction::rank_order);
  const auto o = options<double>(2, 10);
  const hnn::History h = dist::train(together, data.X, data.y, loss, opt_together, o, group);
  const hnn::History hs = simulate(simulated, opt_simulated, data, loss, o, comm.size());

  CHECK(dist::state_hash(together, opt_together) == dist::state_hash(simulated, opt_simulated));
  CHECK(h["loss"] == hs["loss"]);
  CHECK(group.gradients().calls() == 10);
  CHECK(group.gradients().size() == 4 * 6 + 6 + 6 * 3 + 3);
  // The default reduction gives the same numbers up to rounding.
  hnn::Sequential<double> fast = mlp(13);
  hnn::Adam<double> opt_fast(0.02);
  dist::train(fast, data.X, data.y, loss, opt_fast, o);
  CHECK(largest_relative_difference(fast, simulated) <= 1e-10);
}

TEST_CASE("distributed: callbacks decide on metrics reduced over the ranks") {
  const dist::Communicator comm;
  const Blobs<double> data(60, 4), validation(31, 8);
  hnn::Sequential<double> model = mlp(17);
  hnn::SGD<double> optimizer(0.5);
  auto o = options<double>(40, 12);
  o.validate_on(validation.X, validation.y);
  o.metrics.push_back(hnn::Metric::accuracy());
  auto stop = std::make_shared<hnn::EarlyStopping<double>>(2, "val_loss", 1e-3);
  o.callbacks.push_back(stop);
  const hnn::SoftmaxCrossEntropy<double> loss;
  const hnn::History h = dist::train(model, data.X, data.y, loss, optimizer, o);

  const auto epochs = comm.all_gather(std::uint64_t(h["loss"].size()));
  for (const auto e : epochs)
    CHECK(e == epochs[0]);
  dist::Hasher hash;
  for (const char* series : {"loss", "accuracy", "val_loss", "val_accuracy"})
    hash.add_bits(h[series].data(), Index(h[series].size()));
  CHECK(dist::ranks_differing(comm, hash.value()).empty());

  // Evaluation shared out over the ranks = evaluation alone.
  const auto mine =
      dist::evaluate(model, validation.X, validation.y, loss, {hnn::Metric::accuracy()}, 8, comm);
  const auto alone =
      hnn::evaluate(model, validation.X, validation.y, loss, {hnn::Metric::accuracy()}, 8);
  CHECK(mine.loss == doctest::Approx(alone.loss).epsilon(1e-12));
  CHECK(mine["accuracy"] == alone["accuracy"]);
}

TEST_CASE("distributed: what differs between ranks, or is too small to share, is refused") {
  const dist::Communicator comm;
  const hnn::SoftmaxCrossEntropy<double> loss;
  const int R = comm.size();
  const Blobs<double> data(40, 2);
  if (R == 1) {
    MESSAGE("one process: nothing can differ between ranks");
    return;
  }
  SUBCASE("a different architecture on rank 1") {
    hnn::Sequential<double> model = mlp(1, comm.rank() == 1 ? 7 : 6);
    hnn::SGD<double> optimizer(0.1);
    const auto what = argument_error(
        [&] { dist::train(model, data.X, data.y, loss, optimizer, options<double>(1, 10)); });
    CHECK(what.find("the model (layers, shapes) on rank 1 differs from rank 0's") !=
          std::string::npos);
  }
  SUBCASE("different data on rank 1") {
    Blobs<double> mine = data;
    if (comm.rank() == 1) mine.X(2, 5) += 1;
    hnn::Sequential<double> model = mlp(1);
    hnn::SGD<double> optimizer(0.1);
    const auto what = argument_error(
        [&] { dist::train(model, mine.X, mine.y, loss, optimizer, options<double>(1, 10)); });
    CHECK(what.find("the training data on rank 1 differs") != std::string::npos);
  }
  SUBCASE("a different batch size on the last rank") {
    hnn::Sequential<double> model = mlp(1);
    hnn::SGD<double> optimizer(0.1);
    const Index b = comm.rank() == R - 1 ? 8 : 10;
    const auto what = argument_error(
        [&] { dist::train(model, data.X, data.y, loss, optimizer, options<double>(1, b)); });
    CHECK(what.find("fit options, validation data or optimizer on rank " + std::to_string(R - 1)) !=
          std::string::npos);
  }
  SUBCASE("fewer samples than ranks") {
    const Blobs<double> tiny(R - 1, 2);
    hnn::Sequential<double> model = mlp(1);
    hnn::SGD<double> optimizer(0.1);
    const auto what = argument_error(
        [&] { dist::train(model, tiny.X, tiny.y, loss, optimizer, options<double>(1, 0)); });
    CHECK(what.find("the dataset has " + std::to_string(R - 1) + " samples for " +
                    std::to_string(R) + " processes") != std::string::npos);
  }
  SUBCASE("a batch smaller than the ranks, and a last batch smaller than the ranks") {
    hnn::Sequential<double> model = mlp(1);
    hnn::SGD<double> optimizer(0.1);
    CHECK(argument_error([&] {
            dist::train(model, data.X, data.y, loss, optimizer, options<double>(1, R - 1));
          }).find("is smaller than the") != std::string::npos);
    const Blobs<double> odd(4 * R + 1, 2);  // batches of 2R: the last has one sample
    const auto what = argument_error(
        [&] { dist::train(model, odd.X, odd.y, loss, optimizer, options<double>(1, 2 * R)); });
    CHECK(what.find("the last batch of every epoch has 1 samples") != std::string::npos);
    auto o = options<double>(1, 2 * R);
    o.drop_last = true;  // leaves that last sample out: accepted
    CHECK(argument_error([&] { dist::train(model, odd.X, odd.y, loss, optimizer, o); }).empty());
  }
}
