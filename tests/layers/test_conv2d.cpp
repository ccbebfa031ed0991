// SPDX-License-Identifier: MIT
// Conv2D: the forward pass against a direct nested-loop convolution (the
// oracle), the gradient check over (stride, padding, kernel, channel)
// combinations, im2col and col2im as adjoints, the size arithmetic of
// layers/window.hpp, and every refused argument and shape.

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/conv2d.hpp"
#include "test_support.hpp"

using hnn::Index;
using hnn::Matrix;

namespace {

struct ConvCase {
  Index C, F, H, W, kh, kw, stride;
  hnn::Padding padding;
  bool bias;
};

// Every combination the oracle and the gradient check go over.
std::vector<ConvCase> conv_cases() {
  return {
      {1, 2, 5, 5, 3, 3, 1, hnn::Padding::valid(), true},
      {2, 3, 6, 7, 3, 3, 1, hnn::Padding(1), true},
      {3, 2, 7, 6, 2, 3, 2, hnn::Padding::same(), true},  // non-square, stride 2
      {2, 2, 8, 8, 3, 3, 2, hnn::Padding::valid(), false},
      {1, 4, 5, 4, 1, 1, 1, hnn::Padding::valid(), true},  // 1×1: a Dense per pixel
      {2, 2, 5, 5, 5, 5, 1, hnn::Padding::same(), true},   // the window as large as the image
      {3, 1, 9, 7, 3, 2, 3, hnn::Padding(2), true},
      {2, 3, 6, 6, 4, 4, 2, hnn::Padding::same(), true},  // even kernel: uneven padding
  };
}

std::string name(const ConvCase& c) {
  return std::to_string(c.C) + "→" + std::to_string(c.F) + " on " + std::to_string(c.H) + "×" +
         std::to_string(c.W) + ", kernel " + std::to_string(c.kh) + "×" + std::to_string(c.kw) +
         ", stride " + std::to_string(c.stride) + ", padding " + c.padding.str();
}

template <typename S>
std::unique_ptr<hnn::Conv2D<S>> make(const ConvCase& c, hnn::Random& rng) {
  hnn::Conv2DOptions o;
  o.stride = c.stride;
  o.padding = c.padding;
  o.bias = c.bias;
  o.weights = hnn::Init::normal(0, 0.5);
  o.bias_init = hnn::Init::normal(0, 0.5);
  auto layer = std::make_unique<hnn::Conv2D<S>>(c.C, c.F, hnn::Window(c.kh, c.kw), rng, o);
  layer->set_input_shape(hnn::Shape{c.C, c.H, c.W});
  return layer;
}

// Value (c, h, w) of a sample column in the library's order (core/shape.hpp).
double at(const Matrix<double>& X, Index j, Index C, Index Wd, Index c, Index h, Index w) {
  return X((h * Wd + w) * C + c, j);
}

// The oracle: the convolution written straight from its definition,
//   y_j(f, oh, ow) = b_f + Σ_{i,k,c} w_f(i, k, c) x_j(c, oh·s − top + i, ow·s − left + k)
// with x = 0 outside the image, and the filter entry w_f(i, k, c) at column
// (i·kw + k)·C + c of W. The padding before the image is worked out here from
// the definitions, not taken from the layer.
Matrix<double> oracle(const ConvCase& c, const Matrix<double>& Wt, const Matrix<double>& b,
                      const Matrix<double>& X) {
  Index top = 0, left = 0, out_h = 0, out_w = 0;
  if (c.padding.kind() == hnn::Padding::Kind::same) {
    out_h = (c.H + c.stride - 1) / c.stride;
    out_w = (c.W + c.stride - 1) / c.stride;
    top = std::max<Index>((out_h - 1) * c.stride + c.kh - c.H, 0) / 2;
    left = std::max<Index>((out_w - 1) * c.stride + c.kw - c.W, 0) / 2;
  } else {
    const Index p = c.padding.amount();
    top = left = p;
    out_h = (c.H + 2 * p - c.kh) / c.stride + 1;
    out_w = (c.W + 2 * p - c.kw) / c.stride + 1;
  }
  Matrix<double> Y(c.F * out_h * out_w, X.cols());
  for (Index j = 0; j < X.cols(); ++j)
    for (Index f = 0; f < c.F; ++f)
      for (Index oh = 0; oh < out_h; ++oh)
        for (Index ow = 0; ow < out_w; ++ow) {
          double sum = c.bias ? b(f, 0) : 0.0;
          for (Index i = 0; i < c.kh; ++i)
            for (Index k = 0; k < c.kw; ++k)
              for (Index ch = 0; ch < c.C; ++ch) {
                const Index h = oh * c.stride - top + i, w = ow * c.stride - left + k;
                if (h < 0 || h >= c.H || w < 0 || w >= c.W) continue;
                sum += Wt(f, (i * c.kw + k) * c.C + ch) * at(X, j, c.C, c.W, ch, h, w);
              }
          Y((oh * out_w + ow) * c.F + f, j) = sum;  // output value (f, oh, ow)
        }
  return Y;
}

}  // namespace

