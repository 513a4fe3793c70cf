#pragma once
// Who this process is (rank, host), cached where the abort path and the signal
// handlers can read it without allocating or calling MPI.
//
// Thread safety: readers on any thread (and in signal handlers); set_* from the
// thread that initialises MPI.

namespace cohort::cluster::detail {

/// The world rank once MPI is initialised; before that, the rank the launcher
/// announced in the environment (OMPI_COMM_WORLD_RANK, PMIX_RANK, PMI_RANK,
/// SLURM_PROCID); -1 when nothing is known.
int process_rank() noexcept;
void set_process_rank(int rank) noexcept;

/// gethostname(), cached at first use; never null.
const char* host_name() noexcept;

}  // namespace cohort::cluster::detail

namespace cohort::cluster::detail {
/// Tells the signal handlers whether MPI_Abort may be called (defined in abort.cpp).
void set_mpi_live(bool live) noexcept;
}  // namespace cohort::cluster::detail
