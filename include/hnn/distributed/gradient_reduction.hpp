// SPDX-License-Identifier: MIT
#pragma once
// The sum of the replicas' gradients, in one collective call per step.
//
// Rank r trained on n_r of the batch's B samples, and its loss is the mean
// over its own slice, so its gradient is g_r = ∂ℓ_r/∂w with the 1/n_r of that
// mean. The batch's mean loss is ℓ = Σ_r (n_r / B) ℓ_r, and its gradient
//
//   g = Σ_r (n_r / B) g_r                          (docs/22-data-parallel.md derives it)
//
// GradientReduction lays every parameter's weighted gradient (n_r / B) g_r
// end to end in one flat buffer (one call for the whole model rather than
// one per tensor: each call costs a latency, a few µs between processes of
// one machine, much more between machines), sums the buffers of all ranks,
// and writes the sum back into the gradients. How the sum is taken:
//
//   Reduction::all_reduce   MPI_Allreduce: the MPI library chooses the
//                           algorithm (a ring for long buffers), and with it
//                           the order of the additions; every rank gets the same numbers.
//   Reduction::rank_order   MPI_Allgather of every rank's buffer, then each
//                           rank adds them up itself in rank order,
//                           ((g₀ + g₁) + g₂) + …: the same numbers whatever the
//                           MPI library does, and bit for bit those of one
//                           process that computes the slices one after the other.
//                           It moves R − 1 buffers into each process instead of
//                           about 2 (R − 1)/R of one, and is meant for tests.

#include <algorithm>
#include <vector>

#include "hnn/core/parameter.hpp"
#include "hnn/core/types.hpp"
#include "hnn/distributed/communicator.hpp"

namespace hnn {
namespace distributed {

/// How the ranks' gradients are summed.
enum class Reduction {
  all_reduce,  ///< MPI_Allreduce, in the order the MPI library chooses
  rank_order   ///< gathered, then added in rank order: reproducible bit for bit
};

/// g ← Σ_r w_r g_r over the ranks, for every parameter at once, through one flat buffer.
template <typename Scalar>
class GradientReduction {
 public:
  /// Sums over the ranks of `comm`, as `how` says.
  explicit GradientReduction(const Communicator& comm, Reduction how = Reduction::all_reduce)
      : comm_(comm), how_(how) {}

  /// Every gradient ← the sum over the ranks of `weight` × that rank's gradient.
  void reduce(std::vector<Parameter<Scalar>>& params, Scalar weight) {
    Index n = 0;
    for (const auto& p : params)
      n += p.size();
    flat_.resize(std::size_t(n));  // after the first step: the same size, no allocation
    Scalar* at = flat_.data();
    for (auto& p : params) {  // flat = [w g(p₀), w g(p₁), …]
      const auto g = p.grad();
      for (Index i = 0; i < g.size(); ++i)
        at[i] = weight * g.data()[i];
      at += g.size();
    }
    const double t0 = MPI_Wtime();
    if (how_ == Reduction::all_reduce) {
      comm_.all_sum(flat_.data(), n);
    } else {
      gathered_.resize(std::size_t(n) * std::size_t(comm_.size()));
      comm_.all_gather(flat_.data(), n, gathered_.data());
      std::copy(gathered_.begin(), gathered_.begin() + std::ptrdiff_t(n), flat_.begin());
      for (int r = 1; r < comm_.size(); ++r) {  // ((g₀ + g₁) + g₂) + …
        const Scalar* g_r = gathered_.data() + std::size_t(r) * std::size_t(n);
        for (Index i = 0; i < n; ++i)
          flat_[std::size_t(i)] += g_r[i];
      }
    }
    seconds_ += MPI_Wtime() - t0;
    ++calls_;
    at = flat_.data();
    for (auto& p : params) {
      auto g = p.grad();
      std::copy(at, at + g.size(), g.data());
      at += g.size();
    }
  }

  /// The numbers summed per step (the model's parameter count).
  Index size() const { return Index(flat_.size()); }
  /// The time spent in the collective calls so far, in seconds.
  double seconds() const { return seconds_; }
  /// How many reductions were made.
  long calls() const { return calls_; }

 private:
  Communicator comm_;
  Reduction how_;
  std::vector<Scalar> flat_;      // this rank's weighted gradients, then their sum
  std::vector<Scalar> gathered_;  // rank_order: every rank's flat_, in rank order
  double seconds_ = 0;
  long calls_ = 0;
};

}  // namespace distributed
}  // namespace hnn
