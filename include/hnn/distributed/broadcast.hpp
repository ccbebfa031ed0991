// SPDX-License-Identifier: MIT
#pragma once
// Rank 0's model on every rank: data-parallel training starts from one
// model, whatever each process initialised its own with, and keeps the
// layers' buffers (BatchNorm's running statistics, which each replica would
// otherwise estimate from its own slices) equal to rank 0's after every
// step, as PyTorch's DistributedDataParallel does.
//
//   broadcast_buffers(comm, buffers, flat)      every buffer ← rank 0's (one MPI_Bcast)
//   broadcast_model(comm, model, optimizer)     every parameter, buffer and optimizer
//                                               state tensor, the step count and η ← rank 0's
//
// Both are collectives: every rank calls them, with models of the same
// architecture (distributed/consistency.hpp checks it first).

#include <vector>

#include "hnn/core/buffer.hpp"
#include "hnn/core/types.hpp"
#include "hnn/distributed/communicator.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/optimizers/optimizer.hpp"

namespace hnn {
namespace distributed {

/// Every tensor ← rank 0's, in one broadcast through `flat` (reused between calls).
// `Tensors` is a list of Parameter or Buffer (anything with value()).
template <typename Scalar, typename Tensors>
void broadcast_values(const Communicator& comm, Tensors& tensors, std::vector<Scalar>& flat) {
  Index n = 0;
  for (const auto& t : tensors)
    n += t.size();
  if (n == 0) return;
  flat.resize(std::size_t(n));
  Scalar* at = flat.data();
  for (const auto& t : tensors) {
    const auto v = t.value();
    std::copy(v.data(), v.data() + v.size(), at);
    at += v.size();
  }
  comm.broadcast(flat.data(), n);
  at = flat.data();
  for (auto& t : tensors) {
    auto v = t.value();
    std::copy(at, at + v.size(), v.data());
    at += v.size();
  }
}

/// Every buffer ← rank 0's (after each step: the running statistics).
template <typename Scalar>
void broadcast_buffers(const Communicator& comm, std::vector<Buffer<Scalar>>& buffers,
                       std::vector<Scalar>& flat) {
  broadcast_values(comm, buffers, flat);
}

/// The model's parameters and buffers, and the optimizer's state, ← rank 0's.
// Every rank's optimizer must have the same name and step count, and state
// tensors of the same shapes (a fresh optimizer has none).
template <typename Scalar>
void broadcast_model(const Communicator& comm, Sequential<Scalar>& model,
                     Optimizer<Scalar>& optimizer) {
  std::vector<Scalar> flat;
  auto params = model.parameters();
  auto buffers = model.buffers();
  broadcast_values(comm, params, flat);
  broadcast_values(comm, buffers, flat);

  OptimizerState<Scalar> s = optimizer.state();
  double lr = s.learning_rate;
  comm.broadcast(&lr, 1);
  s.learning_rate = lr;
  for (auto& kind : s.tensors) {
    for (auto& t : kind.second) {
      if (t.size() > 0) comm.broadcast(t.data(), t.size());
    }
  }
  optimizer.load_state(s, params);
}

}  // namespace distributed
}  // namespace hnn
