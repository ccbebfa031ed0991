// SPDX-License-Identifier: MIT
// Prints the training loss after each of the first N steps (default 50) of
// the playground core for a URL query, one number per line with 17 digits:
// the native side of the comparison that playground/tests/trajectory.mjs
// makes with the same core compiled to WebAssembly.
//
//   playground_trajectory 'dataset=spiral&layers=8,8,8&seed=5' 50

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "../core/playground.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s <query> [steps]\n", argv[0]);
    return 2;
  }
  try {
    hnn_playground::Playground p(hnn_playground::Settings::parse(argv[1]));
    const int steps = argc == 3 ? std::atoi(argv[2]) : 50;
    for (int k = 0; k < steps; ++k) {
      p.step();
      std::printf("%.17g\n", p.train_loss());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
