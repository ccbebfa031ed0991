// SPDX-License-Identifier: MIT
// Decision boundaries: what a classifier does with every point of the plane,
// not only with its training points. The plane is cut into a grid of cells;
// the network classifies the centre of each, and the cell is painted in the
// colour of the class it picks, pale where the network is unsure (largest
// probability near 1/classes) and deeper where it is confident. The training
// points go on top, in their true class's colour: a dot on a region of
// another colour is a point the network gets wrong.
//
// Spiral:  2 → Dense(2 → 32) → ReLU → Dense(32 → 32) → ReLU → Dense(32 → 3), softmax
//          cross-entropy, Adam (η = 0.005), batches of 32, 200 epochs (as examples/spiral.cpp).
// Moons:   2 → Dense(2 → 16) → Tanh → Dense(16 → 16) → Tanh → Dense(16 → 1), binary
//          cross-entropy on the logit, Adam (η = 0.01), batches of 32, 150 epochs (as
//          examples/moons.cpp).
// Look for: the spiral's regions curl with the arms, and the boundary bends sharply
//           near the centre where the arms meet; the moons' boundary is one smooth
//           S-curve, with the ReLU network's straight-edged pieces nowhere to be seen
//           (tanh is smooth). In the evolution, the first epochs cut the plane with
//           nearly straight lines; the curls appear as training goes on.
// Writes:  decision_boundary_spiral.svg, decision_boundary_moons.svg and
//          decision_boundary_evolution.svg into the folder given as argv[1] (default out/).
// Run:     bash scripts/demo.sh decision_boundary     (builds it, runs it: pictures in out/)
//          build/demo/examples/decision_boundary docs/images   (regenerates the docs' pictures)

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hnn/hnn.hpp"
#include "hnn/plot/svg.hpp"
#include "toy_data.hpp"