TEST_CASE("Conv2D forward equals the nested-loop convolution, every combination") {
  std::uint64_t seed = 10;
  for (const ConvCase& c : conv_cases()) {
    INFO(name(c));
    hnn::Random rng(seed);
    auto layer = make<double>(c, rng);
    const Matrix<double> X = hnn_test::catalogue::normal(c.C * c.H * c.W, 3, ++seed);
    const Matrix<double> Y = layer->forward(X, hnn::Mode::infer);
    const Matrix<double> expected = oracle(c, layer->W(), layer->b(), X);
    REQUIRE(Y.rows() == expected.rows());
    CHECK(Y.rows() == layer->output_shape().size());
    CHECK((Y - expected).norm() <= 1e-12 * (1 + expected.norm()));
  }
}

TEST_CASE("Conv2D gradient check, every combination") {
  std::uint64_t seed = 40;
  for (const ConvCase& c : conv_cases()) {
    INFO(name(c));
    hnn::Random rng(seed);
    auto layer = make<double>(c, rng);
    const Matrix<double> X = hnn_test::catalogue::normal(c.C * c.H * c.W, 3, ++seed);
    const auto report = hnn::check_layer(*layer, X);
    INFO(report.summary());
    CHECK(report.passed());
    CHECK(report.tensors.size() == (c.bias ? 3u : 2u));  // X, W and b
  }
}

TEST_CASE("Conv2D: the gradient check catches a wrong dX") {
  // col2im without its overlap sums (each input value receives one window's
  // share only) is wrong wherever windows overlap.
  struct Broken : hnn::Conv2D<double> {
    using hnn::Conv2D<double>::Conv2D;
    In backward_impl(In dY) override {
      const Matrix<double> dX = hnn::Conv2D<double>::backward_impl(dY);
      broken_ = 0.5 * dX;
      return broken_;
    }
    Matrix<double> broken_;
  };
  hnn::Random rng(5);
  hnn::Conv2DOptions o;
  o.weights = hnn::Init::normal(0, 0.5);
  Broken layer(1, 2, hnn::Window(3), rng, o);
  layer.set_input_shape(hnn::Shape{1, 5, 5});
  const auto report = hnn::check_layer(layer, hnn_test::catalogue::normal(25, 2, 6));
  CHECK_FALSE(report.passed());
}

TEST_CASE("im2col and col2im are adjoints: ⟨dP, im2col(X)⟩ = ⟨col2im(dP), X⟩") {
  for (const ConvCase& c : conv_cases()) {
    INFO(name(c));
    const hnn::WindowGeometry g = hnn::window_geometry(
        "test", hnn::Shape{c.C, c.H, c.W}, hnn::Window(c.kh, c.kw), c.stride, c.padding);
    const Matrix<double> X = hnn_test::catalogue::normal(c.C * c.H * c.W, 2, 70);
    Matrix<double> P(g.window_pixels() * c.C, g.out_pixels() * 2);
    hnn::im2col(X, g, P);
    const Matrix<double> dP = hnn_test::catalogue::normal(P.rows(), P.cols(), 71);
    Matrix<double> dX(X.rows(), X.cols());
    hnn::col2im(dP, g, dX);
    CHECK((dP.array() * P.array()).sum() ==
          doctest::Approx((dX.array() * X.array()).sum()).epsilon(1e-12));
  }
}

TEST_CASE("Conv2D: output sizes, valid, a number and TensorFlow's same") {
  hnn::Random rng(1);
  const auto out = [&](Index stride, hnn::Padding p, Index k, hnn::Shape in) {
    hnn::Conv2DOptions o;
    o.stride = stride;
    o.padding = p;
    return hnn::Conv2D<float>(in[0], 4, hnn::Window(k), rng, o).compute_output_shape(in);
  };
  CHECK(out(1, hnn::Padding::valid(), 3, {1, 28, 28}) == hnn::Shape{4, 26, 26});
  CHECK(out(1, hnn::Padding(1), 3, {1, 28, 28}) == hnn::Shape{4, 28, 28});
  CHECK(out(1, hnn::Padding::same(), 3, {1, 28, 28}) == hnn::Shape{4, 28, 28});
  CHECK(out(2, hnn::Padding::same(), 3, {1, 7, 7}) == hnn::Shape{4, 4, 4});  // ⌈7 / 2⌉
  CHECK(out(2, hnn::Padding::same(), 3, {1, 6, 6}) == hnn::Shape{4, 3, 3});  // ⌈6 / 2⌉
  CHECK(out(2, hnn::Padding::valid(), 3, {2, 7, 8}) == hnn::Shape{4, 3, 3});
  // "same" with an even total puts the extra row at the bottom.
  const hnn::WindowGeometry g =
      hnn::window_geometry("t", hnn::Shape{1, 6, 6}, hnn::Window(3), 2, hnn::Padding::same());
  CHECK(g.pad_top == 0);
  CHECK(g.pad_bottom == 1);
  const hnn::WindowGeometry e =
      hnn::window_geometry("t", hnn::Shape{1, 6, 6}, hnn::Window(4), 1, hnn::Padding::same());
  CHECK(e.pad_top == 1);
  CHECK(e.pad_bottom == 2);
}

