// SPDX-License-Identifier: MIT
#pragma once
// Shapes: what one sample looks like, and the checks that stay on in release
// builds.
//
// A batch is always a matrix with one sample per column. A Shape says how a
// column is laid out: Shape{784} is a vector of 784 numbers, Shape{1, 28, 28}
// an image of C × H × W = 1 × 28 × 28 (channels, height, width), Shape{T, F}
// a sequence of T steps of F features. The shape names the dimensions; the
// order of the numbers inside a column is fixed once for the whole library:
//
//   the feature (channel) index varies fastest, then the positions in reading
//   order. An image {C, H, W} is stored pixel by pixel, row by row, each
//   pixel's C channels together: value (c, h, w) sits at (h W + w) C + c.
//   A sequence {T, F} is stored step by step: value (t, f) sits at t F + f.
//
// So a sample is a (features × positions) column-major matrix. Why this
// order: a convolution over a whole batch is one matrix product
// Y = W P, with one column of P per output pixel of every sample and a row of
// Y per filter; column-major, Y's numbers are then exactly the next layer's
// batch in this order — no transpose per sample. A sequence's step t is one
// contiguous segment of F numbers. An MNIST image (one channel, stored row by
// row) is already a {1, 28, 28} sample. PyTorch stores channels first
// (value (c, h, w) at (c H + h) W + w): numbers compared with it are permuted
// (docs/01-shapes.md has the picture).
//
// The checks name who is checking ("Dense(4 → 3).forward") and both shapes,
// so a user can tell which end of a mismatch is wrong. `where` is a string, or
// a function returning one: the checks run on every batch, and a function
// defers building the name until a check fails, so a passing check costs a
// comparison and allocates nothing.

#include <algorithm>
#include <array>
#include <initializer_list>
#include <sstream>
#include <string>
#include <type_traits>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// The shape of one sample: 1 to 4 dimensions, each ≥ 1.
// Held by value, in place (no heap), so checking shapes on every batch allocates nothing.
class Shape {
 public:
  static constexpr int max_rank = 4;  ///< the most dimensions a sample has

  /// An unknown shape (rank 0): a layer that has not been told its input yet.
  Shape() = default;
  /// A vector of n numbers: Shape(784) is Shape{784}.
  // Implicit, so a plain number still means a flat vector wherever a Shape is asked for.
  Shape(Index n) : Shape({n}) {}  // NOLINT(google-explicit-constructor)
  /// The dimensions as listed: Shape{1, 28, 28}.
  Shape(std::initializer_list<Index> dims) : Shape(dims.begin(), int(dims.size())) {}
  /// The `rank` dimensions dims[0], …, dims[rank − 1].
  Shape(const Index* dims, int rank) {
    if (rank < 1 || rank > max_rank) {
      throw ShapeError("Shape: a sample has 1 to " + std::to_string(max_rank) +
                       " dimensions, got " + std::to_string(rank));
    }
    for (int k = 0; k < rank; ++k) {
      if (dims[k] < 1)
        throw ShapeError("Shape: every dimension must be ≥ 1, got " + list(dims, rank));
      dims_[std::size_t(k)] = dims[k];
    }
    rank_ = rank;
  }

  // Named constructors that say which dimension is which.
  /// A vector of n numbers, {n}.
  static Shape vector(Index n) { return Shape{n}; }
  /// An image, {channels, height, width}.
  static Shape image(Index channels, Index height, Index width) {
    return Shape{channels, height, width};
  }
  /// A sequence, {steps, features}.
  static Shape sequence(Index steps, Index features) { return Shape{steps, features}; }

  /// The number of dimensions (0: unknown).
  int rank() const { return rank_; }
  /// Whether the shape is known (rank > 0).
  bool known() const { return rank_ > 0; }
  /// Dimension k; ShapeError outside [0, rank).
  Index operator[](int k) const {
    if (k < 0 || k >= rank_) {
      throw ShapeError("Shape " + str() + ": no dimension " + std::to_string(k));
    }
    return dims_[std::size_t(k)];
  }
  /// The numbers in one sample: the product of the dimensions (rows of a batch).
  Index size() const {
    if (rank_ == 0) return 0;
    Index n = 1;
    for (int k = 0; k < rank_; ++k)
      n *= dims_[std::size_t(k)];
    return n;
  }

  /// "784", "32×26×26"; "?" when unknown.
  std::string str() const {
    if (rank_ == 0) return "?";
    std::ostringstream s;
    for (int k = 0; k < rank_; ++k)
      s << (k ? "×" : "") << dims_[std::size_t(k)];
    return s.str();
  }

  /// Whether the dimensions are the same.
  friend bool operator==(const Shape& a, const Shape& b) {
    return a.rank_ == b.rank_ &&
           std::equal(a.dims_.begin(), a.dims_.begin() + a.rank_, b.dims_.begin());
  }
  /// Whether the dimensions differ.
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }
  /// Writes str().
  friend std::ostream& operator<<(std::ostream& out, const Shape& s) { return out << s.str(); }

 private:
  static std::string list(const Index* dims, int rank) {
    std::ostringstream s;
    s << '{';
    for (int k = 0; k < rank; ++k)
      s << (k ? ", " : "") << dims[k];
    s << '}';
    return s.str();
  }
  std::array<Index, max_rank> dims_{};
  int rank_ = 0;
};

/// "(4 × 3)": a matrix's shape as messages write it.
inline std::string shape_string(Index rows, Index cols) {
  std::ostringstream s;
  s << '(' << rows << " × " << cols << ')';
  return s.str();
}

/// The shape of `m` as messages write it, "(4 × 3)".
template <typename Derived>
std::string shape_string(const Eigen::EigenBase<Derived>& m) {
  return shape_string(m.rows(), m.cols());
}

/// The name of who is checking, from a string or a function returning one.
template <typename Where>
std::string where_name(const Where& where) {
  if constexpr (std::is_invocable_v<const Where&>) {
    return where();
  } else {
    return std::string(where);
  }
}

/// Throws ShapeError unless `what` (a matrix) has `expected_rows` rows.
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

/// Throws ShapeError unless a batch `m` holds samples of `shape` (shape.size() rows).
// The message names the shape ("1×28×28 = 784 values per sample").
template <typename Where, typename Derived>
void check_samples(const Where& where, const char* what, const Eigen::EigenBase<Derived>& m,
                   const Shape& shape) {
  if (m.rows() != shape.size()) {
    std::ostringstream s;
    s << where_name(where) << ": " << what << " has shape " << shape_string(m) << ", expected "
      << shape.size() << " rows";
    if (shape.rank() > 1) s << " (samples of " << shape << " = " << shape.size() << " values)";
    throw ShapeError(s.str());
  }
}

/// Throws ShapeError unless `a` and `b` have the same shape.
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

/// Throws ShapeError unless a batch of `cols` columns is non-empty.
template <typename Where>
void check_nonempty(const Where& where, const char* what, Index rows, Index cols) {
  if (rows == 0 || cols == 0) {
    throw ShapeError(where_name(where) + ": " + what + " is empty " + shape_string(rows, cols));
  }
}

}  // namespace hnn
