// SPDX-License-Identifier: MIT
// The training loop's group of processes (model/training_group.hpp) without
// MPI: how a batch is shared out (shard), the slices the loop's batches hand
// each process, and that a group of one changes nothing. The group over MPI is
// tested in tests/distributed/ (hnn_distributed_tests, under mpirun).

#include <doctest/doctest.h>

#include <numeric>
#include <vector>

#include "hnn/hnn.hpp"

namespace test_training_group {

using hnn::Index;

// Which samples process `rank` of `ranks` trains on in each batch, in order.
std::vector<Index> samples_of(const hnn::Matrix<double>& X, const hnn::Labels& y, Index batch,
                              int rank, int ranks, bool shuffled) {
  hnn::detail::Batches<double, hnn::Labels> batches(X, y, batch, shuffled);
  batches.share(rank, ranks);
  hnn::Random rng(3);
  batches.shuffle(rng);
  std::vector<Index> out;
  for (Index b = 0; b < batches.count(); ++b) {
    const auto Xb = batches.inputs(b);
    const auto yb = batches.targets(b);
    CHECK(Xb.cols() == batches.slice(b).count);
    for (Index k = 0; k < Xb.cols(); ++k) {
      const Index j = batches.sample(b, k);
      CHECK(Xb(0, k) == X(0, j));  // the column is the sample it says
      CHECK(yb(k) == y(j));
      out.push_back(j);
    }
  }
  return out;
}

}  // namespace test_training_group

using hnn::Index;

TEST_CASE("training group: shard cuts a batch into contiguous slices in rank order") {
  for (const Index n : {1, 5, 10, 64, 65}) {
    for (int ranks = 1; ranks <= 5; ++ranks) {
      Index next = 0, smallest = n, largest = 0;
      for (int r = 0; r < ranks; ++r) {
        const hnn::Slice s = hnn::shard(n, r, ranks);
        CHECK(s.first == next);  // contiguous, in rank order
        next += s.count;
        smallest = std::min(smallest, s.count);
        largest = std::max(largest, s.count);
      }
      CHECK(next == n);                // every sample, once
      CHECK(largest - smallest <= 1);  // as even as can be
    }
  }
  CHECK(hnn::shard(10, 0, 3).count == 3);  // 3 + 3 + 4
  CHECK(hnn::shard(10, 2, 3).first == 6);
  CHECK(hnn::shard(10, 2, 3).count == 4);
}

// 24 samples in batches of 7 (the last of 3: one per rank; a rank without a
// sample in some batch is what distributed::train refuses).
TEST_CASE("training group: the ranks' slices of the batches are every sample once") {
  hnn::Matrix<double> X(1, 24);
  hnn::Labels y(24);
  for (Index j = 0; j < 24; ++j) {
    X(0, j) = double(j);
    y(j) = int(j % 4);
  }
  for (const bool shuffled : {false, true}) {
    const auto alone = test_training_group::samples_of(X, y, 7, 0, 1, shuffled);
    std::vector<Index> together;
    for (Index b = 0; b < 4; ++b) {  // batch b of each rank, one after the other
      for (int r = 0; r < 3; ++r) {
        const auto mine = test_training_group::samples_of(X, y, 7, r, 3, shuffled);
        const Index n = std::min<Index>(7, 24 - 7 * b);
        Index before = 0;
        for (Index c = 0; c < b; ++c)
          before += hnn::shard(std::min<Index>(7, 24 - 7 * c), r, 3).count;
        const hnn::Slice s = hnn::shard(n, r, 3);
        together.insert(together.end(), mine.begin() + before, mine.begin() + before + s.count);
      }
    }
    CHECK(together == alone);  // the slices, in rank order, are the lone process's batches
  }
}

TEST_CASE("training group: a group of one hands back what it is given") {
  hnn::TrainingGroup<double> alone;
  CHECK(alone.rank() == 0);
  CHECK(alone.size() == 1);
  CHECK(alone.reduce_loss(0.25, 3, 7) == 0.25);
  CHECK(alone.slice(7).first == 0);
  CHECK(alone.slice(7).count == 7);
  hnn::Random rng(1);
  hnn::Sequential<double> model(2);
  model.add(hnn::Dense<double>(2, 3, rng));
  const hnn::Matrix<double> X = hnn::Matrix<double>::Random(2, 5);
  CHECK(alone.predict(model, X, 2) == model.predict(X, 2));
  auto params = model.parameters();
  hnn::zero_grad(params);
  params[0].grad().setConstant(2.0);
  alone.reduce_gradients(params, 3, 7);
  CHECK(params[0].grad()(0, 0) == 2.0);
  CHECK(hnn::detail::layer_seed(5) == hnn::detail::layer_seed(5, 0));
  CHECK(hnn::detail::layer_seed(5, 1) != hnn::detail::layer_seed(5, 0));
}
