// SPDX-License-Identifier: MIT
// Random shifts of images (data/augment.hpp): shift_image moves every pixel
// by exactly (dy, dx) and fills what is uncovered, for each sign of each and
// for one and three channels; RandomShift draws one (dy, dx) per sample,
// uniformly over {−k, …, k}², from the caller's generator in column order,
// allocates nothing on a steady call, and refuses bad arguments by name.

#include "hnn/data/augment.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;
using hnn::Shape;
using hnn::Vector;

namespace {

// The nested-loop definition: out(c, h, w) = in(c, h − dy, w − dx) inside
// the frame, fill outside; value (c, h, w) at (h W + w) C + c.
template <typename Scalar>
Vector<Scalar> reference_shift(const Vector<Scalar>& in, const Shape& s, Index dy, Index dx,
                               Scalar fill) {
  const Index C = s[0], H = s[1], W = s[2];
  Vector<Scalar> out(in.size());
  for (Index h = 0; h < H; ++h)
    for (Index w = 0; w < W; ++w)
      for (Index c = 0; c < C; ++c) {
        const Index hs = h - dy, ws = w - dx;
        const bool inside = hs >= 0 && hs < H && ws >= 0 && ws < W;
        out((h * W + w) * C + c) = inside ? in((hs * W + ws) * C + c) : fill;
      }
  return out;
}

template <typename Scalar>
Vector<Scalar> shifted(const Vector<Scalar>& in, const Shape& s, Index dy, Index dx,
                       Scalar fill = Scalar(0)) {
  Vector<Scalar> out = Vector<Scalar>::Constant(in.size(), Scalar(-99));
  hnn::shift_image(in.data(), out.data(), s, dy, dx, fill);
  return out;
}

// A one-channel image from its rows, as written on the page.
Vector<double> image(std::initializer_list<double> values) {
  Vector<double> v(Index(values.size()));
  Index k = 0;
  for (double x : values)
    v(k++) = x;
  return v;
}

// n samples of `shape` with distinct values 1, 2, 3, …
template <typename Scalar>
Matrix<Scalar> counting_batch(const Shape& shape, Index n) {
  Matrix<Scalar> X(shape.size(), n);
  for (Index k = 0; k < X.size(); ++k)
    X.data()[k] = Scalar(k + 1);
  return X;
}

// Where the single 1 of a column is.
Index position_of_one(const Matrix<double>& X, Index j) {
  Index at = -1;
  X.col(j).maxCoeff(&at);
  return at;
}

}  // namespace

TEST_CASE("shift_image: a one-channel image moves by (dy, dx) for each sign of each") {
  const Shape s = Shape::image(1, 3, 4);
  const Vector<double> x = image({1, 2, 3, 4,  //
                                  5, 6, 7, 8,  //
                                  9, 10, 11, 12});
  CHECK(shifted(x, s, 0, 0) == x);
  CHECK(shifted(x, s, 1, 1) == image({0, 0, 0, 0,  // down and right
                                      0, 1, 2, 3,  //
                                      0, 5, 6, 7}));
  CHECK(shifted(x, s, 1, -1) == image({0, 0, 0, 0,  // down and left
                                       2, 3, 4, 0,  //
                                       6, 7, 8, 0}));
  CHECK(shifted(x, s, -1, 1) == image({0, 5, 6, 7,    // up and right
                                       0, 9, 10, 11,  //
                                       0, 0, 0, 0}));
  CHECK(shifted(x, s, -1, -1) == image({6, 7, 8, 0,     // up and left
                                        10, 11, 12, 0,  //
                                        0, 0, 0, 0}));
  CHECK(shifted(x, s, 0, 2) == image({0, 0, 1, 2,  // right only
                                      0, 0, 5, 6,  //
                                      0, 0, 9, 10}));
  CHECK(shifted(x, s, -2, 0) == image({9, 10, 11, 12,  // up only
                                       0, 0, 0, 0,     //
                                       0, 0, 0, 0}));
  // By the height or the width or more: nothing of the image is left.
  CHECK(shifted(x, s, 3, 0).isZero());
  CHECK(shifted(x, s, 0, -4).isZero());
  CHECK(shifted(x, s, -7, 9).isZero());
}

