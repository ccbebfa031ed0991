// SPDX-License-Identifier: MIT
#pragma once
// Data-parallel training over MPI: R processes, each with a replica of the
// model and the whole training set, train it together as one process would
// on batches of the same size.
//
//   hnn::distributed::train(model, X, y, loss, optimizer, options)
//
// reads like hnn::train (the same FitOptions, callbacks and History) and is
// called by every process (mpirun -np R ./program). It runs the training
// loop of model/train.hpp with a DataParallel group:
//
//   at the start      check that every rank has the same architecture, data
//                     and options (hashes, distributed/consistency.hpp); rank
//                     0's parameters, buffers and optimizer state to every rank
//   every epoch       the same seeded shuffle on every rank (the same seed);
//                     rank r trains on its contiguous slice of every batch
//                     (model/training_group.hpp: shard)
//   every step        forward and backward on the slice; the loss and the
//                     gradients summed over the ranks, each slice weighted by
//                     n_r / B (distributed/gradient_reduction.hpp), so both are
//                     the batch's mean; then the penalties' gradient, once;
//                     clipping; the same optimizer step everywhere; the
//                     buffers (running statistics) ← rank 0's
//   every epoch end   the training metrics on the predictions of all ranks,
//                     validation shared out and gathered: every rank records
//                     the same History, so every callback (early stopping, a
//                     plateau, a checkpoint) decides the same on every rank
//                     and none waits for the others forever
//
// Dropout draws differ per rank (the layers' generator is seeded from the fit
// seed and the rank). Only rank 0 prints; a callback that writes files should
// do it on rank 0 alone (on_root below). The replicas stay bit-identical: each
// takes the same step from the same summed numbers.
//
// Refused, with an ArgumentError on every rank: models, data or options that
// differ between ranks; fewer samples in a batch (or in the last, partial
// batch) than ranks; stateful models (their state runs from batch to batch
// within one process); resuming from a checkpoint (each rank's dropout stream
// would need its own saved state). An Error if MPI is not initialised.

#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"
#include "hnn/distributed/broadcast.hpp"
#include "hnn/distributed/communicator.hpp"
#include "hnn/distributed/consistency.hpp"
#include "hnn/distributed/gradient_reduction.hpp"
#include "hnn/model/train.hpp"
#include "hnn/model/training_group.hpp"

namespace hnn {
namespace distributed {

/// The processes of an MPI communicator as a training group: each trains on its slice of a batch.
template <typename Scalar>
class DataParallel : public TrainingGroup<Scalar> {
 public:
  /// The processes of `comm`, summing the gradients as `how` says.
  explicit DataParallel(const Communicator& comm = Communicator(),
                        Reduction how = Reduction::all_reduce)
      : comm_(comm), gradients_(comm, how) {}

  int rank() const override { return comm_.rank(); }
  int size() const override { return comm_.size(); }
  /// The communicator.
  const Communicator& communicator() const { return comm_; }
  /// The gradient reduction (its size, its time so far).
  const GradientReduction<Scalar>& gradients() const { return gradients_; }

  // ℓ = Σ_r (n_r / B) ℓ_r, added up in rank order (one number per rank).
  double reduce_loss(double slice_loss, Index n, Index batch) override {
    const std::vector<double> all = comm_.all_gather(slice_loss * double(n) / double(batch));
    double sum = 0;
    for (const double v : all)
      sum += v;
    return sum;
  }
  // g = Σ_r (n_r / B) g_r.
  void reduce_gradients(std::vector<Parameter<Scalar>>& params, Index n, Index batch) override {
    gradients_.reduce(params, Scalar(n) / Scalar(batch));
  }
  // The running statistics ← rank 0's.
  void after_step(Sequential<Scalar>& model) override {
    if (!buffers_known_) {  // the buffers stay put while the layers live
      buffers_ = model.buffers();
      buffers_known_ = true;
    }
    if (!buffers_.empty()) broadcast_buffers(comm_, buffers_, flat_buffers_);
  }
  // Each rank's columns, zeros elsewhere: the sum is every rank's columns (x + 0 = x exactly).
  void reduce_predictions(Matrix<Scalar>& P) override {
    if (P.size() > 0) comm_.all_sum(P.data(), P.size());
  }
  // Rank r predicts its contiguous slice of X; the slices are gathered on every rank.
  Matrix<Scalar> predict(Sequential<Scalar>& model, const Matrix<Scalar>& X,
                         Index batch_size) override {
    std::vector<Index> first(static_cast<std::size_t>(size())), width(first.size());
    for (int r = 0; r < size(); ++r) {
      const Slice s = shard(X.cols(), r, size());
      first[std::size_t(r)] = s.first;
      width[std::size_t(r)] = s.count;
    }
    Matrix<Scalar> P(model.output_size(), X.cols());
    const Slice mine = shard(X.cols(), rank(), size());
    if (mine.count > 0)
      P.middleCols(mine.first, mine.count) =
          model.predict(X.middleCols(mine.first, mine.count), batch_size);
    comm_.gather_columns(P, first, width);
    return P;
  }

  /// Forget the model whose buffers after_step broadcasts (train() calls it first).
  void start() { buffers_known_ = false; }

