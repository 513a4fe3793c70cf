// A program that fails on purpose on one rank, so CTest can check that the
// whole job ends (no rank hangs) with the abort line naming rank and cause.
//   abort_probe throw   rank 1 (or 0 alone) throws out of main
//   abort_probe segv    rank 1 (or 0 alone) dereferences a bad pointer
// Every other rank waits in a barrier it would never leave on its own.
#include <cohort/cluster/mpi_session.hpp>

#include <mpi.h>

#include <csignal>
#include <cstring>
#include <stdexcept>

int main(int argc, char** argv) {
  cohort::cluster::MpiSession session;
  const int victim = session.size() > 1 ? 1 : 0;
  const char* mode = argc > 1 ? argv[1] : "throw";
  if (session.rank() == victim) {
    if (std::strcmp(mode, "segv") == 0) {
      std::raise(SIGSEGV);
    }
    throw std::out_of_range("probe: index 7 past the end");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  return 0;
}
