// SPDX-License-Identifier: MIT
#pragma once
// The settings of one fit() call (model/train.hpp).
//
// batch_size chooses among the three gradient-descent variants the docs
// teach: 0 (or ≥ the number of samples) is batch gradient descent, one step
// per epoch on the exact gradient; 1 is stochastic gradient descent, one step
// per sample; anything between is mini-batch.
// An epoch has ⌈N/B⌉ steps, the last on what is left over, or ⌊N/B⌋ with
// drop_last.
//
// seed seeds the loop's two generators: the one that shuffles the samples
// every epoch, and the one handed to the layers that draw random numbers in
// training (dropout). The same seed and thread count give bit-identical
// training.

#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

#include "hnn/core/random.hpp"
#include "hnn/core/types.hpp"
#include "hnn/model/metrics.hpp"
#include "hnn/model/training_state.hpp"

namespace hnn {

template <typename Scalar>
class Callback;

/// What fit() prints.
enum class Verbosity {
  quiet,    ///< print nothing
  epochs,   ///< one line per epoch
  progress  ///< one line per epoch, and a live progress bar when the output is a terminal
};

/// The settings of one fit() call.
template <typename Scalar>
struct FitOptions {
  int epochs = 10;        ///< the epochs to train (the total, when resuming)
  Index batch_size = 32;  ///< samples per step (0: full batch)
  bool shuffle = true;    ///< a new order every epoch, drawn from seed
  // Leave out the last batch of each epoch when it is smaller than
  // batch_size, as PyTorch's DataLoader(drop_last=True): ⌊N/B⌋ steps of B
  // samples, so a layer that needs several samples per batch (batch
  // normalisation refuses one) never gets a lone one; shuffled, another
  // remainder sits out each epoch. The epoch's loss and metrics are over the
  // samples trained on. A batch_size above N is then refused (0: full batch).
  bool drop_last = false;  ///< leave out a last batch smaller than batch_size
  // Data augmentation: called on a copy of every training batch's inputs
  // before forward, free to change it in place, with a generator of its own
  // (seeded from seed and the epoch, so a resumed run draws the same). For
  // images, data/augment.hpp's shifts:
  //   o.augment = hnn::RandomShift<float>(hnn::Shape{1, 28, 28}, 2);
  // Never applied to validation data; the training metrics are measured on
  // the changed batches. Empty: off.
  /// Data augmentation of each training batch's inputs (empty: off).
  std::function<void(MutRef<Scalar> batch, Random& rng)> augment;
  std::uint64_t seed = 1;       ///< seeds the shuffling and the layers' generator
  std::vector<Metric> metrics;  ///< besides the loss
  // Gradient clipping between backward and the optimizer step (0 = off):
  // by global norm, then by value (optimizers/clip.hpp).
  double clip_grad_norm = 0;                                 ///< clip by global norm (0: off)
  double clip_grad_value = 0;                                ///< clip by value (0: off)
  std::vector<std::shared_ptr<Callback<Scalar>>> callbacks;  ///< called during training
  // What fit() prints, and where (model/progress.hpp).
  Verbosity verbosity = Verbosity::progress;  ///< what fit() prints
  std::ostream* out = &std::cout;             ///< where fit() prints it
  // Flush-to-zero for a float model while fit() and evaluate() run
  // (perf/flush_to_zero.hpp): subnormal floats (below ~1.2e-38) become 0,
  // which keeps Adam's decaying moments off the CPU's slow path (1.9× faster
  // at batch 1 on MNIST: docs/14-performance.md). Set in every worker thread and
  // restored on return; callbacks run under it. No effect on double models.
  bool flush_to_zero = true;  ///< flush subnormal floats to zero while fit() runs
  // Continue a run from a checkpoint (io/checkpoint.hpp: load_checkpoint,
  // which also restores the model and the optimizer): training starts at
  // epoch resume_from->epochs_done, with that position's generators,
  // history and callback state; `epochs` is the total, as in the first run.
  // fit() keeps the pointer: the position must outlive the call.
  const TrainingPosition<Scalar>* resume_from = nullptr;  ///< the position to continue from

  // Validation data, evaluated after every epoch ("val_loss", "val_…").
  // fit() keeps pointers: the matrices must outlive the call.
  const Matrix<Scalar>* validation_X = nullptr;  ///< validation inputs
  const Matrix<Scalar>* validation_Y = nullptr;  ///< validation targets, a matrix
  const Labels* validation_y = nullptr;          ///< validation class labels

  /// Validates on (X, Y) after every epoch; fit() keeps pointers to them.
  FitOptions& validate_on(const Matrix<Scalar>& X, const Matrix<Scalar>& Y) {
    validation_X = &X;
    validation_Y = &Y;
    validation_y = nullptr;
    return *this;
  }
  /// Validates on (X, y), class labels, after every epoch.
  FitOptions& validate_on(const Matrix<Scalar>& X, const Labels& y) {
    validation_X = &X;
    validation_Y = nullptr;
    validation_y = &y;
    return *this;
  }
  /// Whether validation data was given.
  bool has_validation() const { return validation_X != nullptr; }
};

}  // namespace hnn
