// SPDX-License-Identifier: MIT
// MaxPool2D's fast forward and backward (perf/max_pool.hpp) against its
// readable ones (MaxPool2D::readable_forward, readable_backward): the same Y,
// arg-max and dX, bit for bit, over window sizes, strides (overlapping
// windows included), paddings, ties and batch sizes, on one thread and split.

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "hnn/core/random.hpp"
#include "hnn/layers/max_pool2d.hpp"
#include "hnn/perf/max_pool.hpp"

using hnn::Index;

namespace test_max_pool {

struct Case {
  hnn::Shape image;
  hnn::Window window;
  Index stride;
  hnn::Padding padding;
};

std::vector<Case> cases() {
  return {
      {hnn::Shape{32, 26, 26}, hnn::Window(2, 2), 2, hnn::Padding::valid()},  // the benchmark's
      {hnn::Shape{64, 11, 11}, hnn::Window(2, 2), 2, hnn::Padding::valid()},  // floor: 5×5
      {hnn::Shape{3, 7, 7}, hnn::Window(3, 3), 1, hnn::Padding(1)},           // overlapping
      {hnn::Shape{2, 6, 5}, hnn::Window(3, 2), 2, hnn::Padding::same()},
      {hnn::Shape{1, 5, 5}, hnn::Window(2, 2), 3, hnn::Padding::valid()},
  };
}

template <typename S>
void check_agree(const Case& c, Index n, bool ties) {
  using Pool = hnn::MaxPool2D<S>;
  const hnn::WindowGeometry g =
      hnn::window_geometry("test", c.image, c.window, c.stride, c.padding);
  const Index out = g.channels * g.out_pixels();
  hnn::Random rng(11);
  hnn::Matrix<S> X(c.image.size(), n), dY(out, n);
  for (Index k = 0; k < X.size(); ++k)  // ties: values from {0, 1, 2}, so windows tie often
    X.data()[k] = ties ? S(std::floor(rng.uniform() * 3)) : S(rng.normal(0, 1));
  for (Index k = 0; k < dY.size(); ++k)
    dY.data()[k] = S(rng.normal(0, 1));
  hnn::Matrix<S> Y_readable(out, n), Y_fast(out, n), dX_readable(X.rows(), n), dX_fast(X.rows(), n);
  hnn::Matrix<Index> at_readable(out, n), at_fast(out, n);
  dX_fast.setConstant(S(99));
  Pool::readable_forward(X, g, Y_readable, at_readable);
  hnn::max_pool_forward(X, g, Y_fast, at_fast);
  CHECK((Y_readable.array() == Y_fast.array()).all());
  CHECK((at_readable.array() == at_fast.array()).all());
  Pool::readable_backward(dY, at_readable, dX_readable);
  hnn::max_pool_backward(dY, at_fast, dX_fast);
  CHECK((dX_readable.array() == dX_fast.array()).all());
}

}  // namespace test_max_pool

TEST_CASE("max_pool_forward and max_pool_backward give the readable loops' numbers, bit for bit") {
  for (const auto& c : test_max_pool::cases()) {
    for (const Index n : {Index(1), Index(3)}) {
      for (const bool ties : {false, true}) {
        INFO(c.image, ", window ", c.window.height, "×", c.window.width, ", stride ", c.stride,
             ", padding ", c.padding.str(), ", n = ", n, ties ? ", with ties" : "");
        test_max_pool::check_agree<float>(c, n, ties);
        test_max_pool::check_agree<double>(c, n, ties);
      }
    }
  }
}
