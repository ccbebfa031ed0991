// SPDX-License-Identifier: MIT
// A consumer of hnn::distributed: two steps of data-parallel training on
// every rank of mpirun; exits 0 when the replicas end identical.
#include <mpi.h>

#include <Eigen/Dense>

#include "hnn/distributed/consistency.hpp"
#include "hnn/distributed/data_parallel.hpp"
#include "hnn/layers/dense.hpp"
#include "hnn/losses/mse.hpp"
#include "hnn/optimizers/sgd.hpp"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 1;
  {
    const hnn::distributed::Communicator comm;
    hnn::Random rng(1);
    hnn::Sequential<double> model(3);
    model.add(hnn::Dense<double>(3, 2, rng));
    Eigen::MatrixXd X = Eigen::MatrixXd::Ones(3, 8);
    Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(2, 8);
    hnn::MSE<double> loss;
    hnn::SGD<double> sgd(0.1);
    hnn::FitOptions<double> options;
    options.epochs = 1;
    options.batch_size = 4;
    options.verbosity = hnn::Verbosity::quiet;
    hnn::distributed::train(model, X, Y, loss, sgd, options);
    status = hnn::distributed::replicas_identical(comm, model, sgd) ? 0 : 1;
  }
  MPI_Finalize();
  return status;
}
