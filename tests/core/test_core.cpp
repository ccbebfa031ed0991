// SPDX-License-Identifier: MIT
// The core: the seeded random engine (deterministic, with the right
// statistics), shape strings and shape checks with their messages, the error
// hierarchy, and Parameter views that write through to a layer.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "hnn/hnn.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

struct Moments {
  double mean = 0, stddev = 0, min = 0, max = 0;
};

template <typename Draw>
Moments moments(int count, Draw&& draw) {
  std::vector<double> x(static_cast<std::size_t>(count));
  for (auto& v : x)
    v = draw();
  Moments m;
  m.mean = std::accumulate(x.begin(), x.end(), 0.0) / count;
  double ss = 0;
  for (double v : x)
    ss += (v - m.mean) * (v - m.mean);
  m.stddev = std::sqrt(ss / (count - 1));
  m.min = *std::min_element(x.begin(), x.end());
  m.max = *std::max_element(x.begin(), x.end());
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------
// Random

TEST_CASE("Random: the same seed gives the same sequence") {
  // 1000 uniforms, 1001 normals (odd: the Box–Muller spare is in play too),
  // 100 integers.
  auto draws = [](std::uint64_t seed) {
    hnn::Random r(seed);
    std::vector<double> v;
    for (int i = 0; i < 1000; ++i)
      v.push_back(r.uniform());
    for (int i = 0; i < 1001; ++i)
      v.push_back(r.normal());
    for (int i = 0; i < 100; ++i)
      v.push_back(static_cast<double>(r.below(17)));
    return v;
  };
  CHECK(draws(123) == draws(123));
  CHECK(draws(123) != draws(124));
  CHECK(hnn::Random().uniform() == hnn::Random(42).uniform());  // the default seed
}

TEST_CASE("Random: seed() restarts the sequence, spare normal included") {
  hnn::Random fresh(7);
  const double first = fresh.normal();
  const double second = fresh.normal();

  hnn::Random r(99);
  r.normal();  // leaves the sine twin waiting
  r.seed(7);
  CHECK(r.normal() == first);  // not the stale twin
  CHECK(r.normal() == second);
}

TEST_CASE("Random: the numbers are the same on every platform") {
  // mt19937_64's output is fixed by the standard: with seed 5489 its
  // 10000th number is 9981545732273789042. uniform() is its top 53 bits
  // times 2⁻⁵³.
  hnn::Random r(5489);
  for (int i = 0; i < 9999; ++i)
    r.uniform();
  const std::uint64_t x10000 = 9981545732273789042ULL;
  CHECK(r.uniform() == static_cast<double>(x10000 >> 11) * 0x1.0p-53);
}

TEST_CASE("Random: uniform draws lie in 0 ≤ u < 1 with mean 1/2 and variance 1/12") {
  hnn::Random r(1);
  const auto m = moments(100000, [&] { return r.uniform(); });
  CHECK(m.min >= 0.0);
  CHECK(m.max < 1.0);
  CHECK(m.min < 1e-3);  // and it does reach both ends
  CHECK(m.max > 1 - 1e-3);
  CHECK(std::abs(m.mean - 0.5) < 0.005);                       // standard error 0.0009
  CHECK(std::abs(m.stddev / std::sqrt(1.0 / 12) - 1) < 0.01);  // std √(1/12) = 0.2887

  const auto w = moments(100000, [&] { return r.uniform(-3.0, 5.0); });
  CHECK(w.min >= -3.0);
  CHECK(w.max < 5.0);
  CHECK(std::abs(w.mean - 1.0) < 0.04);  // standard error 0.0073
  CHECK(std::abs(w.stddev / (8 / std::sqrt(12.0)) - 1) < 0.01);
}

TEST_CASE("Random: normal has mean 0 and standard deviation 1 over 100k draws") {
  hnn::Random r(2);
  const auto m = moments(100000, [&] { return r.normal(); });
  CHECK(std::abs(m.mean) < 0.02);  // standard error 0.003
  CHECK(std::abs(m.stddev - 1.0) < 0.02);
  CHECK(m.min < -3.5);  // tails exist: P(z < −3.5) = 2.3e-4, ~23 draws
  CHECK(m.max > 3.5);

  const auto s = moments(100000, [&] { return r.normal(5.0, 2.0); });
  CHECK(std::abs(s.mean - 5.0) < 0.04);
  CHECK(std::abs(s.stddev - 2.0) < 0.04);

  // About 68.3 % within one standard deviation.
  int inside = 0;
  for (int i = 0; i < 100000; ++i)
    inside += std::abs(r.normal()) < 1.0;
  CHECK(std::abs(inside / 100000.0 - 0.6827) < 0.01);
}

TEST_CASE("Random: below(n) lies in 0 ≤ k < n and hits every value about equally") {
  hnn::Random r(3);
  std::vector<int> counts(8, 0);  // counts[7]: out of range
  for (int i = 0; i < 7000; ++i)
    ++counts[std::min<std::uint64_t>(r.below(7), 7)];
  CHECK(counts[7] == 0);
  for (int k = 0; k < 7; ++k)
    CHECK(std::abs(counts[static_cast<std::size_t>(k)] - 1000) < 150);  // binomial std ≈ 29
  std::uint64_t ones = 0;
  for (int i = 0; i < 100; ++i)
    ones += r.below(1);
  CHECK(ones == 0);
  // A large n, beyond 32 bits.
  const std::uint64_t big = (std::uint64_t(1) << 40) + 3;
  std::uint64_t largest = 0;
  for (int i = 0; i < 100; ++i)
    largest = std::max(largest, r.below(big));
  CHECK(largest < big);
  CHECK(largest > (std::uint64_t(1) << 39));
}

TEST_CASE("Random: shuffle is a permutation, and seeded") {
  std::vector<int> v(100);
  std::iota(v.begin(), v.end(), 0);
  const std::vector<int> original = v;

  hnn::Random r(4);
  r.shuffle(v.begin(), v.end());
  CHECK(v != original);  // 1 chance in 100! of a false alarm
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == original);

  std::vector<int> w = original;
  hnn::Random r2(4);
  r2.shuffle(w.begin(), w.end());
  CHECK(w == v);

  // Every position can receive every element: over many shuffles of 4, each
  // of the 24 orders turns up.
  std::vector<int> seen(25, 0);  // seen[24]: not a permutation
  hnn::Random r3(5);
  for (int i = 0; i < 2400; ++i) {
    std::vector<int> s{0, 1, 2, 3};
    r3.shuffle(s.begin(), s.end());
    std::vector<int> p = {0, 1, 2, 3};
    int rank = 0;
    do {
      if (p == s) break;
      ++rank;
    } while (std::next_permutation(p.begin(), p.end()));
    ++seen[static_cast<std::size_t>(std::min(rank, 24))];
  }
  CHECK(seen[24] == 0);  // every result is an order of 0, 1, 2, 3
  for (int k = 0; k < 24; ++k)
    CHECK(std::abs(seen[static_cast<std::size_t>(k)] - 100) < 50);  // standard deviation ≈ 10

  // Empty and one-element ranges are fine; so are Eigen vectors.
  std::vector<int> none, one{42};
  r.shuffle(none.begin(), none.end());
  r.shuffle(one.begin(), one.end());
  CHECK(one == std::vector<int>{42});
  Eigen::VectorXi idx = Eigen::VectorXi::LinSpaced(10, 0, 9);
  r.shuffle(idx.data(), idx.data() + idx.size());
  std::sort(idx.data(), idx.data() + idx.size());
  CHECK(idx == Eigen::VectorXi::LinSpaced(10, 0, 9));
}

