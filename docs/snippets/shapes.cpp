// SPDX-License-Identifier: MIT
// The code of docs/01-shapes.md: one sample per column, views of a batch,
// and the messages of shape errors.

#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "hnn/hnn.hpp"

namespace {

// Prints `text` when the tests run with -s (doctest's --success), else nothing.
void show(const std::string& text) {
  if (doctest::getContextOptions()->success) MESSAGE(text);
}

// The message of the ShapeError that f throws ("" if it throws none).
template <typename F>
std::string shape_error_of(F&& f) {
  try {
    f();
  } catch (const hnn::ShapeError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("docs: a batch holds one sample per column") {
  // Three samples with two features each: X is (features × batch) = (2 × 3).
  hnn::Matrix<double> X(2, 3);
  X << 1, 2, 3,  // feature 0 of samples 0, 1, 2
      4, 5, 6;   // feature 1 of samples 0, 1, 2

  // Column-major storage: the numbers of one sample sit next to each other.
  std::ostringstream memory;
  for (hnn::Index k = 0; k < X.size(); ++k)
    memory << X.data()[k] << ' ';
  CHECK(memory.str() == "1 4 2 5 3 6 ");
  std::ostringstream out;
  out << "X =\n" << X << "\nin memory: " << memory.str();
  show(out.str());

  // Sample 1 is the column X.col(1): two adjacent numbers, after sample 0's two.
  const double* sample1 = X.col(1).data();
  CHECK(sample1 == X.data() + 2);
  CHECK(sample1[0] == 2);
  CHECK(sample1[1] == 5);
}

TEST_CASE("docs: the first n samples of a buffer are a view, not a copy") {
  // A buffer sized for the largest batch (8 samples of 2 features)...
  hnn::Matrix<double> buffer = hnn::Matrix<double>::Zero(2, 8);
  // ...and the last, partial batch of 5 samples: its first 5 columns.
  hnn::ConstRef<double> batch = buffer.leftCols(5);
  CHECK(batch.data() == buffer.data());  // the same memory
  CHECK(batch.rows() == 2);
  CHECK(batch.cols() == 5);

  // A block of whole columns, or of the top rows, is a view too: only the
  // distance between columns (the outer stride) changes.
  hnn::ConstRef<double> top = buffer.topRows(1);
  CHECK(top.data() == buffer.data());
  CHECK(top.outerStride() == 2);

  // A read-only view of something that is not laid out as columns quietly
  // becomes a copy: a row of a column-major matrix (its numbers are 2 apart),
  // a transpose, or an expression such as 2 * buffer.
  hnn::ConstRef<double> row = buffer.row(0);
  hnn::ConstRef<double> transposed = buffer.transpose();
  hnn::ConstRef<double> doubled = 2 * buffer;
  CHECK(row.data() != buffer.data());
  CHECK(transposed.data() != buffer.data());
  CHECK(doubled.data() != buffer.data());
}

TEST_CASE("docs: shape errors name who checked and both shapes") {
  hnn::Random rng(1);
  hnn::Dense<float> layer(4, 3, rng);  // 4 features in, 3 out

  // Two samples of 4 features, mistakenly stored one per row: (2 × 4).
  hnn::Matrix<float> rows_are_samples = hnn::Matrix<float>::Zero(2, 4);
  CHECK(shape_error_of([&] { layer.forward(rows_are_samples, hnn::Mode::infer); }) ==
        "Dense(4 → 3).forward: input has shape (2 × 4), expected 4 rows");

  // A loss compares a prediction with a target of the same shape.
  hnn::MSE<float> mse;
  hnn::Matrix<float> P = hnn::Matrix<float>::Zero(3, 2), T = hnn::Matrix<float>::Zero(2, 3);
  CHECK(shape_error_of([&] { mse.value(P, T); }) ==
        "MSE: prediction has shape (3 × 2) but target has shape (2 × 3)");

  // Class labels: one per column.
  hnn::SoftmaxCrossEntropy<float> ce;
  hnn::Labels y(3);
  y << 0, 2, 1;
  hnn::Matrix<float> logits = hnn::Matrix<float>::Zero(3, 4);
  CHECK(shape_error_of([&] { ce.value(logits, y); }) ==
        "SoftmaxCrossEntropy: prediction has shape (3 × 4) (4 samples) but there are 3 labels");
}
