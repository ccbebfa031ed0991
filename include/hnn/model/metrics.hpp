// SPDX-License-Identifier: MIT
#pragma once
// Metrics: numbers people read, as opposed to the loss, which the optimizer
// reads. Each takes predictions P (outputs × n) and the targets, as a matrix
// T or as class labels y.
//
//   accuracy          fraction of columns whose largest output is the true
//                     class (argmax_i p_ij = y_j, or = argmax_i t_ij)
//   binary_accuracy   fraction of elements on the right side of a threshold:
//                     [p > θ] = [t > ½]; θ = 0 for logits, ½ for probabilities
//   mse, mae          (1/N) Σ (p − t)², (1/N) Σ |p − t|
//   r2                1 − Σ (p − t)² / Σ (t − t̄)²    (t̄ the mean of each output row)

#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "hnn/core/error.hpp"
#include "hnn/core/shape.hpp"
#include "hnn/core/types.hpp"

namespace hnn {

/// Metrics: numbers about a prediction that people read, unlike the loss.
namespace metrics {

/// The row of the largest value of column j of P: the class predicted for sample j.
template <typename DP>
Index argmax_of_column(const Eigen::MatrixBase<DP>& P, Index j) {
  Index best = 0;
  P.col(j).maxCoeff(&best);
  return best;
}

/// The fraction of columns whose largest output is the true class y_j.
template <typename DP>
double accuracy(const Eigen::MatrixBase<DP>& P, const LabelsRef& y) {
  if (y.size() != P.cols()) {
    throw ShapeError("accuracy: " + std::to_string(P.cols()) + " predictions but " +
                     std::to_string(y.size()) + " labels");
  }
  Index right = 0;
  for (Index j = 0; j < P.cols(); ++j)
    right += argmax_of_column(P, j) == y(j);
  return P.cols() ? double(right) / double(P.cols()) : 0.0;
}

/// With one-hot (or probability) target columns: the class is argmax_i t_ij.
template <typename DP, typename DT,
          typename = std::enable_if_t<!std::is_integral<typename DT::Scalar>::value>>
double accuracy(const Eigen::MatrixBase<DP>& P, const Eigen::MatrixBase<DT>& T) {
  check_same_shape("accuracy", "prediction", P, "target", T);
  if (P.rows() == 1) {
    throw ArgumentError(
        "accuracy: one output per sample; use binary_accuracy for a single logit or probability");
  }
  Index right = 0;
  for (Index j = 0; j < P.cols(); ++j)
    right += argmax_of_column(P, j) == argmax_of_column(T, j);
  return P.cols() ? double(right) / double(P.cols()) : 0.0;
}

/// The fraction of elements on the right side of `threshold`: [p > θ] = [t > ½].
template <typename DP, typename DT>
double binary_accuracy(const Eigen::MatrixBase<DP>& P, const Eigen::MatrixBase<DT>& T,
                       double threshold) {
  check_same_shape("binary_accuracy", "prediction", P, "target", T);
  using S = typename DP::Scalar;
  const Index right = ((P.array() > S(threshold)) == (T.array() > S(0.5))).count();
  return P.size() ? double(right) / double(P.size()) : 0.0;
}

/// (1/N) Σ (p − t)².
template <typename DP, typename DT>
double mse(const Eigen::MatrixBase<DP>& P, const Eigen::MatrixBase<DT>& T) {
  check_same_shape("mse", "prediction", P, "target", T);
  return P.size() ? double((P - T).squaredNorm()) / double(P.size()) : 0.0;
}

/// (1/N) Σ |p − t|.
template <typename DP, typename DT>
double mae(const Eigen::MatrixBase<DP>& P, const Eigen::MatrixBase<DT>& T) {
  check_same_shape("mae", "prediction", P, "target", T);
  return P.size() ? double((P - T).cwiseAbs().sum()) / double(P.size()) : 0.0;
}

/// 1 − Σ (p − t)² / Σ (t − t̄)², with t̄ the mean of each output row.
template <typename DP, typename DT>
double r2(const Eigen::MatrixBase<DP>& P, const Eigen::MatrixBase<DT>& T) {
  check_same_shape("r2", "prediction", P, "target", T);
  double residual = 0, total = 0;
  for (Index i = 0; i < T.rows(); ++i) {
    const double mean = double(T.row(i).sum()) / double(T.cols());
    for (Index j = 0; j < T.cols(); ++j) {
      residual += double((P(i, j) - T(i, j)) * (P(i, j) - T(i, j)));  // Σ (p − t)²
      total += (double(T(i, j)) - mean) * (double(T(i, j)) - mean);   // Σ (t − t̄)²
    }
  }
  return total > 0 ? 1.0 - residual / total : 0.0;
}

}  // namespace metrics

/// A named metric for fit() and evaluate(), computed in double.
// How to compute it against matrix targets, and (for classification) against labels.
struct Metric {
  /// The metric against a target matrix.
  using MatrixFn = std::function<double(const Matrix<double>&, const Matrix<double>&)>;
  /// The metric against class labels.
  using LabelsFn = std::function<double(const Matrix<double>&, const Labels&)>;

  std::string name;              ///< the name the History records it under
  MatrixFn on_matrix;            ///< against a target matrix
  LabelsFn on_labels;            ///< empty when the metric needs a target matrix
  bool higher_is_better = true;  ///< whether a larger value is better (early stopping)

  /// The fraction of samples whose largest output is the true class.
  static Metric accuracy() {
    return {
        "accuracy",
        [](const Matrix<double>& P, const Matrix<double>& T) { return metrics::accuracy(P, T); },
        [](const Matrix<double>& P, const Labels& y) { return metrics::accuracy(P, y); }, true};
  }
  /// The fraction of outputs on the right side of `threshold`.
  // threshold 0 for logits (BinaryCrossEntropyWithLogits), 0.5 after a sigmoid
  static Metric binary_accuracy(double threshold = 0.0) {
    return {"accuracy",
            [threshold](const Matrix<double>& P, const Matrix<double>& T) {
              return metrics::binary_accuracy(P, T, threshold);
            },
            {},
            true};
  }
  /// The mean squared error.
  static Metric mse() {
    return {"mse",
            [](const Matrix<double>& P, const Matrix<double>& T) { return metrics::mse(P, T); },
            {},
            false};
  }
  /// The mean absolute error.
  static Metric mae() {
    return {"mae",
            [](const Matrix<double>& P, const Matrix<double>& T) { return metrics::mae(P, T); },
            {},
            false};
  }
  /// The coefficient of determination R².
  static Metric r2() {
    return {"r2",
            [](const Matrix<double>& P, const Matrix<double>& T) { return metrics::r2(P, T); },
            {},
            true};
  }

  /// The metric against the target matrix T.
  double operator()(const Matrix<double>& P, const Matrix<double>& T) const {
    return on_matrix(P, T);
  }
  /// The metric against the class labels y; ArgumentError if it needs a target matrix.
  double operator()(const Matrix<double>& P, const Labels& y) const {
    if (!on_labels) throw ArgumentError("metric " + name + " needs a target matrix, not labels");
    return on_labels(P, y);
  }
};

}  // namespace hnn