TEST_CASE("Random: fill_uniform and fill_normal fill column by column from the sequence") {
  hnn::Random a(8), b(8);
  Matrix<float> m(3, 2);
  a.fill_uniform(m, -1.0, 1.0);
  for (Index j = 0; j < 2; ++j)
    for (Index i = 0; i < 3; ++i)
      CHECK(m(i, j) == static_cast<float>(b.uniform(-1.0, 1.0)));
  Matrix<double> n(2, 2);
  a.fill_normal(n, 1.0, 0.5);
  CHECK(n(0, 0) == b.normal(1.0, 0.5));
  CHECK(n(1, 0) == b.normal(1.0, 0.5));
}

// ---------------------------------------------------------------------------
// Shapes

TEST_CASE("shape_string") {
  CHECK(hnn::shape_string(4, 3) == "(4 × 3)");
  CHECK(hnn::shape_string(Matrix<float>(2, 5)) == "(2 × 5)");
  CHECK(hnn::shape_string(Matrix<double>(0, 7)) == "(0 × 7)");
  CHECK(hnn::shape_string(hnn::Vector<double>(6)) == "(6 × 1)");
  const Matrix<double> m(3, 8);
  CHECK(hnn::shape_string(m.leftCols(2)) == "(3 × 2)");
}

TEST_CASE("check_rows: passes or names who checks, what, its shape and the rows expected") {
  const Matrix<double> m(5, 2);
  CHECK_NOTHROW(hnn::check_rows("Dense(5 → 1).forward", "input", m, 5));
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { hnn::check_rows("Dense(4 → 3).forward", "input", m, 4); },
      "Dense(4 → 3).forward: input has shape (5 × 2), expected 4 rows");
}

TEST_CASE("check_same_shape: passes or names both operands and both shapes") {
  const Matrix<double> a(2, 3), b(3, 2), c(2, 3);
  CHECK_NOTHROW(hnn::check_same_shape("MSE", "prediction", a, "target", c));
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { hnn::check_same_shape("MSE", "prediction", a, "target", b); },
      "MSE: prediction has shape (2 × 3) but target has shape (3 × 2)");
  // Same size, different shape, is still a mismatch.
  const Matrix<double> d(6, 1);
  CHECK_THROWS_AS(hnn::check_same_shape("f", "a", a, "d", d), hnn::ShapeError);
  // Mixed scalar types and expressions are fine.
  const Matrix<float> e(2, 3);
  CHECK_NOTHROW(hnn::check_same_shape("f", "a", a, "e", e));
  CHECK_NOTHROW(hnn::check_same_shape("f", "a", b.transpose(), "e", e));
}

