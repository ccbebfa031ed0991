// SPDX-License-Identifier: MIT
// The pooling layers (layers/max_pool2d.hpp, layers/avg_pool2d.hpp,
// layers/global_avg_pool2d.hpp): gradient checks over many windows, strides
// and paddings; the forward pass against a nested-loop reference written here
// with (c, h, w) indexing; ties, padding and routing by hand; deliberately
// wrong backward passes that the check must catch; every bad input; and what
// the catalogue's tests do for these layers (tests/catalogue/pooling.hpp).

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "catalogue.hpp"
#include "catalogue/pooling.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/avg_pool2d.hpp"
#include "hnn/layers/global_avg_pool2d.hpp"
#include "hnn/layers/max_pool2d.hpp"
#include "test_support.hpp"

namespace pooling_test {

using hnn::Index;
using hnn::Matrix;
using hnn::Shape;

// Where value (c, h, w) of an image sample of `shape` {C, H, W} sits in its
// column: (h W + w) C + c (core/shape.hpp).
inline Index offset(const Shape& shape, Index c, Index h, Index w) {
  return (h * shape[2] + w) * shape[0] + c;
}

// A window, stride and padding over an input, with the output and the
// padding before the first row and column worked out by hand.
struct Case {
  const char* name;
  hnn::Window window;
  Index stride;
  hnn::Padding padding;
  Shape input, output;
  Index top, left;
};

inline std::vector<Case> cases() {
  using hnn::Padding;
  using hnn::Window;
  return {
      {"2×2 stride 2", Window(2), 2, Padding::valid(), {1, 4, 4}, {1, 2, 2}, 0, 0},
      {"3×3 stride 2, overlapping", Window(3), 2, Padding::valid(), {2, 7, 7}, {2, 3, 3}, 0, 0},
      {"2×2 stride 1, overlapping", Window(2), 1, Padding::valid(), {3, 4, 5}, {3, 3, 4}, 0, 0},
      {"3×3 stride 2 padding 1", Window(3), 2, Padding(1), {2, 6, 5}, {2, 3, 3}, 1, 1},
      {"3×3 stride 1 same", Window(3), 1, Padding::same(), {2, 5, 4}, {2, 5, 4}, 1, 1},
      // H: out 3, total (3−1)·2 + 2 − 5 = 1 → 0 above, 1 below; W: out 4, total 2 → 1, 1.
      {"2×3 stride 2 same", Window(2, 3), 2, Padding::same(), {3, 5, 7}, {3, 3, 4}, 0, 1},
      // stride 0: the window's height, 3.
      {"3×2 default stride, padding 1", Window(3, 2), 0, Padding(1), {4, 6, 6}, {4, 2, 3}, 1, 1},
      {"2×2 stride 3, gaps", Window(2), 3, Padding::valid(), {2, 7, 8}, {2, 2, 3}, 0, 0},
      {"1×1 stride 1", Window(1), 1, Padding::valid(), {2, 3, 3}, {2, 3, 3}, 0, 0},
      // total (3−1)·2 + 4 − 5 = 3 → 1 above and left, 2 below and right.
      {"4×4 stride 2 same, uneven", Window(4), 2, Padding::same(), {1, 5, 5}, {1, 3, 3}, 1, 1},
      {"2×4 stride 1 padding 1", Window(2, 4), 1, Padding(1), {1, 3, 4}, {1, 4, 3}, 1, 1},
  };
}

// The reference max pool, written from the definition: padding is −∞.
// Returns Y and, in `argmax`, the offset of each maximum.
inline Matrix<double> reference_max(const Case& k, const Matrix<double>& X, Matrix<Index>& argmax) {
  const Shape& in = k.input;
  const Shape& out = k.output;
  const Index stride = k.stride == 0 ? k.window.height : k.stride;
  Matrix<double> Y(out.size(), X.cols());
  argmax.resize(out.size(), X.cols());
  for (Index n = 0; n < X.cols(); ++n)
    for (Index c = 0; c < out[0]; ++c)
      for (Index i = 0; i < out[1]; ++i)
        for (Index j = 0; j < out[2]; ++j) {
          double best = -std::numeric_limits<double>::infinity();
          Index where = -1;
          for (Index u = 0; u < k.window.height; ++u)
            for (Index v = 0; v < k.window.width; ++v) {
              const Index h = i * stride - k.top + u, w = j * stride - k.left + v;
              const bool inside = h >= 0 && h < in[1] && w >= 0 && w < in[2];
              if (!inside) continue;  // −∞: never larger than best
              if (X(offset(in, c, h, w), n) > best) {
                best = X(offset(in, c, h, w), n);
                where = offset(in, c, h, w);
              }
            }
          Y(offset(out, c, i, j), n) = best;
          argmax(offset(out, c, i, j), n) = where;
        }
  return Y;
}

// The reference average pool: padding is 0, and the divisor is kh·kw.
inline Matrix<double> reference_avg(const Case& k, const Matrix<double>& X) {
  const Shape& in = k.input;
  const Shape& out = k.output;
  const Index stride = k.stride == 0 ? k.window.height : k.stride;
  Matrix<double> Y(out.size(), X.cols());
  for (Index n = 0; n < X.cols(); ++n)
    for (Index c = 0; c < out[0]; ++c)
      for (Index i = 0; i < out[1]; ++i)
        for (Index j = 0; j < out[2]; ++j) {
          double sum = 0;
          for (Index u = 0; u < k.window.height; ++u)
            for (Index v = 0; v < k.window.width; ++v) {
              const Index h = i * stride - k.top + u, w = j * stride - k.left + v;
              const bool inside = h >= 0 && h < in[1] && w >= 0 && w < in[2];
              sum += inside ? X(offset(in, c, h, w), n) : 0.0;
            }
          Y(offset(out, c, i, j), n) = sum / double(k.window.height * k.window.width);
        }
  return Y;
}

inline Matrix<double> reference_global(const Shape& in, const Matrix<double>& X) {
  Matrix<double> Y(in[0], X.cols());
  for (Index n = 0; n < X.cols(); ++n)
    for (Index c = 0; c < in[0]; ++c) {
      double sum = 0;
      for (Index h = 0; h < in[1]; ++h)
        for (Index w = 0; w < in[2]; ++w)
          sum += X(offset(in, c, h, w), n);
      Y(c, n) = sum / double(in[1] * in[2]);
    }
  return Y;
}

// A max pool that forgets that overlapping windows add: dX[argmax] = dY.
class OverwritingMaxPool2D : public hnn::MaxPool2D<double> {
 public:
  using hnn::MaxPool2D<double>::MaxPool2D;

