// SPDX-License-Identifier: MIT
#pragma once
// The processes of an MPI communicator, as data-parallel training
// (distributed/data_parallel.hpp) uses them: a rank and a size, and the four
// collective operations it needs, on contiguous arrays of numbers.
//
//   all_sum(x, n)          x ← Σ_r x_r          (MPI_Allreduce, MPI_SUM), on every rank
//   broadcast(x, n)        x ← x_0              (MPI_Bcast from rank 0)
//   all_gather(x, n, out)  out = [x_0 … x_{R−1}] (MPI_Allgather), n values each
//   gather_columns(…)      the same for the column blocks of a matrix, of different widths
//
// The distributed headers are the one part of hnn that needs MPI: they are not
// included by hnn/hnn.hpp, and only a program that includes them links MPI
// (CMake: hnn::distributed). MPI must be initialised (MPI_Init) before a
// Communicator is made, and finalised (MPI_Finalize) after its last use.
// MPI's error handler stays MPI's: by default a failed call aborts every
// process, which is what a training run that lost a process should do.
// hnn uses MPI's C interface only. The C++ bindings that Open MPI's mpi.h
// also declares (deprecated since MPI 2.2, removed in MPI 3) draw
// -Wcast-function-type under -Wextra; the CMake target hnn::distributed
// leaves them out (OMPI_SKIP_MPICXX, MPICH_SKIP_MPICXX), and so can a build
// without CMake: mpicxx -DOMPI_SKIP_MPICXX=1.

#include <mpi.h>

#include <climits>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "hnn/core/error.hpp"
#include "hnn/core/types.hpp"

namespace hnn {
namespace distributed {

/// The MPI type of a C++ number type (float, double, std::uint64_t).
template <typename T>
MPI_Datatype mpi_type() {
  static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value ||
                    std::is_same<T, std::uint64_t>::value,
                "mpi_type: float, double or std::uint64_t");
  if (std::is_same<T, float>::value) return MPI_FLOAT;
  if (std::is_same<T, double>::value) return MPI_DOUBLE;
  return MPI_UINT64_T;
}

/// The processes of an MPI communicator (MPI_COMM_WORLD by default).
class Communicator {
 public:
  /// The processes of `comm`; Error if MPI is not initialised, or already finalised.
  explicit Communicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    if (!initialised || finalised) {
      throw Error(std::string("hnn::distributed: MPI is ") +
                  (finalised ? "already finalised" : "not initialised") +
                  ": call MPI_Init before training and MPI_Finalize after it");
    }
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }

  /// This process's rank, 0 … size() − 1.
  int rank() const { return rank_; }
  /// The number of processes.
  int size() const { return size_; }
  /// Whether this is rank 0, the one that prints and saves.
  bool is_root() const { return rank_ == 0; }
  /// The MPI communicator.
  MPI_Comm comm() const { return comm_; }

  /// x ← the sum of every rank's x (n numbers), on every rank.
  template <typename T>
  void all_sum(T* x, Index n) const {
    MPI_Allreduce(MPI_IN_PLACE, x, count(n), mpi_type<T>(), MPI_SUM, comm_);
  }
  /// x ← rank 0's x (n numbers).
  template <typename T>
  void broadcast(T* x, Index n) const {
    MPI_Bcast(x, count(n), mpi_type<T>(), 0, comm_);
  }
  /// out ← every rank's x (n numbers each) one after the other, in rank order.
  template <typename T>
  void all_gather(const T* x, Index n, T* out) const {
    MPI_Allgather(x, count(n), mpi_type<T>(), out, count(n), mpi_type<T>(), comm_);
  }
  /// Every rank's x, in rank order.
  template <typename T>
  std::vector<T> all_gather(const T& x) const {
    std::vector<T> out(static_cast<std::size_t>(size_));
    all_gather(&x, 1, out.data());
    return out;
  }
  /// Matrix P ← the columns each rank computed: rank r's P.middleCols(first[r], width[r]).
  // P has the same shape everywhere; the blocks lie side by side in rank order.
  template <typename Scalar>
  void gather_columns(Matrix<Scalar>& P, const std::vector<Index>& first,
                      const std::vector<Index>& width) const {
    std::vector<int> counts(static_cast<std::size_t>(size_)), offsets(counts.size());
    for (std::size_t r = 0; r < counts.size(); ++r) {
      counts[r] = count(width[r] * P.rows());
      offsets[r] = count(first[r] * P.rows());
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, mpi_type<Scalar>(), P.data(), counts.data(), offsets.data(),
                   mpi_type<Scalar>(), comm_);
  }
  /// Waits until every rank has come here.
  void barrier() const { MPI_Barrier(comm_); }

 private:
  // MPI counts are int.
  static int count(Index n) {
    if (n < 0 || n > Index(INT_MAX)) {
      throw ArgumentError("hnn::distributed: " + std::to_string(n) +
                          " numbers in one MPI call, more than an int counts");
    }
    return int(n);
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace distributed
}  // namespace hnn