TEST_CASE("shift_image: three channels move together, pixel by pixel, with the fill value") {
  // value (c, h, w) = 100 c + 10 h + w + 1, at (h W + w) C + c.
  const Index C = 3, H = 2, W = 3;
  const Shape s = Shape::image(C, H, W);
  Vector<double> x(s.size());
  for (Index h = 0; h < H; ++h)
    for (Index w = 0; w < W; ++w)
      for (Index c = 0; c < C; ++c)
        x((h * W + w) * C + c) = double(100 * c + 10 * h + w + 1);
  CHECK(x.head(6) == (Vector<double>(6) << 1, 101, 201, 2, 102, 202).finished());

  // Down by 1, left by 1, fill −1: row 0 is uncovered, and so is the last
  // pixel of row 1; out(c, 1, w) = in(c, 0, w + 1).
  const Vector<double> y = shifted(x, s, 1, -1, -1.0);
  Vector<double> expected(s.size());
  expected << -1, -1, -1, -1, -1, -1, -1, -1, -1,  // row 0: three pixels of fill
      2, 102, 202, 3, 103, 203, -1, -1, -1;        // row 1: (0, 1), (0, 2), fill
  CHECK(y == expected);

  // Up by 1, right by 2, fill 0.5: out(c, 0, 2) = in(c, 1, 0), the rest fill.
  const Vector<double> z = shifted(x, s, -1, 2, 0.5);
  Vector<double> expected_z = Vector<double>::Constant(s.size(), 0.5);
  for (Index c = 0; c < C; ++c)
    expected_z((0 * W + 2) * C + c) = double(100 * c + 10 * 1 + 0 + 1);
  CHECK(z == expected_z);
}

TEST_CASE_TEMPLATE("shift_image agrees with the nested-loop definition for every shift", Scalar,
                   float, double) {
  for (const Shape& s : {Shape::image(1, 5, 4), Shape::image(3, 4, 6), Shape::image(2, 1, 3)}) {
    const Vector<Scalar> x = counting_batch<Scalar>(s, 1).col(0);
    for (Index dy = -6; dy <= 6; ++dy)
      for (Index dx = -7; dx <= 7; ++dx) {
        INFO("shape " << s << ", dy = " << dy << ", dx = " << dx);
        CHECK(shifted(x, s, dy, dx, Scalar(0.25)) == reference_shift(x, s, dy, dx, Scalar(0.25)));
      }
  }
}

TEST_CASE("shift_image refuses a shape that is not an image") {
  const Vector<double> x = Vector<double>::Zero(12);
  Vector<double> y(12);
  hnn_test::check_throws_with<hnn::ShapeError>(
      [&] { hnn::shift_image(x.data(), y.data(), Shape{12}, 1, 1); },
      "shift_image: shape 12 is not an image {C, H, W}");
}

TEST_CASE_TEMPLATE("RandomShift with max_shift 0 is the identity and draws nothing", Scalar, float,
                   double) {
  const Shape s = Shape::image(2, 3, 3);
  const Matrix<Scalar> X = counting_batch<Scalar>(s, 4);
  hnn::RandomShift<Scalar> shift(s, 0);
  hnn::Random rng(5);
  const std::string before = rng.state();

  Matrix<Scalar> Y = Matrix<Scalar>::Zero(X.rows(), X.cols());
  shift.apply(X, Y, rng);
  CHECK(Y == X);
  Matrix<Scalar> Z = X;
  shift(Z, rng);
  CHECK(Z == X);
  CHECK(rng.state() == before);
}

