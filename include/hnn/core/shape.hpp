// SPDX-License-Identifier: MIT
#pragma once
// Shape checks that stay on in release builds. Each names who is checking
// ("Dense(4 → 3).forward") and both shapes, so a user can tell which end of
// the mismatch is wrong.
//
// `where` is a string, or a function returning one: the checks run on every
// batch, and a function defers building the name until a check fails, so a
// passing check costs a comparison and allocates nothing.

#include <sstream>
#include <string>
#include <type_traits>

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

// The name of who is checking, from a string or a function returning one.
template <typename Where>
std::string where_name(const Where& where) {
  if constexpr (std::is_invocable_v<const Where&>) {
    return where();
  } else {
    return std::string(where);
  }
}

// Throws ShapeError unless `what` (a matrix) has `expected_rows` rows.
template <typename Where, typename Derived>
void check_rows(const Where& where, const char* what, const Eigen::EigenBase<Derived>& m,
                Index expected_rows) {
  if (m.rows() != expected_rows) {
    std::ostringstream s;
    s << where_name(where) << ": " << what << " has shape " << shape_string(m) << ", expected "
      << expected_rows << " rows";
    throw ShapeError(s.str());
  }
}

// Throws ShapeError unless `a` and `b` have the same shape.
template <typename Where, typename A, typename B>
void check_same_shape(const Where& where, const char* a_name, const Eigen::EigenBase<A>& a,
                      const char* b_name, const Eigen::EigenBase<B>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    std::ostringstream s;
    s << where_name(where) << ": " << a_name << " has shape " << shape_string(a) << " but "
      << b_name << " has shape " << shape_string(b);
    throw ShapeError(s.str());
  }
}

// Throws ShapeError unless a batch of `cols` columns is non-empty.
template <typename Where>
void check_nonempty(const Where& where, const char* what, Index rows, Index cols) {
  if (rows == 0 || cols == 0) {
    throw ShapeError(where_name(where) + ": " + what + " is empty " + shape_string(rows, cols));
  }
}

}  // namespace hnn
