#pragma once
/// What launched this process, read from the environment, and the self-check
/// that catches the classic mistake: N copies started without an MPI wire-up
/// (plain `srun -n 4 prog` with Debian's Open MPI), each seeing a world of one
/// and each running the whole job alone.
///
/// Thread safety: pure functions; detect_launch() reads the environment.

#include <cohort/cluster/export.hpp>

#include <functional>
#include <optional>
#include <string>

namespace cohort::cluster {

struct LaunchInfo {
  std::string launcher = "none";  ///< "mpirun", "srun --mpi=pmix", "PMI", "slurm step" or "none"
  int tasks = 1;                  ///< how many tasks the launcher says it started (1: unknown/one)
  std::string variable;           ///< the variable that said so, e.g. "OMPI_COMM_WORLD_SIZE=4"
};

/// Looks a variable up; returns nullptr when unset. Defaults to std::getenv.
using EnvLookup = std::function<const char*(const char*)>;

/// Reads, in order of trust: OMPI_COMM_WORLD_SIZE (mpirun), PMIX_RANK with
/// SLURM_STEP_NUM_TASKS/SLURM_NTASKS (srun --mpi=pmix), PMI_SIZE, then a Slurm
/// job step (SLURM_STEP_ID set, not the batch script) with SLURM_STEP_NUM_TASKS
/// or SLURM_NTASKS.
COHORT_CLUSTER_EXPORT LaunchInfo detect_launch(const EnvLookup& env = {});

/// The message to fail with when the launcher started several tasks but MPI
/// sees a world of `world_size` == 1; nothing when the two agree.
COHORT_CLUSTER_EXPORT std::optional<std::string> launch_mismatch(const LaunchInfo& launch, int world_size);

/// Checked before MPI_Init: a Slurm step of N > 1 tasks that carries no MPI
/// wire-up at all (no PMIX_RANK, PMI_SIZE, OMPI_COMM_WORLD_SIZE: plain
/// `srun -n N` without --mpi=pmix). With Open MPI (`open_mpi`) that either dies
/// inside MPI_Init with a screenful about PMI or runs N worlds of one, so the
/// message says what to do instead. Other MPIs may wire up from Slurm's own
/// variables: nothing is reported for them.
COHORT_CLUSTER_EXPORT std::optional<std::string> launch_problem_before_init(const LaunchInfo& launch, bool open_mpi);

/// The CPUs this process may run on (sched_getaffinity), as "0-3,6".
COHORT_CLUSTER_EXPORT std::string affinity_string();

}  // namespace cohort::cluster