TEST_CASE("RandomShift: each sample gets the shift of its own two draws, dy then dx, in order") {
  const Shape s = Shape::image(3, 6, 5);
  const Index k = 2, n = 40;
  const Matrix<double> X = counting_batch<double>(s, n);
  hnn::RandomShift<double> shift(s, k, -1.0);
  hnn::Random rng(11), replay(11);

  Matrix<double> Y(X.rows(), n);
  shift.apply(X, Y, rng);
  for (Index j = 0; j < n; ++j) {
    const Index dy = Index(replay.below(2 * k + 1)) - k;
    const Index dx = Index(replay.below(2 * k + 1)) - k;
    INFO("sample " << j << ": dy = " << dy << ", dx = " << dx);
    CHECK(Vector<double>(Y.col(j)) == reference_shift<double>(X.col(j), s, dy, dx, -1.0));
  }
  CHECK(rng.state() == replay.state());  // two draws per sample, no more
}

TEST_CASE_TEMPLATE("RandomShift: in place and into another matrix give the same, seed for seed",
                   Scalar, float, double) {
  const Shape s = Shape::image(1, 8, 8);
  const Matrix<Scalar> X = counting_batch<Scalar>(s, 16);
  hnn::RandomShift<Scalar> shift(s, 3);

  hnn::Random a(2024), b(2024), c(2024);
  Matrix<Scalar> Y1(X.rows(), X.cols()), Y2(X.rows(), X.cols());
  shift.apply(X, Y1, a);
  shift.apply(X, Y2, b);
  CHECK(Y1 == Y2);  // the same seed: the same shifts
  CHECK(Y1 != X);

  Matrix<Scalar> Z = X;
  shift(Z, c);
  CHECK(Z == Y1);

  hnn::Random other(2025);
  Matrix<Scalar> Y3(X.rows(), X.cols());
  shift.apply(X, Y3, other);
  CHECK(Y3 != Y1);  // another seed: other shifts

  // A second batch from the same generator continues its stream.
  Matrix<Scalar> Y4(X.rows(), X.cols());
  shift.apply(X, Y4, a);
  CHECK(Y4 != Y1);
}

TEST_CASE("RandomShift draws every shift in [−k, k]² about equally often") {
  // One bright pixel in the middle of a 9 × 9 image: where it lands is the shift.
  const Index k = 2, H = 9, W = 9, n = 10000;
  const Shape s = Shape::image(1, H, W);
  Matrix<double> X = Matrix<double>::Zero(s.size(), n);
  X.row(4 * W + 4).setOnes();
  hnn::RandomShift<double> shift(s, k);
  hnn::Random rng(3);
  shift(X, rng);

  std::map<std::pair<Index, Index>, int> count;
  for (Index j = 0; j < n; ++j) {
    REQUIRE(X.col(j).sum() == 1.0);  // never pushed out of the frame
    const Index at = position_of_one(X, j);
    ++count[{at / W - 4, at % W - 4}];
  }
  REQUIRE(count.size() == std::size_t((2 * k + 1) * (2 * k + 1)));
  const double expected = double(n) / double(count.size());  // 400 each
  for (const auto& entry : count) {
    const Index dy = entry.first.first, dx = entry.first.second;
    const int times = entry.second;
    INFO("dy = " << dy << ", dx = " << dx << ": " << times << " times");
    CHECK(std::abs(dy) <= k);
    CHECK(std::abs(dx) <= k);
    // Binomial(10000, 1/25): σ ≈ 19.6; 5σ ≈ 100.
    CHECK(std::abs(double(times) - expected) < 100.0);
  }
}

TEST_CASE("RandomShift allocates nothing on a steady call, nor through a training-loop hook") {
  const Shape s = Shape::image(3, 12, 12);
  const Matrix<float> X = counting_batch<float>(s, 32);
  Matrix<float> Y(X.rows(), X.cols());
  Matrix<float> batch = X;
  hnn::RandomShift<float> shift(s, 2);
  hnn::Random rng(9);
  // What fit would hold: a std::function over a copy of the shift.
  std::function<void(hnn::MutRef<float>, hnn::Random&)> augment = shift;

  shift.apply(X, Y, rng);  // first calls (nothing is sized by them, but be fair)
  shift(batch, rng);
  augment(batch.leftCols(32), rng);
  {
    hnn_test::HeapWatch heap;
    shift.apply(X, Y, rng);
    shift(batch, rng);
    augment(batch.leftCols(32), rng);
    augment(batch.leftCols(7), rng);  // the last, partial batch: a view of the buffer
    CHECK(heap.count() == 0);
  }
}