TEST_CASE("Conv2D takes a large batch in chunks: the same Y, dW, db and dX as one product") {
  // 32 channels of 13×13 with a 3×3 window: P has 288 × 169 doubles per
  // sample, 380 KiB, more than a chunk's budget, so each sample is a chunk
  // of its own (perf/chunks.hpp). The reference takes the whole batch at once.
  hnn::Random rng(5);
  const ConvCase c{32, 6, 13, 13, 3, 3, 1, hnn::Padding(1), true};
  auto layer = make<double>(c, rng);
  const Index n = 5;
  const Index bytes = 32 * 9 * 169 * Index(sizeof(double));
  REQUIRE(hnn::samples_per_chunk(bytes, n) < n);
  const Matrix<double> X = hnn_test::catalogue::normal(c.C * c.H * c.W, n, 6);
  const Matrix<double> Y = layer->forward(X, hnn::Mode::train);
  const Matrix<double> dY = hnn_test::catalogue::normal(Y.rows(), n, 7);
  const Matrix<double> dX = layer->backward(dY);

  const hnn::WindowGeometry g = hnn::window_geometry("test", hnn::Shape{c.C, c.H, c.W},
                                                     hnn::Window(3, 3), 1, hnn::Padding(1));
  Matrix<double> P(32 * 9, g.out_pixels() * n);
  hnn::im2col(X, g, P);
  const Matrix<double> Wt = layer->W();
  Matrix<double> Yf = Wt * P;
  Yf.colwise() += layer->b().col(0);
  const Eigen::Map<const Matrix<double>> dYf(dY.data(), c.F, g.out_pixels() * n);
  const Matrix<double> dP = Wt.transpose() * dYf;
  Matrix<double> dX_expected(X.rows(), n);
  hnn::col2im(dP, g, dX_expected);
  const Matrix<double> dW_expected = dYf * P.transpose();
  const Matrix<double> db_expected = dYf.rowwise().sum();

  const Eigen::Map<const Matrix<double>> Y_expected(Yf.data(), Y.rows(), n);
  CHECK((Y - Y_expected).norm() <= 1e-13 * Y_expected.norm());
  CHECK((dX - dX_expected).norm() <= 1e-13 * dX_expected.norm());
  CHECK((layer->parameters()[0].grad() - dW_expected).norm() <= 1e-13 * dW_expected.norm());
  CHECK((layer->parameters()[1].grad() - db_expected).norm() <= 1e-13 * db_expected.norm());
}

TEST_CASE("Conv2D backward takes a gradient whose columns are not contiguous") {
  hnn::Random rng(2);
  const ConvCase c{2, 3, 5, 5, 3, 3, 1, hnn::Padding(1), true};
  auto a = make<double>(c, rng);
  auto b = std::unique_ptr<hnn::Layer<double>>(a->clone());
  const Matrix<double> X = hnn_test::catalogue::normal(50, 3, 3);
  const Matrix<double> Y = a->forward(X, hnn::Mode::train);
  b->forward(X, hnn::Mode::train);
  const Matrix<double> tall = hnn_test::catalogue::normal(Y.rows() + 4, 3, 4);
  const Matrix<double> dX_block = a->backward(tall.topRows(Y.rows()));  // outer stride ≠ rows
  const Matrix<double> dY = tall.topRows(Y.rows());
  const Matrix<double> dX = b->backward(dY);
  CHECK((dX_block - dX).norm() <= 1e-14 * dX.norm());
  CHECK((a->parameters()[0].grad() - b->parameters()[0].grad()).norm() == 0);
}

