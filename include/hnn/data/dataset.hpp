// SPDX-License-Identifier: MIT
#pragma once
// Dataset helpers: the steps between reading data and training on it. Data
// is one sample per column (features × n), labels one class index per column.
//
//   scale_to_unit     x' = (x − min) / (max − min), per feature (row)
//   standardize       x' = (x − μ) / σ, per feature; σ is the population
//                     standard deviation √(Σ (x − μ)² / n), as in
//                     scikit-learn's StandardScaler and PyTorch's std(unbiased=False)
//   one_hot           T(c, j) = 1 if y_j = c, else 0: a (classes × n) matrix
//   split_indices     a seeded split into training and validation samples,
//                     optionally stratified (each class split in proportion)
//   select_columns    the samples at a list of indices
//   copy_batch        one batch of samples, in a given order, copied into a
//                     buffer the caller owns and reuses
//
// Scaling statistics are fitted on the training data and returned, so the
// validation and test data are transformed with the same numbers:
//
//   auto stats = hnn::standardize(X_train);   // fits μ, σ and applies them
//   hnn::standardize(X_test, stats);          // applies the training μ, σ
//
// A feature that is constant in the training data (max = min, σ = 0) is only
// shifted (divided by 1), as scikit-learn does, so it becomes 0, not NaN.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/random.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

// ---------------------------------------------------------------------------
// Scaling

/// Per-feature minimum and maximum of the training data, (features × 1) each.
template <typename Scalar>
struct MinMaxScaling {
  Vector<Scalar> min;  ///< the minimum of each feature
  Vector<Scalar> max;  ///< the maximum of each feature
};

/// Per-feature mean μ and standard deviation σ of the training data.
template <typename Scalar>
struct Standardization {
  Vector<Scalar> mean;  ///< μ of each feature
  Vector<Scalar> std;   ///< σ of each feature (the population standard deviation)
};

namespace detail {

// Scaling statistics from NaN or ∞ would spread them everywhere: refuse.
template <typename Scalar>
void check_all_finite(const std::string& where, const Matrix<Scalar>& X) {
  if (X.cols() == 0) throw ArgumentError(where + ": X has no samples (0 columns)");
  for (Index j = 0; j < X.cols(); ++j)
    for (Index i = 0; i < X.rows(); ++i)
      if (!std::isfinite(static_cast<double>(X(i, j)))) {
        throw NumericError(where + ": X(" + std::to_string(i) + ", " + std::to_string(j) +
                           ") is not finite (feature " + std::to_string(i) + " of sample " +
                           std::to_string(j) + ")");
      }
}

inline void check_feature_count(const std::string& where, Index rows, Index features) {
  if (rows != features) {
    throw ShapeError(where + ": X has " + std::to_string(rows) +
                     " rows but the statistics are for " + std::to_string(features) + " features");
  }
}

}  // namespace detail

/// Applies min–max statistics: x' = (x − min) / (max − min).
// Where max = min, x' = x − min. Data outside the training range lands outside [0, 1].
template <typename Scalar>
void scale_to_unit(Matrix<Scalar>& X, const MinMaxScaling<Scalar>& s) {
  detail::check_feature_count("scale_to_unit", X.rows(), s.min.size());
  if (s.max.size() != s.min.size())
    throw ArgumentError("scale_to_unit: the statistics have different sizes for min and max");
  Vector<Scalar> range = s.max - s.min;
  for (Index i = 0; i < range.size(); ++i)
    if (!(range(i) > Scalar(0))) range(i) = Scalar(1);
  X.array().colwise() -= s.min.array();
  X.array().colwise() /= range.array();
}

/// Fits min and max per feature on X, scales X into [0, 1], and returns them.
// The statistics returned scale the other data sets the same way.
template <typename Scalar>
MinMaxScaling<Scalar> scale_to_unit(Matrix<Scalar>& X) {
  detail::check_all_finite("scale_to_unit", X);
  MinMaxScaling<Scalar> s{X.rowwise().minCoeff(), X.rowwise().maxCoeff()};
  scale_to_unit(X, s);
  return s;
}