TEST_CASE("RandomShift through a std::function hook shifts a view of a reused buffer") {
  const Shape s = Shape::image(1, 4, 4);
  const Matrix<double> X = counting_batch<double>(s, 5);
  Matrix<double> buffer = Matrix<double>::Constant(X.rows(), 8, 7.0);  // sized for 8
  buffer.leftCols(5) = X;
  std::function<void(hnn::MutRef<double>, hnn::Random&)> augment = hnn::RandomShift<double>(s, 1);
  hnn::Random rng(4), same(4);
  augment(buffer.leftCols(5), rng);

  Matrix<double> expected(X.rows(), 5);
  hnn::RandomShift<double>(s, 1).apply(X, expected, same);
  CHECK(buffer.leftCols(5) == expected);
  CHECK((buffer.rightCols(3).array() == 7.0).all());  // the columns beyond the batch untouched
}

TEST_CASE("RandomShift refuses bad arguments, naming itself and the argument") {
  using hnn::ArgumentError;
  using hnn::RandomShift;
  using hnn::ShapeError;
  using hnn_test::check_throws_with;
  const Shape mnist = Shape::image(1, 28, 28);

  check_throws_with<ShapeError>([] { RandomShift<float>(Shape{784}, 2); },
                                "RandomShift: shape 784 is not an image {C, H, W}");
  check_throws_with<ShapeError>(
      [] {
        RandomShift<float>(Shape{28, 28}, 2);
      },
      "RandomShift: shape 28×28 is not an image {C, H, W}");
  check_throws_with<ArgumentError>([&] { RandomShift<float>(mnist, -1); },
                                   "RandomShift: max_shift must be >= 0, got -1");
  check_throws_with<ArgumentError>(
      [&] { RandomShift<float>(mnist, 28); },
      "RandomShift: max_shift must be smaller than the image's height and width (28×28), got 28");
  check_throws_with<ArgumentError>(
      [] { RandomShift<float>(Shape::image(1, 28, 5), 5); },
      "RandomShift: max_shift must be smaller than the image's height and width (28×5), got 5");
  check_throws_with<ArgumentError>([&] { RandomShift<double>(mnist, 2, std::nan("")); },
                                   "RandomShift: fill must be a finite number, got nan");
  check_throws_with<ArgumentError>([&] { RandomShift<float>(mnist, 2, INFINITY); },
                                   "RandomShift: fill must be a finite number, got inf");

  RandomShift<float> shift(mnist, 2);
  hnn::Random rng(1);
  Matrix<float> flat(783, 4);
  check_throws_with<ShapeError>(
      [&] { shift(flat, rng); },
      "RandomShift: batch has shape (783 × 4), expected 784 rows (samples of 1×28×28 = 784 "
      "values)");
  Matrix<float> out(784, 4);
  check_throws_with<ShapeError>([&] { shift.apply(flat, out, rng); },
                                "RandomShift.apply: input has shape (783 × 4), expected 784 rows");
  const Matrix<float> X = Matrix<float>::Zero(784, 4);
  Matrix<float> narrow(784, 3);
  check_throws_with<ShapeError>(
      [&] { shift.apply(X, narrow, rng); },
      "RandomShift.apply: output has shape (784 × 3) but input has shape (784 × 4)");
  Matrix<float> same = X;
  check_throws_with<ArgumentError>([&] { shift.apply(same, same, rng); },
                                   "RandomShift.apply: output overlaps input");
  Matrix<float> wide = Matrix<float>::Zero(784, 8);
  check_throws_with<ArgumentError>([&] { shift.apply(wide.leftCols(5), wide.rightCols(5), rng); },
                                   "RandomShift.apply: output overlaps input");
  shift.apply(wide.leftCols(4), wide.rightCols(4), rng);  // side by side: fine
  CHECK(shift.describe() == "RandomShift(1×28×28, ±2 px)");
}
