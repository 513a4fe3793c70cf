#pragma once
/// MpiSession: MPI for the lifetime of one object, on the thread that will
/// call MPI (Cohort's event-loop thread).
///
/// Thread safety: construct, use and destroy on one thread — the MPI thread.
/// rank()/size()/host() are immutable and may be read from any thread.
///
/// - If MPI is not initialised, the constructor calls MPI_Init_thread with the
///   requested level (MPI_THREAD_FUNNELED by default), checks `provided`, and
///   the destructor calls MPI_Finalize (owns_mpi() is true).
/// - If MPI is already initialised (a benchmark, the MPI test main, a host
///   program), the session uses it and never finalises it. When the calling
///   thread is not the one that initialised MPI, MPI must provide at least
///   MPI_THREAD_SERIALIZED, else the constructor throws cohort::Error
///   (invalid_argument) saying so.
/// - The constructing thread becomes the MPI thread: every MPI-touching
///   function of the cluster layer asserts it (debug builds). Nested sessions
///   restore the previous MPI thread when they end.
/// - With check_launch (default), a launcher that started N > 1 tasks while
///   MPI reports a world of one aborts the run (exit_code::kUsage) naming the
///   variable it saw. With install_abort_handlers (default), uncaught
///   exceptions and fatal signals abort the whole job (see abort.hpp).
/// - At debug level (COHORT_LOG_LEVEL=debug) logs rank, size, host, CPU set
///   and launcher.

#include <cohort/cluster/export.hpp>
#include <cohort/cluster/launch.hpp>

#include <string>
#include <thread>

namespace cohort::cluster {

enum class ThreadLevel { funneled, serialized };

struct SessionOptions {
  ThreadLevel thread_level = ThreadLevel::funneled;
  bool install_abort_handlers = true;
  bool check_launch = true;
};

class COHORT_CLUSTER_EXPORT MpiSession {
 public:
  explicit MpiSession(SessionOptions options = {});
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  const std::string& host() const noexcept { return host_; }
  /// True when this session initialised MPI and will finalise it.
  bool owns_mpi() const noexcept { return owns_; }
  const LaunchInfo& launch() const noexcept { return launch_; }

 private:
  int rank_ = 0;
  int size_ = 1;
  bool owns_ = false;
  std::string host_;
  LaunchInfo launch_;
  std::thread::id previous_mpi_thread_;
};

}  // namespace cohort::cluster