TEST_CASE("Conv2D refuses bad arguments with an ArgumentError naming them") {
  hnn::Random rng(1);
  const auto refuses = [&](Index C, Index F, hnn::Window k, Index stride, hnn::Padding p,
                           const char* says) {
    hnn::Conv2DOptions o;
    o.stride = stride;
    o.padding = p;
    CHECK_THROWS_WITH_AS(hnn::Conv2D<float>(C, F, k, rng, o), doctest::Contains(says),
                         hnn::ArgumentError);
  };
  refuses(0, 4, 3, 1, hnn::Padding::valid(), "in_channels and filters must be positive");
  refuses(1, -2, 3, 1, hnn::Padding::valid(), "in_channels and filters must be positive");
  refuses(1, 4, 0, 1, hnn::Padding::valid(), "window, stride and padding must be positive");
  refuses(1, 4, hnn::Window(3, -1), 1, hnn::Padding::valid(), "window");
  refuses(1, 4, 3, 0, hnn::Padding::valid(), "stride 0");
  refuses(1, 4, 3, 1, hnn::Padding(-1), "padding -1");
  refuses(1 << 12, 1 << 12, 100, 1, hnn::Padding::valid(), "implausibly large");
  CHECK_THROWS_WITH_AS(hnn::Padding::from_setting(hnn::Setting("full")),
                       doctest::Contains("\"same\", \"valid\""), hnn::ArgumentError);
  CHECK_THROWS_AS(hnn::Padding::from_setting(hnn::Setting(1.5)), hnn::ArgumentError);
  CHECK(hnn::Padding::from_setting(hnn::Padding(2).setting()).amount() == 2);
  CHECK(hnn::Padding::from_setting(hnn::Setting("same")).kind() == hnn::Padding::Kind::same);
}

TEST_CASE("Conv2D refuses shapes it cannot take with a ShapeError naming both") {
  hnn::Random rng(1);
  hnn::Conv2D<float> conv(3, 8, hnn::Window(3), rng);
  // A channel count that does not match.
  CHECK_THROWS_WITH_AS(conv.set_input_shape(hnn::Shape{1, 28, 28}),
                       doctest::Contains("Conv2D(3 → 8, 3×3): takes images of 3 channels, but is "
                                         "given 1×28×28 (1 channel)"),
                       hnn::ShapeError);
  // A vector, not an image.
  CHECK_THROWS_WITH_AS(conv.set_input_shape(hnn::Shape{784}),
                       doctest::Contains("takes an image {C, H, W} per sample, but is given 784"),
                       hnn::ShapeError);
  // A kernel larger than the padded image.
  hnn::Conv2D<float> wide(1, 2, hnn::Window(5), rng);
  CHECK_THROWS_WITH_AS(wide.set_input_shape(hnn::Shape{1, 3, 8}),
                       doctest::Contains("the 5×5 window is larger than the input 1×3×8"),
                       hnn::ShapeError);
  hnn::Conv2DOptions padded;
  padded.padding = hnn::Padding(1);
  hnn::Conv2D<float> fits(1, 2, hnn::Window(5), rng, padded);
  CHECK(fits.compute_output_shape(hnn::Shape{1, 3, 8}) == hnn::Shape{2, 1, 6});
  // A Dense after a convolution without a Flatten.
  hnn::Sequential<float> m(hnn::Shape{1, 8, 8});
  m.add(hnn::Conv2D<float>(1, 4, hnn::Window(3), rng));
  CHECK_THROWS_WITH_AS(m.add(hnn::Dense<float>(144, 10, rng)), doctest::Contains("put a Flatten"),
                       hnn::ShapeError);
  // A batch of the wrong size.
  hnn::Conv2D<float> c1(1, 2, hnn::Window(3), rng);
  c1.set_input_shape(hnn::Shape{1, 5, 5});
  const Matrix<float> X = Matrix<float>::Zero(24, 2);
  CHECK_THROWS_AS(c1.forward(X, hnn::Mode::infer), hnn::ShapeError);
}

TEST_CASE("Conv2D in a model: summary shapes and a training step that lowers the loss") {
  hnn::Random rng(3);
  hnn::Sequential<double> m(hnn::Shape{1, 6, 6});
  hnn::Conv2DOptions o;
  o.padding = hnn::Padding::same();
  o.weights = hnn::Init::he_uniform();
  m.add(hnn::Conv2D<double>(1, 4, hnn::Window(3), rng, o));
  m.add(hnn::Activation<double, hnn::ReLU>());
  m.add(hnn::Flatten<double>());
  m.add(hnn::Dense<double>(144, 3, rng));
  CHECK(m.output_shape() == hnn::Shape{3});
  const std::string summary = m.summary();
  CHECK(summary.find("4×6×6") != std::string::npos);
  CHECK(summary.find("Conv2D(1 → 4, 3×3, padding same)") != std::string::npos);
  const auto report =
      hnn::check_model(m, hnn_test::catalogue::normal(36, 4, 9),
                       hnn_test::catalogue::labels(3, 4, 10), hnn::SoftmaxCrossEntropy<double>());
  INFO(report.summary());
  CHECK(report.passed());
}
