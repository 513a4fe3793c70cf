#pragma once
/// The figures of a run, computed once from a Recording: the summary printed at
/// the end of every run, `--stats FILE.json`, and the report's header.
///
/// Thread safety: pure functions over values.

#include <cohort/observe/export.hpp>
#include <cohort/observe/recorder.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cohort::observe {

struct RankStats {
  int rank = 0;
  std::string host;
  std::uint32_t threads = 0;
  std::uint64_t tasks = 0;        ///< attempts that ran there
  double busy_seconds = 0;        ///< sum of its tasks' run times
  double utilization = 0;         ///< busy / (threads x wall), 0..1 (0 when times are missing)
  std::int64_t clock_offset_ns = 0;
  std::int64_t clock_rtt_ns = -1;
};

struct RunStats {
  std::string job;
  int ranks = 1;
  int workers = 0;                ///< ranks that ran tasks
  std::uint32_t threads = 0;      ///< pool threads, all workers
  double wall_seconds = 0;
  std::uint64_t tasks = 0;        ///< tasks submitted
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t retries = 0;
  double throughput = 0;          ///< finished tasks per second of wall time
  double utilization = 0;         ///< busy / (threads x wall), all workers
  bool timed = false;             ///< task run times were measured
  double task_p50 = 0, task_p90 = 0, task_p99 = 0, task_max = 0, task_mean = 0;  ///< seconds
  std::uint64_t bytes_in = 0, bytes_out = 0;  ///< task arguments sent, results received
  std::uint64_t batches = 0;      ///< task batches sent
  std::vector<RankStats> per_rank;
  struct Phase {
    std::string name;
    unsigned round = 0;
    double seconds = 0;
  };
  std::vector<Phase> phases;
};

COHORT_OBSERVE_EXPORT RunStats compute_stats(const Recording& recording);

/// Two or three lines for stderr, e.g.
///   "cohort: 64 tasks on 3 workers x 4 threads in 2.31 s (27.7 tasks/s); 0 failed, 0 retried; busy 81%"
COHORT_OBSERVE_EXPORT std::string format_summary(const RunStats& stats);

/// The same figures as JSON (keys documented in docs/README-report.md).
COHORT_OBSERVE_EXPORT std::string stats_json(const RunStats& stats);
/// Writes stats_json() to `path` (whole or not at all). @throws cohort::Error(io_error)
COHORT_OBSERVE_EXPORT void write_stats(const RunStats& stats, const std::filesystem::path& path);

}  // namespace cohort::observe
