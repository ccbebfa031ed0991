// SPDX-License-Identifier: MIT
#pragma once
// The matrix vocabulary of hnn.
//
// One sample per column: a batch X is (features × batch). Eigen's default
// column-major storage keeps each sample contiguous, and the first n samples
// of a buffer, X.leftCols(n), are contiguous too — so a partial batch is a
// view of a buffer sized for the largest batch, never a new allocation.

#include <Eigen/Core>
#include <cstdint>

/// hnn: neural networks built by hand on Eigen; everything public lives in this namespace.
namespace hnn {

/// The index and size type of Eigen (signed).
using Index = Eigen::Index;

/// A matrix of Scalar; a batch is one, with one sample per column.
template <typename Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

/// A column vector of Scalar.
template <typename Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

/// A read-only view of a matrix or of its first columns (a Matrix,
// M.leftCols(n), a Map): what layers take and return. Passing a view copies
// nothing; Eigen checks at compile time that the memory layout fits.
template <typename Scalar>
using ConstRef = Eigen::Ref<const Matrix<Scalar>>;

/// A writable view, for functions that fill a caller's buffer.
template <typename Scalar>
using MutRef = Eigen::Ref<Matrix<Scalar>>;

/// Class-index targets: one label per column of the batch.
using Labels = Eigen::VectorXi;
/// A read-only view of class labels.
using LabelsRef = Eigen::Ref<const Eigen::VectorXi>;

/// Training or inference.
// Layers such as dropout or batch norm behave differently; every other layer ignores it.
enum class Mode { train, infer };

}  // namespace hnn