 protected:
  In backward_impl(In dY) override {
    dX_.setZero(this->input().rows(), dY.cols());
    const auto argmax = this->argmax();
    for (Index n = 0; n < dY.cols(); ++n)
      for (Index k = 0; k < dY.rows(); ++k)
        dX_(argmax(k, n), n) = dY(k, n);  // wrong: should be +=
    return dX_;
  }

 private:
  Matrix<double> dX_;
};

// An average pool whose backward forgets the 1/(kh kw).
class UndividedAvgPool2D : public hnn::AvgPool2D<double> {
 public:
  using hnn::AvgPool2D<double>::AvgPool2D;

 protected:
  In backward_impl(In dY) override {
    const double area = double(window().height * window().width);
    dX_ = area * hnn::AvgPool2D<double>::backward_impl(dY);  // wrong: dY, not dY/(kh kw)
    return dX_;
  }

 private:
  Matrix<double> dX_;
};

// The registry entries of these layers, as LayerRegistry::builtin() has them.
template <typename S>
hnn::LayerRegistry<S> registry_with_pooling() {
  using R = hnn::LayerRegistry<S>;
  auto r = R::builtin();
  r.add(
      "MaxPool2D",
      [](const hnn::Settings& s) {
        return std::make_unique<hnn::MaxPool2D<S>>(
            hnn::Window(R::size(s, "size_h"), R::size(s, "size_w")), R::size(s, "stride"),
            hnn::Padding::from_setting(hnn::find_setting(s, "padding")));
      },
      R::none);
  r.add(
      "AvgPool2D",
      [](const hnn::Settings& s) {
        return std::make_unique<hnn::AvgPool2D<S>>(
            hnn::Window(R::size(s, "size_h"), R::size(s, "size_w")), R::size(s, "stride"),
            hnn::Padding::from_setting(hnn::find_setting(s, "padding")));
      },
      R::none);
  r.add(
      "GlobalAvgPool2D",
      [](const hnn::Settings&) { return std::make_unique<hnn::GlobalAvgPool2D<S>>(); }, R::none);
  return r;
}

}  // namespace pooling_test

