// SPDX-License-Identifier: MIT
// The experiment of docs/15-convolution.md: a Conv2D with two hand-set 3×3
// filters, one for vertical edges and one for horizontal edges, run on an
// image of a vertical bar. Run with -s to see the two output maps.

#include <doctest/doctest.h>

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include "hnn/hnn.hpp"

namespace {

// Output map f of a one-sample batch Y of images {F, H, W}, as text: value
// (f, h, w) sits at row (h·W + w)·F + f of the column (core/shape.hpp).
std::string map_text(const hnn::Matrix<double>& Y, const hnn::Shape& shape, hnn::Index f) {
  const hnn::Index F = shape[0], H = shape[1], W = shape[2];
  std::ostringstream s;
  for (hnn::Index h = 0; h < H; ++h) {
    for (hnn::Index w = 0; w < W; ++w)
      s << std::setw(4) << Y((h * W + w) * F + f, 0);
    s << '\n';
  }
  return s.str();
}

}  // namespace

TEST_CASE("docs: a hand-set convolution finds edges") {
  // A 1×6×8 image: zeros, and a bar of ones in columns 3 and 4.
  const hnn::Index H = 6, W = 8;
  hnn::Matrix<double> X = hnn::Matrix<double>::Zero(H * W, 1);
  for (hnn::Index h = 0; h < H; ++h) {
    X(h * W + 3, 0) = 1;  // value (0, h, 3) sits at (h·W + 3)·C + 0, C = 1
    X(h * W + 4, 0) = 1;
  }

  hnn::Random rng(1);
  hnn::Conv2DOptions options;
  options.padding = hnn::Padding::same();  // 6×8 in, 6×8 out
  options.bias = false;
  hnn::Conv2D<double> conv(1, 2, hnn::Window(3), rng, options);
  conv.set_input_shape(hnn::Shape{1, H, W});

  // W (2 × 9): row f is filter f, entry (i·kw + k)·C + c, so with C = 1 the
  // nine weights of a row read the 3×3 window row by row.
  auto weights = conv.parameters()[0].value();
  weights.row(0) << -1, 0, 1,  // vertical edges: right minus left
      -2, 0, 2,                //
      -1, 0, 1;
  weights.row(1) << -1, -2, -1,  // horizontal edges: below minus above
      0, 0, 0,                   //
      1, 2, 1;

  const hnn::Matrix<double> Y = conv.forward(X, hnn::Mode::infer);
  const hnn::Shape out = conv.output_shape();
  CHECK(out == hnn::Shape{2, H, W});
  if (doctest::getContextOptions()->success) {
    std::cout << "vertical edges (filter 0):\n" << map_text(Y, out, 0);
    std::cout << "horizontal edges (filter 1):\n" << map_text(Y, out, 1);
  }

  // Value (f, h, w) of the output, NaN outside the maps (so that, with
  // another stride or padding, a check of a pixel the maps lack fails).
  const auto y = [&](hnn::Index f, hnn::Index h, hnn::Index w) {
    if (h >= out[1] || w >= out[2]) return std::nan("");
    return Y((h * out[2] + w) * out[0] + f, 0);
  };
  for (hnn::Index h = 1; h < H - 1; ++h) {
    // The vertical-edge map: +4 where the bar begins, −4 where it ends, 0 elsewhere.
    CHECK(y(0, h, 2) == 4);
    CHECK(y(0, h, 3) == 4);
    CHECK(y(0, h, 4) == -4);
    CHECK(y(0, h, 5) == -4);
    for (hnn::Index w : {0, 1, 6, 7})
      CHECK(y(0, h, w) == 0);
    // The horizontal-edge map: nothing changes from row to row inside the image.
    for (hnn::Index w = 0; w < W; ++w)
      CHECK(y(1, h, w) == 0);
  }
  // At the top and bottom rows the zero padding meets the bar: an edge the
  // image does not have, seen by the horizontal filter.
  CHECK(y(1, 0, 3) == 3);
  CHECK(y(1, H - 1, 3) == -3);
}