 private:
  Communicator comm_;
  GradientReduction<Scalar> gradients_;
  std::vector<Buffer<Scalar>> buffers_;
  bool buffers_known_ = false;
  std::vector<Scalar> flat_buffers_;
};

/// `f`, called on rank 0 only (for a callback that saves or prints): `on_root(comm, save)`.
template <typename F>
auto on_root(const Communicator& comm, F f) {
  return [root = comm.is_root(), f = std::move(f)](auto&&... args) {
    if (root) f(std::forward<decltype(args)>(args)...);
  };
}

namespace detail {

// The settings every rank must share, as one hash.
template <typename Scalar>
std::uint64_t options_hash(const FitOptions<Scalar>& o, Optimizer<Scalar>& optimizer) {
  Hasher h;
  h.add(std::uint64_t(o.epochs)).add(std::uint64_t(o.batch_size));
  h.add(std::uint64_t(o.shuffle)).add(std::uint64_t(o.drop_last)).add(o.seed);
  h.add_bits(&o.clip_grad_norm, 1).add_bits(&o.clip_grad_value, 1);
  h.add(std::uint64_t(bool(o.augment))).add(std::uint64_t(o.metrics.size()));
  for (const auto& m : o.metrics)
    h.add(m.name);
  h.add(std::uint64_t(o.callbacks.size()));
  if (o.validation_X) h.add(data_hash(*o.validation_X));
  if (o.validation_Y) h.add(data_hash(*o.validation_Y));
  if (o.validation_y) h.add(data_hash(*o.validation_y));
  const OptimizerState<Scalar> s = optimizer.state();
  h.add(s.optimizer).add(std::uint64_t(s.steps));
  for (const auto& kind : s.tensors) {
    h.add(kind.first);
    for (const auto& t : kind.second)
      h.add(std::uint64_t(t.rows())).add(std::uint64_t(t.cols()));
  }
  return h.value();
}

// What data parallelism refuses; the same on every rank once the checks of
// consistency passed.
template <typename Scalar>
void check_shardable(const Sequential<Scalar>& model, Index N, const FitOptions<Scalar>& o,
                     int ranks) {
  const std::string who = "hnn::distributed::train: ";
  const std::string R = std::to_string(ranks);
  if (o.resume_from) {
    throw ArgumentError(who + "resume_from is not supported: each rank's dropout stream would " +
                        "need its own saved state");
  }
  if (model.stateful()) {
    throw ArgumentError(who + "the model is stateful (a layer carries its state from batch " +
                        "to batch), which a batch shared out over processes cannot do");
  }
  if (N < Index(ranks)) {
    throw ArgumentError(who + "the dataset has " + std::to_string(N) + " samples for " + R +
                        " processes: each needs at least one sample of every batch");
  }
  const Index B = (o.batch_size == 0 || o.batch_size > N) ? N : o.batch_size;
  if (B < Index(ranks)) {
    throw ArgumentError(who + "batch_size " + std::to_string(B) + " is smaller than the " + R +
                        " processes: each needs at least one sample of every batch");
  }
  const Index last = N % B;
  if (!o.drop_last && last != 0 && last < Index(ranks)) {
    throw ArgumentError(
        who + "the last batch of every epoch has " + std::to_string(last) + " samples (" +
        std::to_string(N) + " mod batch_size " + std::to_string(B) + "), fewer than the " + R +
        " processes: choose a batch_size that leaves 0 or at least " + R + ", or drop_last = true");
  }
}

template <typename Scalar, typename Targets>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Targets& T,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer, const FitOptions<Scalar>& o,
              DataParallel<Scalar>& group) {
  const Communicator& comm = group.communicator();
  check_same_on_every_rank(comm, "model (layers, shapes)", architecture_hash(model));
  check_same_on_every_rank(comm, "training data",
                           Hasher().add(data_hash(X)).add(data_hash(T)).value());
  check_same_on_every_rank(comm, "fit options, validation data or optimizer",
                           options_hash(o, optimizer));
  check_shardable(model, X.cols(), o, comm.size());
  broadcast_model(comm, model, optimizer);
  group.start();
  FitOptions<Scalar> mine = o;
  if (!comm.is_root()) mine.verbosity = Verbosity::quiet;  // one progress line, rank 0's
  return hnn::detail::train(model, X, T, loss, optimizer, mine, group);
}

}  // namespace detail

/// Trains `model` on (X, Y) over the processes of `group`; call it on every rank.
template <typename Scalar>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Matrix<Scalar>& Y,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options, DataParallel<Scalar>& group) {
  return detail::train(model, X, Y, loss, optimizer, options, group);
}

/// Trains `model` on (X, y), class labels, over the processes of `group`; call it on every rank.
template <typename Scalar>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Labels& y,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options, DataParallel<Scalar>& group) {
  return detail::train(model, X, y, loss, optimizer, options, group);
}

/// Trains `model` on (X, y) over every process of MPI_COMM_WORLD; call it on every rank.
template <typename Scalar, typename Targets>
History train(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Targets& T,
              const Loss<Scalar>& loss, Optimizer<Scalar>& optimizer,
              const FitOptions<Scalar>& options) {
  DataParallel<Scalar> group;
  return detail::train(model, X, T, loss, optimizer, options, group);
}

/// The loss and metrics of `model` on (X, y), the samples shared out over the ranks of `comm`.
template <typename Scalar, typename Targets>
Evaluation evaluate(Sequential<Scalar>& model, const Matrix<Scalar>& X, const Targets& T,
                    const Loss<Scalar>& loss, const std::vector<Metric>& metrics, Index batch_size,
                    const Communicator& comm = Communicator()) {
  DataParallel<Scalar> group(comm);
  const hnn::detail::FlushWhileTraining<Scalar> ftz(true);
  return hnn::detail::evaluate(model, X, T, loss, metrics, batch_size, group);
}

}  // namespace distributed
}  // namespace hnn