namespace {

using S = float;
namespace plot = hnn::plot;

// The part of the plane drawn: the data's bounding box and a margin.
struct Region {
  double x0, x1, y0, y1;
};

Region around(const hnn::Matrix<S>& X, double margin) {
  return {X.row(0).minCoeff() - margin, X.row(0).maxCoeff() + margin, X.row(1).minCoeff() - margin,
          X.row(1).maxCoeff() + margin};
}

// Class probabilities (classes × m) for points G (2 × m).
using Probabilities = std::function<hnn::Matrix<S>(const hnn::Matrix<S>&)>;

// Softmax of each column of logits: p_k = e^(z_k − max z) / Σ_j e^(z_j − max z).
hnn::Matrix<S> softmax(const hnn::Matrix<S>& Z) {
  hnn::Matrix<S> P(Z.rows(), Z.cols());
  for (hnn::Index j = 0; j < Z.cols(); ++j) {
    P.col(j) = (Z.col(j).array() - Z.col(j).maxCoeff()).exp();
    P.col(j) /= P.col(j).sum();
  }
  return P;
}

// One logit z per column → the probabilities (1 − σ(z), σ(z)) of classes 0 and 1.
hnn::Matrix<S> two_classes(const hnn::Matrix<S>& Z) {
  hnn::Matrix<S> P(2, Z.cols());
  P.row(1) = (S(1) + (-Z.row(0).array()).exp()).inverse();
  P.row(0) = S(1) - P.row(1).array();
  return P;
}

// The plane as a raster `cells` wide (and as many high as keeps the cells
// square): the colour of the most probable class, mixed with white by how
// sure the network is, in five steps.
plot::Raster decision_map(const Probabilities& probabilities, const Region& r, int cells) {
  const int cols = cells,
            rows = std::max(1, int(std::lround(cells * (r.y1 - r.y0) / (r.x1 - r.x0))));
  const double w = (r.x1 - r.x0) / cols, h = (r.y1 - r.y0) / rows;
  hnn::Matrix<S> G(2,
                   hnn::Index(rows) * cols);  // the centres of the cells, row by row from the top
  for (int row = 0; row < rows; ++row)
    for (int col = 0; col < cols; ++col) {
      G(0, row * cols + col) = S(r.x0 + (col + 0.5) * w);
      G(1, row * cols + col) = S(r.y1 - (row + 0.5) * h);
    }
  const hnn::Matrix<S> P = probabilities(G);
  const double chance = 1.0 / double(P.rows());
  plot::Raster raster(rows, cols);
  for (int row = 0; row < rows; ++row)
    for (int col = 0; col < cols; ++col) {
      hnn::Index k = 0;
      const double p = P.col(row * cols + col).maxCoeff(&k);
      const double sure = std::round(4 * (p - chance) / (1 - chance)) / 4;  // 0, ¼, …, 1
      raster(row, col) = plot::mix(plot::white, plot::palette(std::size_t(k)), 0.12 + 0.38 * sure);
    }
  return raster;
}

// The map with the data points on top, one series per class.
plot::Chart boundary_chart(const std::string& title, const toy::Dataset<S>& data, const Region& r,
                           plot::Raster map, double dot) {
  plot::Chart chart(title);
  chart.equal_aspect().x_label("x₁").y_label("x₂").image(std::move(map), r.x0, r.x1, r.y0, r.y1);
  for (int k = 0; k < data.classes; ++k) {
    std::vector<double> x, y;
    for (hnn::Index j = 0; j < data.size(); ++j)
      if (data.y(j) == k) {
        x.push_back(data.X(0, j));
        y.push_back(data.X(1, j));
      }
    chart.scatter("class " + std::to_string(k), x, y,
                  plot::Style()
                      .color(plot::palette(std::size_t(k)))
                      .markers(dot)
                      .outline(plot::rgb(0x333333), 0.7));
  }
  return chart;
}

double accuracy_of(const Probabilities& probabilities, const toy::Dataset<S>& data) {
  const hnn::Matrix<S> P = probabilities(data.X);
  hnn::Index right = 0;
  for (hnn::Index j = 0; j < data.size(); ++j) {
    hnn::Index k = 0;
    P.col(j).maxCoeff(&k);
    right += k == data.y(j);
  }
  return double(right) / double(data.size());
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : "out";
  std::filesystem::create_directories(out);
  const auto file = [&out](const std::string& name) { return (out / name).string(); };

  // --- The spiral, with snapshots of the map during training ---
  hnn::Random data_rng(2);
  const auto spiral = toy::spiral<S>(100, 3, 0.2, data_rng);
  const Region spiral_region = around(spiral.X, 0.15);

  hnn::Random rng(5);
  hnn::Sequential<S> net(2);
  net.add(hnn::Dense<S>(2, 32, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<S, hnn::ReLU>())
      .add(hnn::Dense<S>(32, 32, rng, hnn::Init::he_uniform()))
      .add(hnn::Activation<S, hnn::ReLU>())
      .add(hnn::Dense<S>(32, 3, rng));
  const Probabilities spiral_p = [&net](const hnn::Matrix<S>& G) {
    return softmax(net.predict(G));
  };

  const std::vector<int> snapshots = {1, 5, 20, 200};
  std::vector<plot::Chart> evolution;
  hnn::FitOptions<S> options;
  options.epochs = 200;
  options.batch_size = 32;
  options.verbosity = hnn::Verbosity::quiet;
  options.metrics = {hnn::Metric::accuracy()};
  options.callbacks.push_back(std::make_shared<hnn::EpochCallback<S>>([&](auto& state) {
    const int epoch = state.epoch + 1;
    if (std::find(snapshots.begin(), snapshots.end(), epoch) == snapshots.end()) return;
    std::ostringstream title;
    title << "epoch " << epoch << ": " << std::fixed << std::setprecision(0)
          << 100 * hnn::last(state.history, "accuracy") << "% right";
    auto chart = boundary_chart(title.str(), spiral, spiral_region,
                                decision_map(spiral_p, spiral_region, 60), 2.2);
    evolution.push_back(chart.legend(plot::Legend::none).size(300, 300));
  }));
  hnn::SoftmaxCrossEntropy<S> cross_entropy;
  hnn::Adam<S> adam(0.005);
  net.fit(spiral.X, spiral.y, cross_entropy, adam, options);
  const double spiral_accuracy = accuracy_of(spiral_p, spiral);

  auto spiral_chart = boundary_chart("A 2-32-32-3 ReLU network on the spiral", spiral,
                                     spiral_region, decision_map(spiral_p, spiral_region, 100), 3);
  spiral_chart.legend(plot::Legend::outside).size(560, 460);
  spiral_chart.save(file("decision_boundary_spiral.svg"));

  plot::Figure steps(4, "The spiral's regions during training");
  for (auto& c : evolution)
    steps.add(std::move(c));
  steps.save(file("decision_boundary_evolution.svg"));

  // --- Two moons, with held-out points ---
  hnn::Random moons_rng(1);
  const auto moons = toy::two_moons<S>(400, 0.15, moons_rng);
  const auto moons_test = toy::two_moons<S>(400, 0.15, moons_rng);
  const Region moons_region = around(moons.X, 0.25);

  hnn::Random rng2(3);
  hnn::Sequential<S> tanh_net(2);
  tanh_net.add(hnn::Dense<S>(2, 16, rng2))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(16, 16, rng2))
      .add(hnn::Activation<S, hnn::Tanh>())
      .add(hnn::Dense<S>(16, 1, rng2));
  const Probabilities moons_p = [&tanh_net](const hnn::Matrix<S>& G) {
    return two_classes(tanh_net.predict(G));
  };
  hnn::BinaryCrossEntropyWithLogits<S> binary;
  hnn::Adam<S> adam2(0.01);
  hnn::FitOptions<S> moons_options;
  moons_options.epochs = 150;
  moons_options.batch_size = 32;
  moons_options.verbosity = hnn::Verbosity::quiet;
  tanh_net.fit(moons.X, moons.binary_targets(), binary, adam2, moons_options);
  const double moons_accuracy = accuracy_of(moons_p, moons_test);

  auto moons_chart = boundary_chart("A 2-16-16-1 tanh network on two moons", moons, moons_region,
                                    decision_map(moons_p, moons_region, 100), 3);
  moons_chart.legend(plot::Legend::outside).size(640, 400);
  moons_chart.save(file("decision_boundary_moons.svg"));

  std::cout << std::fixed << std::setprecision(1) << "spiral: training accuracy "
            << 100 * spiral_accuracy << "%   (goal: >= 95%)\n"
            << "moons:  accuracy on 400 held-out points " << 100 * moons_accuracy
            << "%   (goal: >= 97%)\n\n";
  for (const char* name : {"decision_boundary_spiral.svg", "decision_boundary_evolution.svg",
                           "decision_boundary_moons.svg"})
    std::cout << "wrote " << file(name) << '\n';
  return spiral_accuracy >= 0.95 && moons_accuracy >= 0.97 ? 0 : 1;
}
