// SPDX-License-Identifier: MIT
#pragma once
// The settings of one fit() call.
//
// batch_size chooses among the three gradient-descent variants the docs
// teach: 0 (or ≥ the number of samples) is batch gradient descent, one step
// per epoch on the exact gradient; 1 is stochastic gradient descent, one step
// per sample; anything between is mini-batch.

#include <cstdint>
#include <iostream>
#include <memory>
#include <vector>

#include "hnn/core/types.hpp"
#include "hnn/model/metrics.hpp"

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
  Verbosity verbosity = Verbosity::progress;
  std::ostream* out = &std::cout;

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