/// Applies standardization statistics: x' = (x − μ) / σ, or x − μ where σ = 0.
template <typename Scalar>
void standardize(Matrix<Scalar>& X, const Standardization<Scalar>& s) {
  detail::check_feature_count("standardize", X.rows(), s.mean.size());
  if (s.std.size() != s.mean.size())
    throw ArgumentError("standardize: the statistics have different sizes for mean and std");
  Vector<Scalar> sigma = s.std;
  for (Index i = 0; i < sigma.size(); ++i)
    if (!(sigma(i) > Scalar(0))) sigma(i) = Scalar(1);
  X.array().colwise() -= s.mean.array();
  X.array().colwise() /= sigma.array();
}

/// Fits μ and σ per feature on X, standardizes X, and returns them.
// Summed in double, in two passes; the statistics standardize the other data sets.
template <typename Scalar>
Standardization<Scalar> standardize(Matrix<Scalar>& X) {
  detail::check_all_finite("standardize", X);
  const double n = static_cast<double>(X.cols());
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(X.rows());
  for (Index j = 0; j < X.cols(); ++j)
    mean += X.col(j).template cast<double>();
  mean /= n;
  Eigen::VectorXd var = Eigen::VectorXd::Zero(X.rows());  // Σ (x − μ)² / n
  for (Index j = 0; j < X.cols(); ++j)
    var += (X.col(j).template cast<double>() - mean).array().square().matrix();
  var /= n;
  Standardization<Scalar> s{mean.cast<Scalar>(), var.array().sqrt().matrix().cast<Scalar>()};
  standardize(X, s);
  return s;
}

// ---------------------------------------------------------------------------
// Labels

/// (num_classes × n) with T(y_j, j) = 1: the matrix form of class labels.
// For losses that take a target matrix.
template <typename Scalar = float>
Matrix<Scalar> one_hot(const LabelsRef& y, Index num_classes) {
  if (num_classes < 1)
    throw ArgumentError("one_hot: num_classes must be positive, got " +
                        std::to_string(num_classes));
  Matrix<Scalar> T = Matrix<Scalar>::Zero(num_classes, y.size());
  for (Index j = 0; j < y.size(); ++j) {
    if (y(j) < 0 || y(j) >= num_classes) {
      throw ArgumentError("one_hot: label " + std::to_string(y(j)) + " at index " +
                          std::to_string(j) + " is outside 0 … " + std::to_string(num_classes - 1) +
                          " (num_classes = " + std::to_string(num_classes) + ")");
    }
    T(y(j), j) = Scalar(1);
  }
  return T;
}

// ---------------------------------------------------------------------------
// Splitting

/// How a split draws the validation samples.
enum class SplitMode {
  shuffled,   ///< validation: round(f·n) samples drawn at random
  stratified  ///< the same total, drawn class by class in proportion to each class's size
};

/// Sample indices of the two parts, each in ascending order.
// A split selects samples, it does not reorder them (training shuffles every epoch anyway).
struct SplitIndices {
  std::vector<Index> train;       ///< the training samples
  std::vector<Index> validation;  ///< the validation samples
};

namespace detail {

inline void check_fraction(double f) {
  if (!(f >= 0.0 && f <= 1.0))
    throw ArgumentError("split: validation_fraction must be in [0, 1], got " + std::to_string(f));
}

inline Index rounded_count(double f, Index n) {
  return std::min<Index>(n, static_cast<Index>(std::llround(f * static_cast<double>(n))));
}

}  // namespace detail

/// A seeded random split of n samples: validation gets round(f·n) of them.
// The same n, f and seed give the same split on every platform (hnn::Random).
inline SplitIndices split_indices(Index n, double validation_fraction, std::uint64_t seed) {
  detail::check_fraction(validation_fraction);
  if (n < 0) throw ArgumentError("split: the number of samples must be >= 0");
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  Random rng(seed);
  rng.shuffle(order.begin(), order.end());
  const auto k = static_cast<std::size_t>(detail::rounded_count(validation_fraction, n));
  SplitIndices s;
  s.validation.assign(order.begin(), order.begin() + std::ptrdiff_t(k));
  s.train.assign(order.begin() + std::ptrdiff_t(k), order.end());
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.validation.begin(), s.validation.end());
  return s;
}