TEST_CASE("check_nonempty") {
  CHECK_NOTHROW(hnn::check_nonempty("Softmax.forward", "input", 3, 1));
  hnn_test::check_throws_with<hnn::ShapeError>(
      [] { hnn::check_nonempty("Softmax.forward", "input", 3, 0); },
      "Softmax.forward: input is empty (3 × 0)");
  CHECK_THROWS_AS(hnn::check_nonempty("f", "x", 0, 4), hnn::ShapeError);
}

// ---------------------------------------------------------------------------
// Errors

TEST_CASE_TEMPLATE("every hnn error is an hnn::Error and a std::runtime_error", E, hnn::ShapeError,
                   hnn::ArgumentError, hnn::FileError, hnn::NumericError) {
  static_assert(std::is_base_of<hnn::Error, E>::value, "derives from hnn::Error");
  static_assert(std::is_base_of<std::runtime_error, E>::value, "derives from runtime_error");
  bool as_hnn = false, as_std = false;
  try {
    throw E("what went wrong");
  } catch (const hnn::Error& e) {
    as_hnn = std::string(e.what()) == "what went wrong";
  }
  try {
    throw E("what went wrong");
  } catch (const std::runtime_error& e) {
    as_std = std::string(e.what()) == "what went wrong";
  }
  CHECK(as_hnn);
  CHECK(as_std);
}

TEST_CASE("hnn::Error itself is a std::runtime_error and the kinds are distinct") {
  static_assert(std::is_base_of<std::runtime_error, hnn::Error>::value, "");
  static_assert(!std::is_base_of<hnn::ShapeError, hnn::ArgumentError>::value, "");
  static_assert(!std::is_base_of<hnn::ArgumentError, hnn::ShapeError>::value, "");
  // A ShapeError is not caught as an ArgumentError.
  bool wrong_handler = false, right_handler = false;
  try {
    try {
      throw hnn::ShapeError("s");
    } catch (const hnn::ArgumentError&) {
      wrong_handler = true;
    }
  } catch (const hnn::ShapeError&) {
    right_handler = true;
  }
  CHECK_FALSE(wrong_handler);
  CHECK(right_handler);
}

// ---------------------------------------------------------------------------
// Types and Parameter

TEST_CASE("one sample per column: a partial batch is a view, not a copy") {
  static_assert(std::is_same<hnn::Matrix<float>::Scalar, float>::value, "");
  static_assert(!hnn::Matrix<double>::IsRowMajor, "column-major: each sample contiguous");
  static_assert(std::is_same<hnn::Labels, Eigen::VectorXi>::value, "");
  Matrix<double> batch(3, 8);
  batch.setRandom();
  const hnn::ConstRef<double> part = batch.leftCols(5);
  CHECK(part.data() == batch.data());
  CHECK(part.cols() == 5);
  hnn::MutRef<double> writable = batch.leftCols(2);
  writable(1, 1) = 42;
  CHECK(batch(1, 1) == 42);
}

TEST_CASE("Parameter: name, shape, and views that write through to the storage") {
  Matrix<double> value = Matrix<double>::Zero(2, 3), grad = Matrix<double>::Zero(2, 3);
  hnn::Parameter<double> p("W", value, grad);
  CHECK(p.name() == "W");
  CHECK(p.rows() == 2);
  CHECK(p.cols() == 3);
  CHECK(p.size() == 6);
  CHECK(p.value().data() == value.data());
  CHECK(p.grad().data() == grad.data());

  p.value()(1, 2) = 5;
  CHECK(value(1, 2) == 5);
  p.grad().setOnes();
  CHECK(grad == Matrix<double>::Ones(2, 3));
  value(0, 0) = -1;  // and the other way round
  CHECK(p.value()(0, 0) == -1);
}

TEST_CASE("Parameter views write through to a layer's weights") {
  hnn::Random rng(1);
  hnn::Dense<float> dense(3, 2, rng);
  auto params = dense.parameters();
  REQUIRE(params.size() == 2);
  CHECK(params[0].name() == "W");
  CHECK(params[0].rows() == 2);
  CHECK(params[0].cols() == 3);
  CHECK(params[1].name() == "b");
  CHECK(params[1].rows() == 2);
  CHECK(params[1].cols() == 1);  // a bias is a column vector

  params[0].value().setConstant(0.5f);
  params[1].value()(1, 0) = 2.0f;
  CHECK(dense.W() == Matrix<float>::Constant(2, 3, 0.5f));
  CHECK(dense.b()(1, 0) == 2.0f);
  // and the layer computes with them: z = 0.5 (1 + 2 + 3) + b
  Matrix<float> x(3, 1);
  x << 1, 2, 3;
  const Matrix<float> z = dense.forward(x, hnn::Mode::infer);
  CHECK(z(0, 0) == 3.0f);
  CHECK(z(1, 0) == 5.0f);

  // A raw-pointer update is seen too.
  params[0].value().data()[0] = -7.0f;
  CHECK(dense.W()(0, 0) == -7.0f);
}
