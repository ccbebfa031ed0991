// SPDX-License-Identifier: MIT
// FitOptions::augment (model/train.hpp): called once per training batch on a
// copy of its inputs, with a generator of its own; the data given to fit is
// never changed; an augmentation that changes nothing trains exactly as none;
// a seed gives the same run twice; validation data is never augmented. The
// image shifts themselves are tested in tests/data/test_augment.cpp.

#include <doctest/doctest.h>

#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

struct Run {
  std::vector<Matrix<float>> parameters;
  hnn::History history;
  std::vector<Index> batch_sizes;  // what augment was called with, in order
};

// A small image model trained for 2 epochs on 20 random 1×5×5 images, batches of 8.
Run train(bool shuffle, const std::function<void(hnn::MutRef<float>, hnn::Random&)>& augment,
          std::uint64_t seed = 4) {
  hnn::Random data_rng(1);
  Matrix<float> X(25, 20);
  data_rng.fill_uniform(X, 0.0, 1.0);
  const Matrix<float> X_before = X;
  hnn::Labels y(20);
  for (Index j = 0; j < 20; ++j)
    y(j) = int(j % 3);
  hnn::Random rng(2);
  hnn::Sequential<float> m(hnn::Shape{1, 5, 5});
  m.add(hnn::Conv2D<float>(1, 2, hnn::Window(3), rng))
      .add(hnn::Flatten<float>())
      .add(hnn::Dense<float>(18, 3, rng));
  hnn::SGD<float> sgd(0.1);
  hnn::FitOptions<float> o;
  o.epochs = 2;
  o.batch_size = 8;
  o.shuffle = shuffle;
  o.seed = seed;
  o.verbosity = hnn::Verbosity::quiet;
  o.validate_on(X, y);
  Run r;
  if (augment) {
    o.augment = [&](hnn::MutRef<float> Xb, hnn::Random& g) {
      r.batch_sizes.push_back(Xb.cols());
      augment(Xb, g);
    };
  }
  r.history = m.fit(X, y, hnn::SoftmaxCrossEntropy<float>(), sgd, o);
  CHECK(X == X_before);  // fit's data is never changed
  for (auto& p : m.parameters())
    r.parameters.emplace_back(p.value());
  return r;
}

const auto noise = [](hnn::MutRef<float> Xb, hnn::Random& g) {
  for (Index j = 0; j < Xb.cols(); ++j)
    for (Index i = 0; i < Xb.rows(); ++i)
      Xb(i, j) += float(g.uniform(-0.2, 0.2));
};

}  // namespace

TEST_CASE("fit: augment is called on every training batch, and changes what is learned") {
  for (const bool shuffle : {true, false}) {
    INFO("shuffled: " << shuffle);
    const Run plain = train(shuffle, {});
    const Run noisy = train(shuffle, noise);
    CHECK(noisy.batch_sizes == std::vector<Index>{8, 8, 4, 8, 8, 4});  // 2 epochs of 8, 8, 4
    CHECK(noisy.parameters[0] != plain.parameters[0]);
    // The validation loss of the first epoch is measured on the data as given.
    CHECK(noisy.history["val_loss"][0] != noisy.history["loss"][0]);
  }
}

TEST_CASE("fit: an augmentation that changes nothing trains exactly as none") {
  for (const bool shuffle : {true, false}) {
    INFO("shuffled: " << shuffle);
    const Run plain = train(shuffle, {});
    const Run same = train(shuffle, [](hnn::MutRef<float>, hnn::Random& g) { g.uniform(); });
    REQUIRE(same.parameters.size() == plain.parameters.size());
    for (std::size_t k = 0; k < plain.parameters.size(); ++k)
      CHECK(same.parameters[k] == plain.parameters[k]);
    CHECK(same.history["loss"] == plain.history["loss"]);
  }
}

TEST_CASE("fit: an augmented run is the same for the same seed, and another for another") {
  const Run a = train(true, noise), b = train(true, noise), c = train(true, noise, 5);
  for (std::size_t k = 0; k < a.parameters.size(); ++k)
    CHECK(a.parameters[k] == b.parameters[k]);
  CHECK(a.parameters[0] != c.parameters[0]);
}

TEST_CASE("fit: image shifts as the augmentation (data/augment.hpp)") {
  const Run shifted = train(true, hnn::RandomShift<float>(hnn::Shape{1, 5, 5}, 1));
  CHECK(shifted.batch_sizes.size() == 6);
  CHECK(shifted.history["loss"].size() == 2);
  // A shift of the wrong image shape is the augmentation's own ShapeError.
  CHECK_THROWS_AS(train(true, hnn::RandomShift<float>(hnn::Shape{1, 4, 6}, 1)), hnn::ShapeError);
}