using hnn::Index;
using hnn::Matrix;
using hnn::Shape;
using pooling_test::Case;

// ---------------------------------------------------------------------------
// Gradient checks and forward against the reference, case by case.

TEST_CASE("MaxPool2D: gradient check and forward against the reference, for every case") {
  for (const Case& k : pooling_test::cases()) {
    CAPTURE(k.name);
    hnn::MaxPool2D<double> pool(k.window, k.stride, k.padding);
    pool.set_input_shape(k.input);
    REQUIRE(pool.output_shape() == k.output);
    const Matrix<double> X = hnn_test::catalogue::distinct_values(k.input.size(), 3, 11);
    const auto report = hnn::check_layer(pool, X);
    INFO(report.summary());
    CHECK(report.passed());
    CHECK(report.tensors.size() == 1);  // the input only: no parameters

    Matrix<Index> expected_argmax;
    const Matrix<double> expected = pooling_test::reference_max(k, X, expected_argmax);
    const Matrix<double> Y = pool.forward(X, hnn::Mode::infer);
    CHECK(Y == expected);  // a maximum is one of the inputs: exact
    CHECK(Matrix<Index>(pool.argmax()) == expected_argmax);
  }
}

TEST_CASE("AvgPool2D: gradient check and forward against the reference, for every case") {
  for (const Case& k : pooling_test::cases()) {
    CAPTURE(k.name);
    hnn::AvgPool2D<double> pool(k.window, k.stride, k.padding);
    pool.set_input_shape(k.input);
    REQUIRE(pool.output_shape() == k.output);
    const Matrix<double> X = hnn_test::catalogue::normal(k.input.size(), 3, 12);
    const auto report = hnn::check_layer(pool, X);
    INFO(report.summary());
    CHECK(report.passed());
    CHECK(report.tensors.size() == 1);

    const Matrix<double> Y = pool.forward(X, hnn::Mode::infer);
    CHECK((Y - pooling_test::reference_avg(k, X)).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("GlobalAvgPool2D: gradient check and forward against the reference") {
  for (const Shape& in : {Shape{1, 4, 4}, Shape{3, 6, 5}, Shape{5, 1, 7}, Shape{2, 1, 1}}) {
    CAPTURE(in);
    hnn::GlobalAvgPool2D<double> pool;
    pool.set_input_shape(in);
    CHECK(pool.output_shape() == Shape{in[0]});
    const Matrix<double> X = hnn_test::catalogue::normal(in.size(), 4, 13);
    const auto report = hnn::check_layer(pool, X);
    INFO(report.summary());
    CHECK(report.passed());
    const Matrix<double> Y = pool.forward(X, hnn::Mode::infer);
    CHECK((Y - pooling_test::reference_global(in, X)).cwiseAbs().maxCoeff() < 1e-12);
    // dX = dY / (H W) at every pixel.
    const Matrix<double> dY = hnn_test::catalogue::normal(in[0], 4, 14);
    const Matrix<double> dX = pool.backward(dY);
    for (Index h = 0; h < in[1]; ++h)
      for (Index w = 0; w < in[2]; ++w)
        for (Index c = 0; c < in[0]; ++c)
          CHECK(dX.row(pooling_test::offset(in, c, h, w))
                    .isApprox(dY.row(c) / double(in[1] * in[2])));
  }
}

// ---------------------------------------------------------------------------
// By hand: ties, padding, routing.

TEST_CASE("MaxPool2D: a tie goes to the first pixel of the window in reading order") {
  // One channel, 2×2, one window. All equal: the top-left pixel wins.
  hnn::MaxPool2D<double> pool(2);
  pool.set_input_shape(Shape{1, 2, 2});
  Matrix<double> X(4, 3);
  X.col(0) << 1, 1, 1, 1;  // (0,0) (0,1) (1,0) (1,1)
  X.col(1) << 0, 5, 5, 2;  // (0,1) and (1,0) tie: (0,1) comes first
  X.col(2) << 0, 2, 3, 3;  // (1,0) and (1,1) tie: (1,0) comes first
  const Matrix<double> Y = pool.forward(X, hnn::Mode::train);
  CHECK(Y(0, 0) == 1);
  CHECK(Y(0, 1) == 5);
  CHECK(Y(0, 2) == 3);
  CHECK(pool.argmax()(0, 0) == 0);
  CHECK(pool.argmax()(0, 1) == 1);
  CHECK(pool.argmax()(0, 2) == 2);
  const Matrix<double> dX = pool.backward(Matrix<double>::Constant(1, 3, 7.0));
  Matrix<double> expected = Matrix<double>::Zero(4, 3);
  expected(0, 0) = expected(1, 1) = expected(2, 2) = 7;  // all of dY to the winner
  CHECK(dX == expected);
}

TEST_CASE("MaxPool2D: the arg-max is an offset in the column, channel included") {
  // Two channels of 2×2, one window: channel 0 peaks at (1,1), channel 1 at (0,1).
  hnn::MaxPool2D<double> pool(2);
  pool.set_input_shape(Shape{2, 2, 2});
  Matrix<double> X(8, 1);
  // pixel (0,0)   (0,1)    (1,0)    (1,1), each as {channel 0, channel 1}
  X << 1, -1, 2, 9, 3, -3, 4, 0;
  const Matrix<double> Y = pool.forward(X, hnn::Mode::train);
  CHECK(Y(0, 0) == 4);
  CHECK(Y(1, 0) == 9);
  CHECK(pool.argmax()(0, 0) == pooling_test::offset(Shape{2, 2, 2}, 0, 1, 1));  // 6
  CHECK(pool.argmax()(1, 0) == pooling_test::offset(Shape{2, 2, 2}, 1, 0, 1));  // 3
}

TEST_CASE("MaxPool2D: overlapping windows add their gradients at a shared maximum") {
  // 1×3×3 with its peak in the middle, 2×2 windows moved by 1: the middle
  // pixel is the maximum of all four windows and gets the sum of their dY.
  hnn::MaxPool2D<double> pool(2, 1);
  pool.set_input_shape(Shape{1, 3, 3});
  Matrix<double> X(9, 1);
  X << 1, 2, 3, 4, 9, 5, 6, 7, 8;
  const Matrix<double> Y = pool.forward(X, hnn::Mode::train);
  CHECK(Y == Matrix<double>::Constant(4, 1, 9.0));
  Matrix<double> dY(4, 1);
  dY << 1, 2, 3, 4;
  const Matrix<double> dX = pool.backward(dY);
  Matrix<double> expected = Matrix<double>::Zero(9, 1);
  expected(4) = 1 + 2 + 3 + 4;
  CHECK(dX == expected);
}

TEST_CASE("pooling: padding never wins a max (−∞) and counts as 0 in an average") {
  // A 1×2×2 image of negative values with 1 pixel of padding and 2×2 windows
  // moved by 2: each window holds one pixel of the image and three of padding.
  Matrix<double> X(4, 1);
  X << -1, -2, -3, -4;
  hnn::MaxPool2D<double> max(2, 2, hnn::Padding(1));
  max.set_input_shape(Shape{1, 2, 2});
  REQUIRE(max.output_shape() == Shape{1, 2, 2});
  CHECK(Matrix<double>(max.forward(X, hnn::Mode::train)) == X);  // not 0
  hnn::AvgPool2D<double> avg(2, 2, hnn::Padding(1));
  avg.set_input_shape(Shape{1, 2, 2});
  CHECK(Matrix<double>(avg.forward(X, hnn::Mode::train)).isApprox(X / 4));  // divided by kh·kw
  CHECK(Matrix<double>(avg.backward(Matrix<double>::Ones(4, 1))) ==
        Matrix<double>::Constant(4, 1, 0.25));
}

TEST_CASE("AvgPool2D: backward spreads dY/(kh kw) over each window, overlaps adding") {
  // 1×3×3, 2×2 windows moved by 1: the middle pixel is in all four windows,
  // the corners in one, the edges in two.
  hnn::AvgPool2D<double> pool(2, 1);
  pool.set_input_shape(Shape{1, 3, 3});
  const Matrix<double> X = Matrix<double>::Zero(9, 1);
  pool.forward(X, hnn::Mode::train);
  const Matrix<double> dX = pool.backward(Matrix<double>::Constant(4, 1, 4.0));
  Matrix<double> expected(9, 1);
  expected << 1, 2, 1, 2, 4, 2, 1, 2, 1;
  CHECK(dX == expected);
}

// ---------------------------------------------------------------------------
// The checks can fail.

TEST_CASE("pooling: the gradient check catches a wrong backward") {
  // Overlapping 2×2 windows moved by 1: with distinct values some input is
  // the maximum of two windows, and overwriting loses one of its gradients.
  pooling_test::OverwritingMaxPool2D max(2, 1);
  max.set_input_shape(Shape{2, 4, 5});
  const auto a = hnn::check_layer(max, hnn_test::catalogue::distinct_values(40, 3, 21));
  INFO(a.summary());
  CHECK_FALSE(a.passed());

  pooling_test::UndividedAvgPool2D avg(3, 2, hnn::Padding(1));
  avg.set_input_shape(Shape{2, 6, 5});
  const auto b = hnn::check_layer(avg, hnn_test::catalogue::normal(60, 3, 22));
  INFO(b.summary());
  CHECK_FALSE(b.passed());
}

// ---------------------------------------------------------------------------
// Names, settings and bad inputs.

TEST_CASE("pooling: describe() and settings()") {
  hnn::MaxPool2D<float> m(2);
  CHECK(m.type_name() == "MaxPool2D");
  CHECK(m.describe() == "MaxPool2D(2×2, stride 2)");  // stride 0: the window's height
  CHECK(m.settings() ==
        hnn::Settings{
            {"size_h", 2.0}, {"size_w", 2.0}, {"stride", 2.0}, {"padding", hnn::Setting("valid")}});
  CHECK(hnn::MaxPool2D<float>(hnn::Window(3, 2)).stride() == 3);
  CHECK(hnn::MaxPool2D<float>(3, 2, hnn::Padding(1)).describe() ==
        "MaxPool2D(3×3, stride 2, padding 1)");
  hnn::AvgPool2D<double> a(hnn::Window(2, 3), 1, hnn::Padding::same());
  CHECK(a.type_name() == "AvgPool2D");
  CHECK(a.describe() == "AvgPool2D(2×3, stride 1, padding same)");
  CHECK(a.settings() ==
        hnn::Settings{
            {"size_h", 2.0}, {"size_w", 3.0}, {"stride", 1.0}, {"padding", hnn::Setting("same")}});
  CHECK(hnn::AvgPool2D<float>(3, 2, hnn::Padding(1)).settings()[3].second == hnn::Setting(1.0));
  hnn::GlobalAvgPool2D<float> g;
  CHECK(g.describe() == "GlobalAvgPool2D");
  CHECK(g.settings().empty());
  CHECK(g.compute_output_shape(Shape{16, 7, 7}) == Shape{16});
}

TEST_CASE("pooling: bad sizes are ArgumentErrors naming the layer and the parameter") {
  using hnn::ArgumentError;
  using hnn::Padding;
  using hnn::Window;
  hnn_test::check_throws_with<ArgumentError>(
      [] { hnn::MaxPool2D<float>{0}; },
      "MaxPool2D: the window, stride and padding must be positive sizes, got window 0×0");
  hnn_test::check_throws_with<ArgumentError>([] { hnn::MaxPool2D<float>(Window(2, 0)); },
                                             "got window 2×0");
  hnn_test::check_throws_with<ArgumentError>([] { hnn::MaxPool2D<double>(2, -1); }, "stride -1");
  hnn_test::check_throws_with<ArgumentError>([] { hnn::MaxPool2D<double>(2, 1, Padding(-1)); },
                                             "padding -1");
  hnn_test::check_throws_with<ArgumentError>(
      [] { hnn::AvgPool2D<float>(Window(-3, 3)); },
      "AvgPool2D: the window, stride and padding must be positive sizes, got window -3×3");
  hnn_test::check_throws_with<ArgumentError>([] { hnn::AvgPool2D<float>(3, 0, Padding(-2)); },
                                             "AvgPool2D: the window");
  // More padding than half the window: a window could hold padding only.
  hnn_test::check_throws_with<ArgumentError>(
      [] { hnn::MaxPool2D<float>(3, 1, Padding(2)); },
      "MaxPool2D: padding 2 is more than half the 3×3 window (at most 1)");
  hnn_test::check_throws_with<ArgumentError>(
      [] { hnn::AvgPool2D<float>(Window(1, 3), 1, 1); },
      "AvgPool2D: padding 1 is more than half the 1×3 window");
  // "same" padding is never more than half the window.
  CHECK_NOTHROW(hnn::MaxPool2D<float>(Window(1, 4), 1, Padding::same()));
}

TEST_CASE("pooling: inputs that do not fit are ShapeErrors naming the layer and the shape") {
  using hnn::ShapeError;
  hnn::MaxPool2D<float> max(2);
  hnn::AvgPool2D<float> avg(3, 1, hnn::Padding(1));
  hnn::GlobalAvgPool2D<float> global;
  // A vector is not an image: the message says what to put before the layer.
  for (hnn::Layer<float>* layer : std::vector<hnn::Layer<float>*>{&max, &avg, &global}) {
    CAPTURE(layer->describe());
    hnn_test::check_throws_with<ShapeError>(
        [&] { layer->set_input_shape(Shape{784}); },
        layer->describe() + ": takes an image {C, H, W} per sample, but is given 784 (a Reshape");
    hnn_test::check_throws_with<ShapeError>(
        [&] {
          layer->compute_output_shape(Shape{28, 28});
        },
        "but is given 28×28");
    // A batch without an input shape is a batch of vectors: refused the same way.
    const Matrix<float> flat = Matrix<float>::Zero(784, 2);
    hnn_test::check_throws_with<ShapeError>([&] { layer->forward(flat, hnn::Mode::train); },
                                            "takes an image {C, H, W}");
  }
  // A window larger than the image with its padding.
  hnn_test::check_throws_with<ShapeError>(
      [] {
        hnn::MaxPool2D<float>(5).compute_output_shape(Shape{1, 4, 4});
      },
      "MaxPool2D(5×5, stride 5): the 5×5 window is larger than the input 1×4×4 with its padding "
      "(4×4)");
  hnn_test::check_throws_with<ShapeError>(
      [] {
        hnn::AvgPool2D<float>(hnn::Window(2, 6), 1, 1).compute_output_shape(Shape{3, 4, 3});
      },
      "AvgPool2D(2×6, stride 1, padding 1): the 2×6 window is larger than the input 3×4×3 with "
      "its padding (6×5)");
  // A batch of the wrong size, and a gradient of the wrong shape.
  max.set_input_shape(Shape{2, 4, 4});
  const Matrix<float> X31 = Matrix<float>::Zero(31, 2);
  hnn_test::check_throws_with<ShapeError>(
      [&] { max.forward(X31, hnn::Mode::train); },
      "MaxPool2D(2×2, stride 2).forward: input has shape (31 × 2), expected 32 rows (samples of "
      "2×4×4");
  const Matrix<float> X = Matrix<float>::Zero(32, 2);
  max.forward(X, hnn::Mode::train);
  hnn_test::check_throws_with<ShapeError>([&] { max.backward(Matrix<float>::Zero(8, 3)); },
                                          "expected (8 × 2)");
  hnn_test::check_throws_with<hnn::Error>(
      [] { hnn::GlobalAvgPool2D<float>().backward(Matrix<float>::Zero(2, 1)); }, "before forward");
  // In a model, the mismatch names both layers.
  hnn::Sequential<float> model(784);
  hnn_test::check_throws_with<ShapeError>([&] { model.add(hnn::MaxPool2D<float>(2)); },
                                          "takes an image {C, H, W}");
}

TEST_CASE("pooling: no input gradient when none is wanted") {
  hnn::MaxPool2D<float> max(2);
  hnn::AvgPool2D<float> avg(2);
  hnn::GlobalAvgPool2D<float> global;
  const Matrix<float> X = hnn_test::uniform(32, 3, 5);
  for (hnn::Layer<float>* layer : std::vector<hnn::Layer<float>*>{&max, &avg, &global}) {
    layer->set_input_shape(Shape{2, 4, 4});
    layer->set_input_gradient_wanted(false);
    const Index out = layer->output_shape().size();
    layer->forward(X, hnn::Mode::train);
    CHECK(layer->backward(Matrix<float>::Ones(out, 3)).cols() == 0);
  }
}

TEST_CASE("pooling: a partial batch is a view of the full batch's buffers") {
  hnn::MaxPool2D<float> max(3, 2, hnn::Padding(1));
  max.set_input_shape(Shape{2, 6, 5});
  const Matrix<float> X = hnn_test::catalogue::distinct_values(60, 8, 3).cast<float>();
  const Matrix<float> full = max.forward(X, hnn::Mode::train);
  const float* data = max.forward(X, hnn::Mode::train).data();
  const auto part = max.forward(X.leftCols(5), hnn::Mode::train);
  CHECK(part.data() == data);
  CHECK(Matrix<float>(part) == full.leftCols(5));
}