/// A seeded stratified split: class c (n_c samples) gives about f·n_c to validation.
// The counts are apportioned by largest remainder: each class
// gets ⌊f·n_c⌋, and the round(f·n) − Σ⌊f·n_c⌋ left over go one each to the
// classes with the largest fractional parts f·n_c − ⌊f·n_c⌋ (ties: smaller
// class first), so the total is round(f·n) as in the shuffled split. Then,
// class by class in ascending order, the class's indices are shuffled with
// one hnn::Random(seed) and the first k_c go to validation.
inline SplitIndices stratified_split_indices(const LabelsRef& y, double validation_fraction,
                                             std::uint64_t seed) {
  detail::check_fraction(validation_fraction);
  std::map<int, std::vector<Index>> by_class;
  for (Index j = 0; j < y.size(); ++j)
    by_class[y(j)].push_back(j);

  struct Quota {
    int label;
    Index n, k;
    double remainder;
  };
  std::vector<Quota> quotas;
  Index assigned = 0;
  for (const auto& [label, idx] : by_class) {
    const double q = validation_fraction * static_cast<double>(idx.size());
    const auto base = std::min<Index>(Index(idx.size()), static_cast<Index>(std::floor(q)));
    quotas.push_back({label, Index(idx.size()), base, q - std::floor(q)});
    assigned += base;
  }
  Index left = detail::rounded_count(validation_fraction, y.size()) - assigned;
  std::vector<std::size_t> by_remainder(quotas.size());
  std::iota(by_remainder.begin(), by_remainder.end(), std::size_t(0));
  std::stable_sort(by_remainder.begin(), by_remainder.end(), [&](std::size_t a, std::size_t b) {
    return quotas[a].remainder > quotas[b].remainder;
  });
  for (std::size_t r = 0; left > 0 && r < by_remainder.size(); ++r) {
    Quota& q = quotas[by_remainder[r]];
    if (q.k < q.n) {
      ++q.k;
      --left;
    }
  }

  Random rng(seed);
  SplitIndices s;
  for (const Quota& q : quotas) {
    std::vector<Index>& idx = by_class[q.label];
    rng.shuffle(idx.begin(), idx.end());
    s.validation.insert(s.validation.end(), idx.begin(), idx.begin() + std::ptrdiff_t(q.k));
    s.train.insert(s.train.end(), idx.begin() + std::ptrdiff_t(q.k), idx.end());
  }
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.validation.begin(), s.validation.end());
  return s;
}

/// The columns of X at `indices`, in that order: (X.rows() × indices.size()).
template <typename Scalar>
Matrix<Scalar> select_columns(const Matrix<Scalar>& X, const std::vector<Index>& indices) {
  Matrix<Scalar> out(X.rows(), Index(indices.size()));
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const Index j = indices[k];
    if (j < 0 || j >= X.cols()) {
      throw ArgumentError("select_columns: index " + std::to_string(j) + " at position " +
                          std::to_string(k) + " is not a column of X " + shape_string(X));
    }
    out.col(Index(k)) = X.col(j);
  }
  return out;
}

/// The labels at `indices`, in that order.
inline Labels select_columns(const Labels& y, const std::vector<Index>& indices) {
  Labels out(Index(indices.size()));
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const Index j = indices[k];
    if (j < 0 || j >= y.size()) {
      throw ArgumentError("select_columns: index " + std::to_string(j) + " at position " +
                          std::to_string(k) + " is not a label index (0 … " +
                          std::to_string(y.size() - 1) + ")");
    }
    out(Index(k)) = y(j);
  }
  return out;
}

/// The training and validation parts of a data set, and which samples went where.
template <typename Scalar>
struct TrainValidationSplit {
  Matrix<Scalar> X_train;       ///< the training samples
  Labels y_train;               ///< their labels
  Matrix<Scalar> X_validation;  ///< the validation samples
  Labels y_validation;          ///< their labels
  SplitIndices indices;         ///< which samples of the input went where
};

