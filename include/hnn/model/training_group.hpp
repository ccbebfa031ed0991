// SPDX-License-Identifier: MIT
#pragma once
// The processes that train one model together, as the training loop
// (model/train.hpp) sees them. Alone — one process, the default — every hook
// below does nothing, and the loop is the plain algorithm of its comment.
// Data-parallel training (distributed/data_parallel.hpp) overrides them: R
// processes, each with a replica of the model, share every batch of B
// samples out in contiguous slices, and
//
//   slice(B)                 which samples of the batch this process trains on
//   reduce_loss(ℓ, n, B)     this slice's mean loss ℓ → the batch's, Σ_r n_r ℓ_r / B
//   reduce_gradients(…)      after backward, before the penalties: the slice's
//                            ∂ℓ_r/∂w → the batch's, Σ_r (n_r / B) ∂ℓ_r/∂w
//   after_step(model)        after the optimizer step (running statistics from rank 0)
//   reduce_predictions(P)    each process filled its own columns: the sum fills all
//   predict(model, X, b)     the predictions for X (shared out and gathered)
//
// The penalties' gradients are added after reduce_gradients, once, on the
// reduced gradient: each process adds the same ∂R/∂W to the same numbers.

#include <utility>
#include <vector>

#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"
#include "hnn/model/sequential.hpp"

namespace hnn {

/// The samples `first … first + count − 1` of a batch.
struct Slice {
  Index first = 0;  ///< the first sample, counted within the batch
  Index count = 0;  ///< how many
};

/// Process `rank`'s slice of a batch of `n` samples shared by `ranks` processes.
// Contiguous, in rank order, sizes differing by at most one:
// [⌊r n / R⌋, ⌊(r + 1) n / R⌋). With n = 10 and R = 3: 3, 3, 4 samples.
inline Slice shard(Index n, int rank, int ranks) {
  const Index first = n * Index(rank) / Index(ranks);
  const Index end = n * Index(rank + 1) / Index(ranks);
  return {first, end - first};
}

/// The processes training one model together; alone (one process) by default.
// See the comment at the top of model/training_group.hpp.
template <typename Scalar>
class TrainingGroup {
 public:
  TrainingGroup() = default;
  /// Copies the base (which holds nothing).
  TrainingGroup(const TrainingGroup&) = default;
  /// Assigns the base.
  TrainingGroup& operator=(const TrainingGroup&) = default;
  virtual ~TrainingGroup() = default;

  /// This process's number, 0 … size() − 1.
  virtual int rank() const { return 0; }
  /// How many processes train together.
  virtual int size() const { return 1; }
  /// This process's slice of a batch of `batch` samples.
  Slice slice(Index batch) const { return shard(batch, rank(), size()); }
  /// The mean loss of the batch of `batch` samples, from this slice's mean over its `n`.
  virtual double reduce_loss(double slice_loss, Index /*n*/, Index /*batch*/) { return slice_loss; }
  /// The gradients of the batch's mean loss, from this slice's (of `n` of `batch` samples).
  virtual void reduce_gradients(std::vector<Parameter<Scalar>>& /*params*/, Index /*n*/,
                                Index /*batch*/) {}
  /// After every optimizer step.
  virtual void after_step(Sequential<Scalar>& /*model*/) {}
  /// Sums P over the processes (each filled the columns it predicted, zeros elsewhere).
  virtual void reduce_predictions(Matrix<Scalar>& /*P*/) {}
  /// The model's predictions for X, `batch_size` samples at a time.
  virtual Matrix<Scalar> predict(Sequential<Scalar>& model, const Matrix<Scalar>& X,
                                 Index batch_size) {
    return model.predict(X, batch_size);
  }
};

}  // namespace hnn
