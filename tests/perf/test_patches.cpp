// SPDX-License-Identifier: MIT
// The fast im2col and col2im (perf/patches.hpp) against the readable ones
// (layers/im2col.hpp): the same numbers, bit for bit, over paddings, strides,
// uneven kernels and channel counts, in float and double.

#include <doctest/doctest.h>

#include <vector>

#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/layers/im2col.hpp"
#include "hnn/perf/patches.hpp"

using hnn::Index;

namespace test_patches {

struct Geometry {
  hnn::Shape image;
  hnn::Window window;
  Index stride;
  hnn::Padding padding;
};

std::vector<Geometry> geometries() {
  return {
      {hnn::Shape{1, 28, 28}, hnn::Window(3, 3), 1, hnn::Padding::valid()},  // a first convolution
      {hnn::Shape{32, 13, 13}, hnn::Window(3, 3), 1, hnn::Padding::valid()},
      {hnn::Shape{2, 6, 7}, hnn::Window(3, 3), 1, hnn::Padding(1)},
      {hnn::Shape{3, 7, 6}, hnn::Window(2, 3), 2, hnn::Padding::same()},
      {hnn::Shape{2, 5, 5}, hnn::Window(5, 5), 1, hnn::Padding::same()},
      {hnn::Shape{3, 9, 7}, hnn::Window(3, 2), 3, hnn::Padding(2)},
      {hnn::Shape{2, 6, 6}, hnn::Window(4, 4), 2, hnn::Padding::same()},
      {hnn::Shape{4, 5, 4}, hnn::Window(1, 1), 1, hnn::Padding::valid()},
  };
}

template <typename S>
void check_agree(const Geometry& c) {
  const hnn::WindowGeometry g =
      hnn::window_geometry("test", c.image, c.window, c.stride, c.padding);
  const Index n = 3, rows = c.window.height * c.window.width * c.image[0];
  hnn::Random rng(7);
  hnn::Matrix<S> X(c.image.size(), n), dP(rows, g.out_pixels() * n);
  for (Index k = 0; k < X.size(); ++k)
    X.data()[k] = S(rng.normal(0, 1));
  for (Index k = 0; k < dP.size(); ++k)
    dP.data()[k] = S(rng.normal(0, 1));
  hnn::Matrix<S> P_readable(rows, g.out_pixels() * n), P_fast(rows, g.out_pixels() * n);
  P_fast.setConstant(S(99));  // every entry must be written, padding included
  hnn::im2col(X, g, P_readable);
  hnn::copy_patches(X, g, P_fast);
  CHECK((P_readable.array() == P_fast.array()).all());
  hnn::Matrix<S> dX_readable(X.rows(), n), dX_fast(X.rows(), n);
  dX_fast.setConstant(S(99));
  hnn::col2im(dP, g, dX_readable);
  hnn::add_back_patches(dP, g, dX_fast);
  CHECK((dX_readable.array() == dX_fast.array()).all());
}

}  // namespace test_patches

TEST_CASE("copy_patches and add_back_patches give im2col's and col2im's numbers, bit for bit") {
  for (const auto& c : test_patches::geometries()) {
    INFO(c.image, ", window ", c.window.height, "×", c.window.width, ", stride ", c.stride,
         ", padding ", c.padding.str());
    test_patches::check_agree<float>(c);
    test_patches::check_agree<double>(c);
  }
}
