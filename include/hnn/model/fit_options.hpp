// SPDX-License-Identifier: MIT
#pragma once
// The settings of one fit() call (model/train.hpp).
//
// batch_size chooses among the three gradient-descent variants the docs
// teach: 0 (or ≥ the number of samples) is batch gradient descent, one step
// per epoch on the exact gradient; 1 is stochastic gradient descent, one step
// per sample; anything between is mini-batch.
//
// seed seeds the loop's two generators: the one that shuffles the samples
// every epoch, and the one handed to the layers that draw random numbers in
// training (dropout). The same seed and thread count give bit-identical
// training.

#include <cstdint>
#include <iostream>
#include <memory>
#include <vector>

#include "hnn/core/types.hpp"
#include "hnn/model/metrics.hpp"
#include "hnn/model/training_state.hpp"

namespace hnn {

template <typename Scalar>
class Callback;

enum class Verbosity {
  quiet,    // print nothing
  epochs,   // one line per epoch
  progress  // one line per epoch, and a live progress bar when the output is a terminal
};

template <typename Scalar>
struct FitOptions {
  int epochs = 10;
  Index batch_size = 32;  // 0: full batch
  bool shuffle = true;    // a new order every epoch, drawn from seed
  std::uint64_t seed = 1;
  std::vector<Metric> metrics;  // besides the loss
  // Gradient clipping between backward and the optimizer step (0 = off):
  // by global norm, then by value (optimizers/clip.hpp).
  double clip_grad_norm = 0;
  double clip_grad_value = 0;
  std::vector<std::shared_ptr<Callback<Scalar>>> callbacks;
  // What fit() prints, and where (model/progress.hpp).
  Verbosity verbosity = Verbosity::progress;
  std::ostream* out = &std::cout;
  // Flush-to-zero for a float model while fit() and evaluate() run
  // (perf/flush_to_zero.hpp): subnormal floats (below ~1.2e-38) become 0,
  // which keeps Adam's decaying moments off the CPU's slow path (1.9× faster
  // at batch 1 on MNIST: docs/14-performance.md). Set in every worker thread and
  // restored on return; callbacks run under it. No effect on double models.
  bool flush_to_zero = true;
  // Continue a run from a checkpoint (io/checkpoint.hpp: load_checkpoint,
  // which also restores the model and the optimizer): training starts at
  // epoch resume_from->epochs_done, with that position's generators,
  // history and callback state; `epochs` is the total, as in the first run.
  // fit() keeps the pointer: the position must outlive the call.
  const TrainingPosition<Scalar>* resume_from = nullptr;

  // Validation data, evaluated after every epoch ("val_loss", "val_…").
  // fit() keeps pointers: the matrices must outlive the call.
  const Matrix<Scalar>* validation_X = nullptr;
  const Matrix<Scalar>* validation_Y = nullptr;
  const Labels* validation_y = nullptr;

  FitOptions& validate_on(const Matrix<Scalar>& X, const Matrix<Scalar>& Y) {
    validation_X = &X;
    validation_Y = &Y;
    validation_y = nullptr;
    return *this;
  }
  FitOptions& validate_on(const Matrix<Scalar>& X, const Labels& y) {
    validation_X = &X;
    validation_Y = nullptr;
    validation_y = &y;
    return *this;
  }
  bool has_validation() const { return validation_X != nullptr; }
};

}  // namespace hnn
