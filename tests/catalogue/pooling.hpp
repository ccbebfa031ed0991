// SPDX-License-Identifier: MIT
#pragma once
// The catalogue entries of the pooling layers (layers/max_pool2d.hpp,
// layers/avg_pool2d.hpp, layers/global_avg_pool2d.hpp), for HNN_CATALOGUE_LAYERS
// in tests/catalogue.hpp.

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/avg_pool2d.hpp"
#include "hnn/layers/global_avg_pool2d.hpp"
#include "hnn/layers/max_pool2d.hpp"
#include "test_support.hpp"

namespace hnn_test {
namespace catalogue {

// A (rows × cols) batch of distinct values: a random permutation of
// 0 … rows·cols − 1, centred and spaced `gap` apart. No two values of a
// max-pool window tie, and a finite-difference step (1e-5) never reorders them.
inline Matrix<double> distinct_values(Index rows, Index cols, std::uint64_t seed,
                                      double gap = 0.05) {
  std::vector<Index> order(std::size_t(rows * cols));
  std::iota(order.begin(), order.end(), Index(0));
  hnn::Random rng(seed);
  rng.shuffle(order.begin(), order.end());
  Matrix<double> m(rows, cols);
  for (Index k = 0; k < m.size(); ++k)
    m(k) = gap * (double(order[std::size_t(k)]) - 0.5 * double(m.size()));
  return m;
}

// A 3×2 window moved by 2 with padding 1 over a 3-channel 6×5 image: the
// windows overlap along the rows, the window is not square, and the padding
// (which never wins) is at every edge. Output {3, 3, 3}.
struct MaxPool2DEntry {
  static constexpr const char* type = "MaxPool2D";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::MaxPool2D<S>>(hnn::Window(3, 2), 2, hnn::Padding(1));
  }
  static hnn::Shape input() { return hnn::Shape{3, 6, 5}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return distinct_values(90, n, seed); }
};

// A 2×3 window moved by 1 with "same" padding (0 above, 1 below, 1 left and
// right): overlapping windows, uneven padding, the word setting. Output {3, 6, 5}.
struct AvgPool2DEntry {
  static constexpr const char* type = "AvgPool2D";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::AvgPool2D<S>>(hnn::Window(2, 3), 1, hnn::Padding::same());
  }
  static hnn::Shape input() { return hnn::Shape{3, 6, 5}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(90, n, seed); }
};

struct GlobalAvgPool2DEntry {
  static constexpr const char* type = "GlobalAvgPool2D";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::GlobalAvgPool2D<S>>();
  }
  static hnn::Shape input() { return hnn::Shape{3, 6, 5}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(90, n, seed); }
};

}  // namespace catalogue
}  // namespace hnn_test

TYPE_TO_STRING_AS("MaxPool2D", hnn_test::catalogue::MaxPool2DEntry);
TYPE_TO_STRING_AS("AvgPool2D", hnn_test::catalogue::AvgPool2DEntry);
TYPE_TO_STRING_AS("GlobalAvgPool2D", hnn_test::catalogue::GlobalAvgPool2DEntry);
