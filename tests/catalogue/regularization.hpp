// SPDX-License-Identifier: MIT
#pragma once
// The catalogue entries of the regularization layers (tests/catalogue.hpp):
// Dropout, in a flat and in a shaped sample. The gradient check holds the
// mask fixed (check_layer seeds every forward's generator the same), so it
// checks dX = M ⊙ dY against finite differences of Y = M ⊙ X.

#include <cstdint>
#include <memory>

#include "catalogue.hpp"
#include "hnn/hnn.hpp"
#include "hnn/layers/dropout.hpp"
#include "test_support.hpp"

namespace hnn_test {
namespace catalogue {

// p = 0.4 on samples of 2×3 (element-wise: any shape), so a 6-value column
// keeps some values and drops others.
struct DropoutEntry {
  static constexpr const char* type = "Dropout";
  template <typename S>
  static std::unique_ptr<hnn::Layer<S>> make(hnn::Random&) {
    return std::make_unique<hnn::Dropout<S>>(0.4);
  }
  static hnn::Shape input() { return hnn::Shape{2, 3}; }
  static Matrix<double> sample(Index n, std::uint64_t seed) { return normal(6, n, seed); }
};

}  // namespace catalogue
}  // namespace hnn_test

TYPE_TO_STRING_AS("Dropout", hnn_test::catalogue::DropoutEntry);
