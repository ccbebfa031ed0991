// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the tests.

#include <doctest/doctest.h>

#include <string>

#include "hnn/hnn.hpp"

namespace hnn_test {

// A random (rows × cols) matrix whose entries are at least `gap` away from 0:
// for functions with a kink at 0 (ReLU, LeakyReLU, ELU, SELU, |x|), where
// finite differences across the kink are meaningless.
inline hnn::Matrix<double> away_from_zero(hnn::Index rows, hnn::Index cols, std::uint64_t seed,
                                          double gap = 0.1, double spread = 2.0) {
  hnn::Random rng(seed);
  hnn::Matrix<double> m(rows, cols);
  for (hnn::Index j = 0; j < cols; ++j)
    for (hnn::Index i = 0; i < rows; ++i) {
      const double u = rng.uniform(-spread, spread);
      m(i, j) = u < 0 ? u - gap : u + gap;
    }
  return m;
}

// Runs `f` and checks that it throws E with a message containing `needle`.
template <typename E, typename F>
void check_throws_with(F&& f, const std::string& needle) {
  bool thrown = false;
  try {
    f();
  } catch (const E& e) {
    thrown = true;
    const std::string what = e.what();
    INFO("message: " << what);
    CHECK(what.find(needle) != std::string::npos);
  }
  CHECK_MESSAGE(thrown, "expected an exception containing \"" << needle << "\"");
}

}  // namespace hnn_test
