#pragma once
/// Exit codes of a Cohort process, and of the whole job when a rank aborts it
/// (MPI_Abort passes the code to mpirun/srun, which exits with it).
///
/// Thread safety: constants.
///
/// A program built on ClusterExecutor returns ClusterExecutor::exit_code()
/// from main() on every rank; abort_job() uses the codes below.

namespace cohort::cluster::exit_code {

inline constexpr int kOk = 0;               ///< every task ran and the runtime shut down cleanly
inline constexpr int kTasksFailed = 1;      ///< the run finished, but some tasks resolved with an error
inline constexpr int kUsage = 2;            ///< bad options or a bad launch (e.g. N copies as worlds of one)
inline constexpr int kShutdownTimeout = 3;  ///< a rank did not drain before the shutdown deadline
inline constexpr int kProtocolError = 4;    ///< a message that does not decode, or breaks the protocol
inline constexpr int kMpiError = 5;         ///< an MPI routine failed
inline constexpr int kInternalError = 70;   ///< an uncaught exception or a broken invariant (EX_SOFTWARE)
inline constexpr int kResume = 75;          ///< stopped early on request (SIGUSR1/SIGTERM), work journaled: rerun the same command to resume (EX_TEMPFAIL)
inline constexpr int kSignalBase = 128;     ///< fatal signal S: 128 + S, as shells report it

}  // namespace cohort::cluster::exit_code