/// Splits samples (X, y) into training and validation parts: a copy of each.
template <typename Scalar>
TrainValidationSplit<Scalar> train_validation_split(const Matrix<Scalar>& X, const Labels& y,
                                                    double validation_fraction, std::uint64_t seed,
                                                    SplitMode mode = SplitMode::shuffled) {
  if (X.cols() != y.size()) {
    throw ShapeError("train_validation_split: X has " + std::to_string(X.cols()) +
                     " samples (columns) but y has " + std::to_string(y.size()) + " labels");
  }
  TrainValidationSplit<Scalar> out;
  out.indices = mode == SplitMode::stratified
                    ? stratified_split_indices(y, validation_fraction, seed)
                    : split_indices(X.cols(), validation_fraction, seed);
  out.X_train = select_columns(X, out.indices.train);
  out.y_train = select_columns(y, out.indices.train);
  out.X_validation = select_columns(X, out.indices.validation);
  out.y_validation = select_columns(y, out.indices.validation);
  return out;
}

// ---------------------------------------------------------------------------
// Batching

/// The number of batches of at most batch_size samples that cover n samples.
inline Index batch_count(Index n, Index batch_size) {
  if (batch_size < 1)
    throw ArgumentError("batch_count: batch_size must be positive, got " +
                        std::to_string(batch_size));
  return n <= 0 ? 0 : (n + batch_size - 1) / batch_size;
}

namespace detail {

inline Index batch_length(const char* where, std::size_t order_size, Index first,
                          Index batch_size) {
  if (batch_size < 1)
    throw ArgumentError(std::string(where) + ": batch_size must be positive, got " +
                        std::to_string(batch_size));
  const auto size = static_cast<Index>(order_size);
  if (first < 0 || first > size) {
    throw ArgumentError(std::string(where) + ": first = " + std::to_string(first) +
                        " is outside the order (0 … " + std::to_string(size) + ")");
  }
  return std::min(batch_size, size - first);
}

inline void check_order_entry(const char* where, const std::vector<Index>& order, Index pos,
                              Index n) {
  const Index j = order[std::size_t(pos)];
  if (j < 0 || j >= n) {
    throw ArgumentError(std::string(where) + ": order[" + std::to_string(pos) +
                        "] = " + std::to_string(j) + " is not a sample index (0 … " +
                        std::to_string(n - 1) + ")");
  }
}

}  // namespace detail

/// Copies one batch of X into the first columns of `buffer` and returns its size n.
// The batch is the samples order[first], …, order[first + n − 1] of X,
// n = min(batch_size, order.size() − first) (0 once first = order.size()). Train on
// buffer.leftCols(n). The buffer is resized to (X.rows() × batch_size) only
// if it has the wrong number of rows or fewer than batch_size columns, so a
// loop that reuses it allocates once; at most one batch is ever copied.
// (Batches in storage order need no copy at all: X.middleCols(first, n).)
template <typename Scalar>
Index copy_batch(const Matrix<Scalar>& X, const std::vector<Index>& order, Index first,
                 Index batch_size, Matrix<Scalar>& buffer) {
  const Index n = detail::batch_length("copy_batch", order.size(), first, batch_size);
  for (Index k = 0; k < n; ++k)
    detail::check_order_entry("copy_batch", order, first + k, X.cols());
  if (buffer.rows() != X.rows() || buffer.cols() < batch_size) buffer.resize(X.rows(), batch_size);
  for (Index k = 0; k < n; ++k)
    buffer.col(k) = X.col(order[std::size_t(first + k)]);
  return n;
}

/// The labels of the same batch, into the first n entries of `buffer`.
inline Index copy_batch(const Labels& y, const std::vector<Index>& order, Index first,
                        Index batch_size, Labels& buffer) {
  const Index n = detail::batch_length("copy_batch", order.size(), first, batch_size);
  for (Index k = 0; k < n; ++k)
    detail::check_order_entry("copy_batch", order, first + k, y.size());
  if (buffer.size() < batch_size) buffer.resize(batch_size);
  for (Index k = 0; k < n; ++k)
    buffer(k) = y(order[std::size_t(first + k)]);
  return n;
}

}  // namespace hnn
