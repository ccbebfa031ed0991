// SPDX-License-Identifier: MIT
// The doctest runner of the distributed tests (hnn_distributed_tests): every
// rank of `mpirun -np R` runs every test case, whose collectives meet.
//
// Around them, main checks the one error no test case can reach: a
// Communicator made before MPI_Init, or after MPI_Finalize, is an Error.
// Every rank prints failures; rank 0 also prints the summary. The exit code
// is the same on every rank: nonzero if any rank failed.
//
// It includes every distributed header, as test_data_parallel.cpp does: a
// non-inline function defined in one of them would then be defined twice,
// and the link would fail.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <mpi.h>

#include <iostream>
#include <string>

#include "hnn/core/error.hpp"
#include "hnn/distributed/broadcast.hpp"
#include "hnn/distributed/communicator.hpp"
#include "hnn/distributed/consistency.hpp"
#include "hnn/distributed/data_parallel.hpp"
#include "hnn/distributed/gradient_reduction.hpp"

namespace {

// Whether making a Communicator now throws an Error whose message holds `words`.
bool communicator_refused(const std::string& words) {
  try {
    const hnn::distributed::Communicator comm;
    std::cerr << "a Communicator was made without MPI (rank " << comm.rank() << ")\n";
    return false;
  } catch (const hnn::Error& e) {
    const bool named = std::string(e.what()).find(words) != std::string::npos;
    if (!named) std::cerr << "unexpected message: " << e.what() << '\n';
    return named;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool before = communicator_refused("MPI is not initialised");
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);

  doctest::Context context(argc, argv);
  if (rank != 0) context.setOption("minimal", true);  // failures only
  int failed = context.run() != 0 || !before ? 1 : 0;
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  const bool exiting = context.shouldExit();
  MPI_Finalize();

  const bool after = communicator_refused("MPI is already finalised");
  if (exiting) return any_failed;
  return any_failed || !after ? 1 : 0;
}
