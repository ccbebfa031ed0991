// SPDX-License-Identifier: MIT
#pragma once
// Checkpoints: continuing an interrupted training run exactly.
//
// A checkpoint is a model file (io/model_file.hpp) with a training state
// after the layers: the optimizer's state (steps, learning rate, its moment
// tensors) and the TrainingPosition (model/training_state.hpp: epochs done,
// the loop's generators, the history, the callbacks' state). load_model reads
// it as a plain model; load_checkpoint also puts the optimizer and the
// position back, and a fit() given that position continues the run, giving
// bit for bit what the uninterrupted run would have given:
//
//   options.callbacks.push_back(hnn::resumable_checkpoint<float>("run.ckpt"));
//   model.fit(X, y, loss, adam, options);              // killed after epoch 7
//
//   // later, a new process with the model and optimizer built the same way:
//   auto position = hnn::load_checkpoint("run.ckpt", model, adam);
//   options.resume_from = &position;
//   model.fit(X, y, loss, adam, options);              // epochs 8, 9, …
//
// The rest of the run must be given as before: the same data, options and
// callbacks (in the same order, since their state is stored by position).

#include <memory>
#include <new>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/core/file.hpp"
#include "hnn/io/model_file.hpp"
#include "hnn/model/callbacks.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/model/training_state.hpp"
#include "hnn/optimizers/optimizer.hpp"

namespace hnn {

/// Writes the model, the optimizer's state and the position after this epoch to `path`.
// The write is atomic. Call it once every callback has seen the epoch
// (Callback::on_epoch_complete), as a resumable Checkpoint does.
template <typename Scalar>
void save_checkpoint(TrainingState<Scalar>& state, const std::string& path) {
  typename io::ModelFile<Scalar>::Training training{state.optimizer.state(), state.position()};
  write_file_atomically(path, io::model_file_bytes(state.model, &training));
}

/// Reads a checkpoint into a model and an optimizer built in code the way the run built them.
// It checks the architecture (as load_weights does) and that the
// optimizer is the one that was saved, then loads the parameters, buffers and
// optimizer state, and returns the position to resume from
// (FitOptions::resume_from). On any error (FileError, naming the file) the
// model and the optimizer are unchanged.
template <typename Scalar>
TrainingPosition<Scalar> load_checkpoint(const std::string& path, Sequential<Scalar>& model,
                                         Optimizer<Scalar>& optimizer) {
  auto file = io::guard_memory(path, [&] { return io::read_model_file<Scalar>(path); });
  if (!file.training) {
    throw FileError(path +
                    ": a model file without a training state, not a checkpoint "
                    "(load it with load_model or load_weights)");
  }
  io::check_architecture(path, model, file);
  auto params = model.parameters();  // load_state checks everything before it changes anything
  try {
    optimizer.load_state(file.training->optimizer, params);
  } catch (const ArgumentError& e) {
    throw FileError(path + ": the optimizer state does not fit: " + e.what());
  } catch (const std::bad_alloc&) {
    throw FileError(path + ": not enough memory for the optimizer state");
  }
  for (std::size_t k = 0; k < model.size(); ++k)
    io::copy_tensors(model.layer(k), file.layers[k]);
  return std::move(file.training->position);
}

/// A Checkpoint callback that writes a checkpoint to `path` after every `every` epochs.
template <typename Scalar>
std::shared_ptr<Checkpoint<Scalar>> resumable_checkpoint(const std::string& path, int every = 1) {
  return Checkpoint<Scalar>::resumable(
      [path](TrainingState<Scalar>& s) { save_checkpoint(s, path); }, every);
}

}  // namespace hnn
