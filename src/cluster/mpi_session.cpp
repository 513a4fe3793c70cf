#include <cohort/cluster/mpi_session.hpp>

#include <cohort/cluster/abort.hpp>
#include <cohort/cluster/exit_codes.hpp>
#include <cohort/core/error.hpp>

#include "log.hpp"
#include "mpi_check.hpp"
#include "mpi_thread.hpp"
#include "process_info.hpp"

#include <mpi.h>

#include <atomic>
#include <string>

namespace cohort::cluster {
namespace {

const char* level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
    default: return "an unknown MPI thread level";
  }
}

}  // namespace

MpiSession::MpiSession(SessionOptions options) {
  // Read the launcher's variables before MPI_Init: a singleton init adds PMIx
  // variables of its own.
  launch_ = detect_launch();
  if (options.install_abort_handlers) install_abort_handlers();
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized != 0)
    throw Error(Errc::invalid_state, "MpiSession: MPI was already finalised in this process; it cannot be restarted");

  const int wanted = options.thread_level == ThreadLevel::serialized ? MPI_THREAD_SERIALIZED : MPI_THREAD_FUNNELED;
  int provided = MPI_THREAD_SINGLE;
  if (initialized == 0) {
#ifdef OMPI_MAJOR_VERSION
    constexpr bool kOpenMpi = true;
#else
    constexpr bool kOpenMpi = false;
#endif
    if (options.check_launch) {
      if (auto problem = launch_problem_before_init(launch_, kOpenMpi)) abort_job(*problem, exit_code::kUsage);
    }
    detail::check_mpi(MPI_Init_thread(nullptr, nullptr, wanted, &provided), "MPI_Init_thread");
    owns_ = true;
    if (provided < wanted) {
      MPI_Finalize();
      throw Error(Errc::mpi_error, std::string("MPI_Init_thread: asked for ") + level_name(wanted) + ", this MPI provides " +
                                       level_name(provided) + "; Cohort needs its event-loop thread to call MPI");
    }
  } else {
    MPI_Query_thread(&provided);
    int is_main = 0;
    MPI_Is_thread_main(&is_main);
    if (is_main == 0 && provided < MPI_THREAD_SERIALIZED)
      throw Error(Errc::invalid_argument,
                  std::string("MpiSession: MPI was initialised by another thread with ") + level_name(provided) +
                      "; Cohort calls MPI from its own event-loop thread, which needs MPI_THREAD_SERIALIZED or more: "
                      "initialise MPI with MPI_Init_thread(..., MPI_THREAD_SERIALIZED, ...)");
  }
  previous_mpi_thread_ = detail::bind_mpi_thread();
  detail::set_mpi_live(true);

  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  detail::set_process_rank(rank_);
  host_ = detail::host_name();

  COHORT_CLUSTER_DEBUG("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + " on host " + host_ +
                       ", cpus " + affinity_string() + ", launcher " + launch_.launcher +
                       (launch_.variable.empty() ? std::string() : " (" + launch_.variable + ")") + ", " +
                       level_name(provided) + (owns_ ? ", MPI initialised here" : ", MPI initialised by the host program"));

  if (options.check_launch) {
    if (auto problem = launch_mismatch(launch_, size_)) abort_job(*problem, exit_code::kUsage);
  }
}

MpiSession::~MpiSession() {
  COHORT_ASSERT_MPI_THREAD();
  if (int live = detail::live_transports(); live > 0)
    detail::log_warn("MpiSession ends while " + std::to_string(live) + " Transport(s) are still open");
  detail::unbind_mpi_thread(previous_mpi_thread_);
  if (owns_) {
    detail::set_mpi_live(false);
    MPI_Finalize();
  }
}

}  // namespace cohort::cluster
