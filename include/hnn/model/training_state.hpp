// SPDX-License-Identifier: MIT
#pragma once
// What the training loop (model/train.hpp) shows its callbacks, and what it
// needs to continue a run exactly after an interruption.
//
// TrainingState: the model, the optimizer, the history so far, where the loop
// is (epoch, batch), and a `stop` flag a callback sets to end training after
// the current epoch.
//
// TrainingPosition: a run between two epochs — the epochs done, the states of
// the loop's two generators (the sample order's and the one handed to the
// layers), the order the samples were last shuffled into (each epoch shuffles
// the previous order further), the history, and what the callbacks need to
// carry on (their numbers and tensors, by name). With the model's parameters and buffers and
// the optimizer's state it is everything a later epoch depends on: resuming
// from it (FitOptions::resume_from) gives, bit for bit, what the run would
// have given uninterrupted. io/checkpoint.hpp writes and reads it.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hnn/core/random.hpp"
#include "hnn/core/types.hpp"
#include "hnn/model/history.hpp"

namespace hnn {

template <typename Scalar>
class Sequential;
template <typename Scalar>
class Optimizer;
template <typename Scalar>
class Callback;

/// Where a run stands after an epoch: what a checkpoint stores to resume it.
template <typename Scalar>
struct TrainingPosition {
  int epochs_done = 0;       ///< the epochs trained
  std::string order_random;  ///< Random::state() of the generator that shuffles the samples
  std::string layer_random;  ///< Random::state() of the layers' generator (dropout)
  // The sample order of the last epoch done: a permutation of 0 … N − 1, or
  // empty when the samples are not shuffled.
  std::vector<Index> order;  ///< the sample order of the last epoch done
  History history;           ///< the History so far
  // The callbacks' state, each name prefixed with the callback's index in
  // FitOptions::callbacks ("1.wait").
  std::vector<std::pair<std::string, double>> values;           ///< the callbacks' numbers
  std::vector<std::pair<std::string, Matrix<Scalar>>> tensors;  ///< the callbacks' tensors

  /// The value `name`, or `fallback` if absent.
  double value(const std::string& name, double fallback) const {
    for (const auto& v : values)
      if (v.first == name) return v.second;
    return fallback;
  }
  /// The tensor `name`, or null if absent.
  const Matrix<Scalar>* tensor(const std::string& name) const {
    for (const auto& t : tensors)
      if (t.first == name) return &t.second;
    return nullptr;
  }
};

/// What the callbacks see of a run: the model, the optimizer, the History, the position.
template <typename Scalar>
struct TrainingState {
  Sequential<Scalar>& model;     ///< the model being trained
  Optimizer<Scalar>& optimizer;  ///< its optimizer
  History& history;              ///< what fit() has measured so far
  int epoch = 0;                 ///< counted from 0
  int epochs = 0;                ///< how many were asked for
  Index batch = 0;               ///< within the epoch
  Index batches = 0;             ///< per epoch
  Index batch_size = 0;          ///< samples in the current batch (the last one may be smaller)
  bool stop = false;             ///< set by a callback to end training after this epoch
  std::string stop_reason;       ///< why, for the progress line
  // The loop's generators and callbacks (for position()).
  Random* order_random = nullptr;  ///< the generator that shuffles the samples
  Random* layer_random = nullptr;  ///< the generator handed to the layers
  const std::vector<std::shared_ptr<Callback<Scalar>>>* callbacks = nullptr;  ///< the callbacks
  const std::vector<Index>* order = nullptr;  ///< the sample order, when shuffled

  /// The run as it stands after the current epoch.
  // Call it once every callback has seen the epoch end: Callback::on_epoch_complete.
  TrainingPosition<Scalar> position() const;
};

}  // namespace hnn
