// SPDX-License-Identifier: MIT
#pragma once
// Shape checks that stay on in release builds. Each names who is checking
// ("Dense(4 → 3).forward") and both shapes, so a user can tell which end of
// the mismatch is wrong.

#include <sstream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

// "(4 × 3)"
inline std::string shape_string(Index rows, Index cols) {
  std::ostringstream s;
  s << '(' << rows << " × " << cols << ')';
  return s.str();
}

template <typename Derived>
std::string shape_string(const Eigen::EigenBase<Derived>& m) {
  return shape_string(m.rows(), m.cols());
}

// Throws ShapeError unless `what` (a matrix) has `expected_rows` rows.
template <typename Derived>
void check_rows(const std::string& where, const std::string& what,
                const Eigen::EigenBase<Derived>& m, Index expected_rows) {
  if (m.rows() != expected_rows) {
    std::ostringstream s;
    s << where << ": " << what << " has shape " << shape_string(m) << ", expected " << expected_rows
      << " rows";
    throw ShapeError(s.str());
  }
}

// Throws ShapeError unless `a` and `b` have the same shape.
template <typename A, typename B>
void check_same_shape(const std::string& where, const std::string& a_name,
                      const Eigen::EigenBase<A>& a, const std::string& b_name,
                      const Eigen::EigenBase<B>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    std::ostringstream s;
    s << where << ": " << a_name << " has shape " << shape_string(a) << " but " << b_name
      << " has shape " << shape_string(b);
    throw ShapeError(s.str());
  }
}

// Throws ShapeError unless a batch of `cols` columns is non-empty.
inline void check_nonempty(const std::string& where, const std::string& what, Index rows,
                           Index cols) {
  if (rows == 0 || cols == 0) {
    throw ShapeError(where + ": " + what + " is empty " + shape_string(rows, cols));
  }
}

}  // namespace hnn
