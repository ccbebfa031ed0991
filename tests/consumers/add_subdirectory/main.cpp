// SPDX-License-Identifier: MIT
// A consumer of hnn: one dense layer, one forward pass. Exits 0 on success.
#include <Eigen/Dense>

#include "hnn/hnn.hpp"

int main() {
  hnn::Random rng(1);
  hnn::Dense<double> d(3, 2, rng);
  Eigen::MatrixXd X = Eigen::MatrixXd::Ones(3, 4);
  auto Y = d.forward(X, hnn::Mode::infer);
  return Y.cols() == 4 ? 0 : 1;
}
