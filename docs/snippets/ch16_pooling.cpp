// SPDX-License-Identifier: MIT
// The code of docs/16-pooling.md: max pooling keeps the largest value of each
// window and routes the gradient back to it; average pooling spreads the
// gradient over the window; global average pooling turns each channel into its
// mean; output sizes; and a feature that moves inside a window leaves the
// max-pooled output as it was.

#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "hnn/hnn.hpp"
#include "hnn/layers/avg_pool2d.hpp"
#include "hnn/layers/global_avg_pool2d.hpp"
#include "hnn/layers/max_pool2d.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

namespace ch16 {

// A one-channel image sample {1, H, W} as H lines of W numbers.
inline std::string picture(const hnn::Matrix<double>& sample, hnn::Index H, hnn::Index W) {
  std::ostringstream s;
  for (hnn::Index h = 0; h < H; ++h) {
    for (hnn::Index w = 0; w < W; ++w)
      s << (w ? " " : "  ") << sample(h * W + w, 0);
    s << '\n';
  }
  return s.str();
}

// The 4×4 image of the chapter, one channel: value (0, h, w) at offset h·4 + w.
inline hnn::Matrix<double> image() {
  hnn::Matrix<double> x(16, 1);
  x << 1, 3, 2, 0,  //
      4, 2, 1, 5,   //
      0, 1, 7, 2,   //
      6, 2, 3, 4;
  return x;
}

}  // namespace ch16

TEST_CASE("docs: pooling, max pool forward keeps each arg-max and backward routes dY to it") {
  const hnn::Matrix<double> x = ch16::image();
  hnn::MaxPool2D<double> pool(2);  // 2×2 windows moved by 2
  pool.set_input_shape(hnn::Shape{1, 4, 4});
  const hnn::Matrix<double> y = pool.forward(x, hnn::Mode::train);
  CHECK(y(0, 0) == 4);  // the window of rows 0–1, columns 0–1: max(1, 3, 4, 2)
  CHECK(y(1, 0) == 5);  // rows 0–1, columns 2–3: max(2, 0, 1, 5)
  CHECK(y(2, 0) == 6);  // rows 2–3, columns 0–1: max(0, 1, 6, 2)
  CHECK(y(3, 0) == 7);  // rows 2–3, columns 2–3: max(7, 2, 3, 4)

  // Where each maximum came from: its offset (h·W + w)·C + c in x's column.
  CHECK(pool.argmax()(0, 0) == 4);   // (h, w) = (1, 0)
  CHECK(pool.argmax()(1, 0) == 7);   // (1, 3)
  CHECK(pool.argmax()(2, 0) == 12);  // (3, 0)
  CHECK(pool.argmax()(3, 0) == 10);  // (2, 2)

  // Backward sends each output's gradient to its arg-max; the rest get 0.
  hnn::Matrix<double> dy(4, 1);
  dy << 0.1, 0.2, 0.3, 0.4;
  const hnn::Matrix<double> dx = pool.backward(dy);
  CHECK(dx(4, 0) == 0.1);
  CHECK(dx(7, 0) == 0.2);
  CHECK(dx(12, 0) == 0.3);
  CHECK(dx(10, 0) == 0.4);
  CHECK(dx.sum() == doctest::Approx(1.0));  // nothing else
  show("x =\n" + ch16::picture(x, 4, 4) + "y = max pool 2×2, stride 2 =\n" +
       ch16::picture(y, 2, 2) + "dY =\n" + ch16::picture(dy, 2, 2) + "dX =\n" +
       ch16::picture(dx, 4, 4));
}

TEST_CASE("docs: pooling, average and global average pooling of the same image") {
  const hnn::Matrix<double> x = ch16::image();
  hnn::AvgPool2D<double> avg(2);
  avg.set_input_shape(hnn::Shape{1, 4, 4});
  const hnn::Matrix<double> y = avg.forward(x, hnn::Mode::train);
  CHECK(y(0, 0) == 2.5);   // (1 + 3 + 4 + 2) / 4
  CHECK(y(1, 0) == 2.0);   // (2 + 0 + 1 + 5) / 4
  CHECK(y(2, 0) == 2.25);  // (0 + 1 + 6 + 2) / 4
  CHECK(y(3, 0) == 4.0);   // (7 + 2 + 3 + 4) / 4
  hnn::Matrix<double> dy(4, 1);
  dy << 0.1, 0.2, 0.3, 0.4;
  const hnn::Matrix<double> dx = avg.backward(dy);  // each pixel of a window gets dY / 4
  CHECK(dx(0, 0) == doctest::Approx(0.025));
  CHECK(dx(15, 0) == doctest::Approx(0.1));

  hnn::GlobalAvgPool2D<double> global;
  global.set_input_shape(hnn::Shape{1, 4, 4});
  const hnn::Matrix<double> g = global.forward(x, hnn::Mode::train);
  CHECK(g(0, 0) == 43.0 / 16);  // the mean of all 16 values
  show("average pool 2×2, stride 2 =\n" + ch16::picture(y, 2, 2) + "its dX for the same dY =\n" +
       ch16::picture(dx, 4, 4) + "global average =\n" + ch16::picture(g, 1, 1));
}

TEST_CASE("docs: pooling, output sizes") {
  const hnn::Shape mnist{1, 28, 28};
  CHECK(hnn::MaxPool2D<float>(2).compute_output_shape(mnist) == hnn::Shape{1, 14, 14});
  CHECK(hnn::MaxPool2D<float>(3, 2).compute_output_shape(mnist) == hnn::Shape{1, 13, 13});
  CHECK(hnn::MaxPool2D<float>(3, 2, 1).compute_output_shape(mnist) == hnn::Shape{1, 14, 14});
  CHECK(hnn::MaxPool2D<float>(3, 2, hnn::Padding::same()).compute_output_shape(mnist) ==
        hnn::Shape{1, 14, 14});
  CHECK(hnn::AvgPool2D<float>(hnn::Window(2, 4)).compute_output_shape(mnist) ==
        hnn::Shape{1, 14, 13});  // stride 0 means the window's height: 2
  CHECK(hnn::GlobalAvgPool2D<float>().compute_output_shape(hnn::Shape{64, 7, 7}) == hnn::Shape{64});
}

TEST_CASE("docs: pooling, a feature that moves inside a window leaves the max unchanged") {
  hnn::MaxPool2D<double> pool(2);
  pool.set_input_shape(hnn::Shape{1, 4, 4});
  const auto pooled_with_peak_at = [&](hnn::Index h, hnn::Index w) {
    hnn::Matrix<double> x = hnn::Matrix<double>::Zero(16, 1);
    x(h * 4 + w, 0) = 1;  // one bright pixel on a dark image
    return hnn::Matrix<double>(pool.forward(x, hnn::Mode::infer));
  };
  const hnn::Matrix<double> at_00 = pooled_with_peak_at(0, 0);
  CHECK(pooled_with_peak_at(0, 1) == at_00);  // moved right, still in the same window
  CHECK(pooled_with_peak_at(1, 1) == at_00);  // moved down and right: the same
  CHECK(pooled_with_peak_at(0, 2) != at_00);  // moved into the next window
  show("peak at (0, 0), (0, 1), (1, 1):\n" + ch16::picture(at_00, 2, 2) + "peak at (0, 2):\n" +
       ch16::picture(pooled_with_peak_at(0, 2), 2, 2));
}
