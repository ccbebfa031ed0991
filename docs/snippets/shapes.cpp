// SPDX-License-Identifier: MIT
// The code of docs/01-shapes.md: one sample per column, the shape of a sample
// and the order of its values, views of a batch, Flatten and Reshape, and the
// messages of shape errors.

#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::show;

namespace {

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

namespace {

// Where value (c, h, w) of an image sample {C, H, W} sits in its column: the
// channel index varies fastest, then the pixels in reading order.
hnn::Index image_offset(const hnn::Shape& image, hnn::Index c, hnn::Index h, hnn::Index w) {
  const hnn::Index C = image[0], W = image[2];
  return (h * W + w) * C + c;  // (h·W + w)·C + c
}

}  // namespace

TEST_CASE("docs: the values of an image sample, in memory order") {
  const hnn::Shape image{2, 2, 3};  // C × H × W: 2 channels of 2 × 3 pixels
  CHECK(image.rank() == 3);
  CHECK(image.size() == 12);  // the rows of a batch of such samples
  CHECK(image.str() == "2×2×3");

  // One sample whose value (c, h, w) is 100 c + 10 h + w: its digits say where it belongs.
  hnn::Matrix<double> x(image.size(), 1);
  for (hnn::Index c = 0; c < 2; ++c)
    for (hnn::Index h = 0; h < 2; ++h)
      for (hnn::Index w = 0; w < 3; ++w)
        x(image_offset(image, c, h, w), 0) = double(100 * c + 10 * h + w);

  std::ostringstream memory;
  for (hnn::Index k = 0; k < x.size(); ++k)
    memory << x(k, 0) << ' ';
  CHECK(memory.str() == "0 100 1 101 2 102 10 110 11 111 12 112 ");
  show("in memory: " + memory.str());

  // So a sample is a (channels × pixels) column-major matrix: column p holds
  // the channels of pixel p = h·W + w.
  const Eigen::Map<const hnn::Matrix<double>> pixels(x.data(), 2, 6);
  CHECK(pixels(1, 4) == 111);  // channel 1 of pixel 4, (h, w) = (1, 1)
}

TEST_CASE("docs: a step of a sequence is one contiguous segment") {
  const hnn::Shape sequence{4, 3};            // T × F: 4 steps of 3 features
  hnn::Matrix<double> X(sequence.size(), 5);  // a batch of 5 such sequences
  hnn::Random rng(2);
  rng.fill_normal(X, 0.0, 1.0);

  // Step t of every sample: rows t·F … t·F + F − 1, a view of (F × n) numbers.
  const hnn::Index t = 2, F = sequence[1];
  hnn::ConstRef<double> step = X.middleRows(t * F, F);
  CHECK(step.data() == X.data() + t * F);  // no copy
  CHECK(step.rows() == 3);
  CHECK(step.cols() == 5);
  CHECK(step.outerStride() == 12);  // from one sample to the next: T·F numbers
}

TEST_CASE("docs: Flatten and Reshape move no number") {
  hnn::Random rng(3);
  hnn::Matrix<float> images(12, 4);  // 4 samples of {2, 2, 3}
  rng.fill_normal(images, 0.0, 1.0);

  hnn::Flatten<float> flatten;
  flatten.set_input_shape(hnn::Shape{2, 2, 3});
  CHECK(flatten.output_shape() == hnn::Shape{12});
  hnn::ConstRef<float> vectors = flatten.forward(images, hnn::Mode::infer);
  CHECK(vectors.data() == images.data());  // the same numbers, read as vectors

  hnn::Reshape<float> reshape(hnn::Shape{2, 2, 3});
  reshape.set_input_shape(hnn::Shape{12});
  CHECK(reshape.output_shape() == hnn::Shape{2, 2, 3});
  hnn::ConstRef<float> again = reshape.forward(vectors, hnn::Mode::infer);
  CHECK(again.data() == images.data());  // and read as images again
}

TEST_CASE("docs: a model is built from the shape of one sample") {
  hnn::Random rng(1);
  hnn::Sequential<float> model(hnn::Shape{1, 28, 28});  // an MNIST image: 1 channel, 28 × 28
  model.add(hnn::Flatten<float>())
      .add(hnn::Dense<float>(784, 32, rng))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(32, 10, rng));
  CHECK(model.input_size() == 784);  // the rows of an input batch
  CHECK(model.layer(0).output_shape() == hnn::Shape{784});
  CHECK(model.output_shape() == hnn::Shape{10});

  const std::string summary = model.summary();
  CHECK(summary.find("input                       1×28×28") != std::string::npos);
  show(summary);
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

TEST_CASE("docs: shape errors between layers") {
  hnn::Random rng(1);

  // A Dense layer takes a vector per sample; an image needs a Flatten first.
  hnn::Sequential<float> model(hnn::Shape{1, 28, 28});
  CHECK(shape_error_of([&] { model.add(hnn::Dense<float>(784, 10, rng)); }) ==
        "Sequential::add: layer 0 (Dense(784 → 10)) does not fit after the input, which gives "
        "samples of 1×28×28: Dense(784 → 10): takes a vector of 784 values per sample, but is "
        "given 1×28×28 (put a Flatten before it)");

  // Reshape keeps the number of values: 784 are not 3 × 16 × 16 = 768.
  hnn::Sequential<float> vectors(784);
  const hnn::Reshape<float> to_image(hnn::Shape{3, 16, 16});
  CHECK(shape_error_of([&] { vectors.add(to_image); }) ==
        "Sequential::add: layer 0 (Reshape(3×16×16)) does not fit after the input, which gives "
        "784 values per sample: Reshape(3×16×16): a sample of 784 has 784 values, 3×16×16 needs "
        "768");

  // A batch whose samples are not the model's: 27 rows of 28 pixels instead of 28.
  model.add(hnn::Flatten<float>()).add(hnn::Dense<float>(784, 10, rng));
  const hnn::Matrix<float> cropped = hnn::Matrix<float>::Zero(27 * 28, 2);
  CHECK(shape_error_of([&] { model.predict(cropped); }) ==
        "Sequential::predict: input has shape (756 × 2), expected 784 rows (samples of 1×28×28 = "
        "784 values)");
}
