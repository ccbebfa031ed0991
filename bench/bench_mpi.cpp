// SPDX-License-Identifier: MIT
// Data-parallel training over MPI (hnn/distributed/): the throughput of the
// MNIST-shaped MLP of bench_mlp trained by R processes, and the time its
// gradient sum takes per step. Run it with mpirun; rank 0 prints one JSON line.
//
//   mpirun -np R bench_mpi [--batch B] [--opt sgd|adam] [--threads T] [--samples N] [--warmup S]
//
// Every rank builds the same MLP 784-256-ReLU-128-ReLU-10 (float32, weights
// like torch.nn.Linear's) and the same N random samples (uniform [0, 1),
// labels 0–9); hnn::distributed::train runs one epoch of batches of B over
// all ranks (each rank B/R of every batch), shuffle off, after S warm-up
// steps. Reported:
//
//   samples_per_s      N / the epoch's wall time (rank 0's)
//   step_us            the epoch's wall time per step
//   reduce_us          per step, rank 0's time inside the gradient sum: the
//                      MPI_Allreduce and the wait for the slowest rank to reach it
//   allreduce_us       the MPI_Allreduce of the same buffer alone, after a
//                      barrier (the median of 50): what moving the numbers costs
//   gradient_floats    the numbers summed per step (the parameter count)
//
// bench/run_mpi.py runs the comparison of bench/README.md (R = 1, 2 on one
// thread each against one process on 2 threads, interleaved, medians).

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "hnn/distributed/data_parallel.hpp"

using namespace hnn_bench;

namespace {

// The MLP of bench_mlp: layer sizes 784, 256, 128, 10, ReLU between.
hnn::Sequential<float> mlp(std::uint64_t seed) {
  const std::vector<hnn::Index> sizes = {784, 256, 128, 10};
  hnn::Random rng(seed + 7);
  hnn::Sequential<float> model(sizes.front());
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
    if (k > 0) model.add(hnn::Activation<float, hnn::ReLU>());
    model.add(hnn::Dense<float>(sizes[k], sizes[k + 1], rng, torch_default(sizes[k]),
                                torch_default(sizes[k])));
  }
  return model;
}

// The median time of `reps` MPI_Allreduce calls on n floats, each after a barrier, in µs.
double allreduce_alone_us(const hnn::distributed::Communicator& comm, hnn::Index n, int reps) {
  std::vector<float> buffer(std::size_t(n), 1.0f);
  std::vector<double> us;
  for (int k = 0; k < reps; ++k) {
    comm.barrier();
    const double t0 = MPI_Wtime();
    comm.all_sum(buffer.data(), n);
    us.push_back(1e6 * (MPI_Wtime() - t0));
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

void run(const Args& a, const hnn::distributed::Communicator& comm) {
  set_threads(a.threads);
  const hnn::Labels y = random_labels(a.samples, 10, a.seed);
  const Mat X = random_inputs(784, a.samples, a.seed);
  hnn::Sequential<float> model = mlp(a.seed);
  auto optimizer = make_optimizer(a.opt);
  const hnn::SoftmaxCrossEntropy<float> loss;
  hnn::distributed::DataParallel<float> group(comm);
  if (a.warmup > 0) {  // the layers' buffers, the optimizer state, warm caches
    const hnn::Index n = std::min<hnn::Index>(a.samples, a.batch * a.warmup);
    const Mat Xw = X.leftCols(n);
    const hnn::Labels yw = y.head(n);
    hnn::distributed::train(model, Xw, yw, loss, *optimizer, one_epoch(a.batch, a.ftz), group);
  }
  hnn::distributed::DataParallel<float> timed(comm);
  comm.barrier();
  const auto t0 = Clock::now();
  const hnn::History h =
      hnn::distributed::train(model, X, y, loss, *optimizer, one_epoch(a.batch, a.ftz), timed);
  const double seconds = seconds_between(t0, Clock::now());
  const double steps = double(timed.gradients().calls());
  const double alone = allreduce_alone_us(comm, timed.gradients().size(), 50);
  if (!comm.is_root()) return;
  Json j;
  j.add("impl", "hnn-mpi").add("ranks", comm.size()).add("opt", a.opt);
  j.add("batch", static_cast<long long>(a.batch));
  add_thread_state(j, a.threads).add("samples", static_cast<long long>(a.samples));
  j.add("seconds", seconds)
      .add("samples_per_s", double(a.samples) / seconds)
      .add("step_us", 1e6 * seconds / steps)
      .add("reduce_us", 1e6 * timed.gradients().seconds() / steps)
      .add("allreduce_us", alone)
      .add("gradient_floats", static_cast<long long>(timed.gradients().size()))
      .add("final_loss", h["loss"].back());
  finish(j);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  Args a;
  a.batch = 64;
  a.opt = "adam";
  a.samples = 30000;
  a.reps = 1;  // unused here; parse_args checks every count
  a = parse_args(argc, argv, "bench_mpi", a, {"train"});
  int status = 0;
  try {
    run(a, hnn::distributed::Communicator());
  } catch (const std::exception& e) {
    std::cerr << "bench_mpi: " << e.what() << '\n';
    status = 1;
  }
  MPI_Finalize();
  return status;
}
