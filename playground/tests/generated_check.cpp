// SPDX-License-Identifier: MIT
// Checks the C++ code of the page's "C++ code" button: compiled with the
// code (generated_model.hpp, written by run_checks.sh from the WebAssembly
// core's pg_cpp), make_model() must build the playground's model with the
// same initial weights, and train() must train it on the playground's data.
//
//   generated_check '<the query the code was generated for>'

#include <cmath>
#include <cstdio>
#include <exception>

#include "../core/playground.hpp"
#include "generated_model.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <query>\n", argv[0]);
    return 2;
  }
  try {
    const auto settings = hnn_playground::Settings::parse(argv[1]);
    hnn_playground::Playground p(settings);
    hnn::Sequential<double> model = make_model();
    std::size_t dense = 0;
    for (std::size_t k = 0; k < model.size(); ++k) {
      if (model.layer(k).type_name() != "Dense") continue;
      if (dense >= p.dense_count() ||
          model.layer(k).parameters().at(0).value() != p.weights(dense)) {
        std::fprintf(stderr,
                     "the generated model's Dense layer %zu differs from the playground's\n",
                     dense + 1);
        return 1;
      }
      ++dense;
    }
    if (dense != p.dense_count() || model.penalty(0) != hnn_playground::make_penalty(settings)) {
      std::fprintf(stderr, "the generated model has %zu Dense layers or another penalty\n", dense);
      return 1;
    }
    const hnn::Matrix<double> X = hnn_playground::features(settings, p.data().train_points);
    hnn::Sequential<double> trained = train(X, p.data().train_targets, 3);
    const hnn::Matrix<double> P = trained.predict(X);
    const double loss =
        p.classification()
            ? double(hnn::BinaryCrossEntropyWithLogits<double>().value(P, p.data().train_targets))
            : double(hnn::MSE<double>().value(P, p.data().train_targets));
    std::printf(
        "the generated code builds the playground's %zu Dense layers; trained 3 epochs: "
        "loss %.4f\n",
        dense, loss);
    return std::isfinite(loss) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
