// SPDX-License-Identifier: MIT
// Train a small classifier and write it as one C header for a microcontroller:
// the first half of examples/embedded (main.c is the second).
//
// Network: 2 → Dense(2 → 16) → Tanh → Dense(16 → 16) → Tanh → Dense(16 → 1) → (logit),
//          the network of examples/moons.cpp
// Data:    400 training and 400 test points of the two moons (toy_data.hpp, noise 0.15).
// Output:  moons_model.h (or the path given as the only argument): the model in float,
//          with a self-test of the first 4 test points and the outputs hnn computed for them.
// Goal:    test accuracy ≥ 97%, else the program exits 1 and writes nothing.
// Run:     the CMake build runs it to make the header main.c includes (README.md here).

#include <iomanip>
#include <iostream>
#include <string>

#include "../toy_data.hpp"
#include "hnn/hnn.hpp"

int main(int argc, char** argv) {
  using S = float;
  const std::string path = argc > 1 ? argv[1] : "moons_model.h";
  try {
    hnn::Random data_rng(1);
    const auto train = toy::two_moons<S>(400, 0.15, data_rng);
    const auto test = toy::two_moons<S>(400, 0.15, data_rng);
    const hnn::Matrix<S> Y = train.binary_targets(), Y_test = test.binary_targets();

    hnn::Random rng(3);
    hnn::Sequential<S> model(2);
    model.add(hnn::Dense<S>(2, 16, rng))
        .add(hnn::Activation<S, hnn::Tanh>())
        .add(hnn::Dense<S>(16, 16, rng))
        .add(hnn::Activation<S, hnn::Tanh>())
        .add(hnn::Dense<S>(16, 1, rng));

    hnn::BinaryCrossEntropyWithLogits<S> loss;
    const std::vector<hnn::Metric> metrics = {hnn::Metric::binary_accuracy(0.0)};  // z > 0 → 1
    hnn::Adam<S> adam(0.01);
    hnn::FitOptions<S> options;
    options.epochs = 100;
    options.batch_size = 32;
    options.verbosity = hnn::Verbosity::quiet;
    options.metrics = metrics;
    model.fit(train.X, Y, loss, adam, options);
    const double accuracy = model.evaluate(test.X, Y_test, loss, metrics)["accuracy"];
    std::cout << "two moons: test accuracy " << std::fixed << std::setprecision(1) << 100 * accuracy
              << "% (goal: >= 97%)\n";
    if (accuracy < 0.97) return 1;

    // The export: float, named moons (moons_predict, MOONS_INPUT_SIZE, …),
    // with a self-test of four points the program did not train on.
    hnn::ExportOptions<S> export_options;
    export_options.name = "moons";
    export_options.test_inputs = test.X.leftCols(4);
    hnn::export_c(model, path, export_options);
    std::cout << "wrote " << path << '\n';
    return 0;
  } catch (const hnn::Error& e) {
    std::cerr << "train_and_export: " << e.what() << '\n';
    return 1;
  }
}
