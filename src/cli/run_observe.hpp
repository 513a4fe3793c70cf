#pragma once
// What `cohort run` shows about a run (issue 7): the progress bar on rank 0,
// the summary at the end, --trace FILE (Chrome trace JSON), --report FILE.html
// and --stats FILE.json. One RunObserver per process, built before the
// executor (it hands the runtime its observer) and finished after shutdown.
//
// Thread safety: the runtime calls its observers from its loop thread;
// everything else here runs on the thread that runs the job.

#include <cohort/cluster/options.hpp>
#include <cohort/mapreduce/engine.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace cohort::cli {

struct ObserveOptions {
  std::filesystem::path trace;   ///< --trace FILE
  std::filesystem::path report;  ///< --report FILE.html
  std::filesystem::path stats;   ///< --stats FILE.json
  std::string progress = "auto"; ///< --progress auto|bar|lines|off
  bool quiet = false;            ///< --quiet: no progress, no summary
};

class RunObserver {
 public:
  /// `root`: this process is rank 0 (as the launcher says; workers only collect).
  RunObserver(const ObserveOptions& options, bool root);
  ~RunObserver();
  RunObserver(const RunObserver&) = delete;
  RunObserver& operator=(const RunObserver&) = delete;

  /// Every rank, before the executor is built.
  void configure(cluster::ClusterOptions& options);
  /// Rank 0, before the run: an unusable --trace/--report/--stats path is an
  /// error now, not after an hour of work. @throws cohort::Error(io_error)
  void check_paths() const;
  /// Rank 0: starts the progress bar and the run's clock.
  void start();
  /// Rank 0: the job's progress, turned into phase events.
  void on_progress(const mapreduce::Progress& p);
  /// Rank 0: takes the bar off the terminal (before an error message or the summary).
  void stop_progress();
  /// Rank 0: the job is over (its wall time ends here); stops the progress.
  void end();
  /// Rank 0, after the executor shut down (every event is in): prints the
  /// summary (unless quiet) and writes the files asked for. Returns the exit
  /// status: 0, or 6 when a file could not be written (the message says which).
  int finish(const std::string& job);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cohort::cli
