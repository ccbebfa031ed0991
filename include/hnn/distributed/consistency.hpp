// SPDX-License-Identifier: MIT
#pragma once
// Are the replicas the same? Data-parallel training is only correct while
// every process holds the same model and takes the same steps, so it checks
// that by comparing hashes across the ranks (64 bits each, one all-gather):
//
//   architecture_hash(model)        the layers (type and settings), the input
//                                   shape, every parameter's and buffer's name and shape
//   state_hash(model, optimizer)    the bits of every parameter, buffer and
//                                   optimizer state tensor, the step count and η
//   data_hash(X)                    the bits of a matrix (the training data)
//
//   check_same_on_every_rank(comm, what, hash)   ArgumentError on every rank if one differs
//   replicas_identical(comm, model, optimizer)   whether every rank's state hash is equal
//
// The hash mixes each 64-bit word into the running value with SplitMix64's
// finaliser; two different inputs give the same value with probability
// about 2⁻⁶⁴, which is what a check (not a cryptographic proof) needs.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"
#include "hnn/distributed/communicator.hpp"
#include "hnn/model/sequential.hpp"
#include "hnn/optimizers/optimizer.hpp"

namespace hnn {
namespace distributed {

/// A 64-bit hash of numbers and text, fed piece by piece.
class Hasher {
 public:
  /// Mixes in one 64-bit word.
  Hasher& add(std::uint64_t v) {
    std::uint64_t z = h_ + v + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    h_ = z ^ (z >> 31);
    return *this;
  }
  /// Mixes in a text, its length first.
  Hasher& add(const std::string& s) {
    add(std::uint64_t(s.size()));
    for (const char c : s)
      add(std::uint64_t(static_cast<unsigned char>(c)));
    return *this;
  }
  /// Mixes in the bits of n numbers (so 0.0 and −0.0 differ, and every NaN is itself).
  template <typename Scalar>
  Hasher& add_bits(const Scalar* x, Index n) {
    add(std::uint64_t(n));
    for (Index i = 0; i < n; ++i) {
      std::uint64_t bits = 0;
      std::memcpy(&bits, x + i, sizeof(Scalar));
      add(bits);
    }
    return *this;
  }
  /// The hash so far.
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0;
};

/// The model's architecture: input shape, layers, and each parameter's and buffer's name and shape.
template <typename Scalar>
std::uint64_t architecture_hash(Sequential<Scalar>& model) {
  Hasher h;
  h.add(model.input_shape().str()).add(std::uint64_t(model.size()));
  for (std::size_t k = 0; k < model.size(); ++k)
    h.add(model.layer(k).describe());
  for (auto& p : model.parameters())
    h.add(p.name()).add(std::uint64_t(p.rows())).add(std::uint64_t(p.cols()));
  for (auto& b : model.buffers())
    h.add(b.name()).add(std::uint64_t(b.rows())).add(std::uint64_t(b.cols()));
  return h.value();
}

/// The bits of every parameter, buffer and optimizer state tensor, the optimizer's steps and η.
template <typename Scalar>
std::uint64_t state_hash(Sequential<Scalar>& model, Optimizer<Scalar>& optimizer) {
  Hasher h;
  for (auto& p : model.parameters())
    h.add_bits(p.value().data(), p.size());
  for (auto& b : model.buffers())
    h.add_bits(b.value().data(), b.size());
  const OptimizerState<Scalar> s = optimizer.state();
  h.add(s.optimizer).add(std::uint64_t(s.steps)).add_bits(&s.learning_rate, 1);
  for (const auto& kind : s.tensors) {
    h.add(kind.first);
    for (const auto& t : kind.second)
      h.add_bits(t.data(), t.size());
  }
  return h.value();
}

/// The bits of a matrix (or of labels) and its shape.
template <typename Derived>
std::uint64_t data_hash(const Eigen::PlainObjectBase<Derived>& M) {
  Hasher h;
  h.add(std::uint64_t(M.rows())).add(std::uint64_t(M.cols()));
  h.add_bits(M.data(), M.size());
  return h.value();
}

/// The ranks whose `hash` differs from rank 0's (empty if every rank agrees); a collective.
inline std::vector<int> ranks_differing(const Communicator& comm, std::uint64_t hash) {
  const std::vector<std::uint64_t> all = comm.all_gather(hash);
  std::vector<int> differ;
  for (std::size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differ.push_back(int(r));
  return differ;
}

/// ArgumentError on every rank if `hash` (of `what`) is not the same on every rank.
inline void check_same_on_every_rank(const Communicator& comm, const std::string& what,
                                     std::uint64_t hash) {
  const std::vector<int> differ = ranks_differing(comm, hash);
  if (differ.empty()) return;
  std::string ranks;
  for (const int r : differ)
    ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
  throw ArgumentError("hnn::distributed: the " + what + " on rank" +
                      (differ.size() > 1 ? "s " : " ") + ranks + " differ" +
                      (differ.size() > 1 ? "" : "s") + " from rank 0's; every process must " +
                      "train the same model on the same data with the same options");
}

/// Whether every rank holds bit-identical parameters, buffers and optimizer state; a collective.
template <typename Scalar>
bool replicas_identical(const Communicator& comm, Sequential<Scalar>& model,
                        Optimizer<Scalar>& optimizer) {
  return ranks_differing(comm, state_hash(model, optimizer)).empty();
}

}  // namespace distributed
}  // namespace hnn
