#pragma once
// `cohort run`'s resumable-run options (--journal, --drain-timeout,
// --split-size) and its stop signals: SIGUSR1, SIGTERM or SIGINT ask rank 0
// to stop cleanly and exit with kResumeExit; the requeued (or rerun) command
// resumes from the journal.
//
// Thread safety: install_stop_signals() once, from main's thread, before the
// runtime starts threads; the rest from rank 0's main thread.
//
// - Every rank installs the handlers: mpirun forwards SIGUSR1 to every rank
//   and Slurm's time limit sends SIGTERM to every rank, and a worker must not
//   die of them — it serves until rank 0 tells it to stop. Only rank 0 acts.
// - On rank 0 a SIGTERM/SIGINT arriving more than 2 s after the first stop
//   signal ends the process at once (the default action); one event delivered
//   twice (by Slurm and by the launcher) counts once.

#include <cohort/cluster/options.hpp>
#include <cohort/mapreduce/engine.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace cohort::cli {

/// "Stopped early, resume me" (EX_TEMPFAIL): slurm/cohort.sbatch requeues on it.
inline constexpr int kResumeExit = 75;

struct JournalOptions {
  std::filesystem::path journal;  ///< --journal FILE ("" = none, or <output>.cohort-journal inside a Slurm job)
  double drain_timeout = 30;      ///< --drain-timeout SECONDS
  std::uint64_t split_size = 0;   ///< --split-size BYTES (0 = automatic)
  /// How map results reach the reducers: "" (COHORT_SHUFFLE, else auto), auto,
  /// gather, files or mpi. auto: gather small key spaces and small inputs;
  /// else mpi, or files with a journal (it resumes from map files on disk).
  std::string shuffle;
  /// Where the files shuffle writes ("" : COHORT_SCRATCH_DIR, else beside the
  /// output); must be shared by every rank. Unused by gather and mpi.
  std::filesystem::path scratch_dir;
};

/// The text of `--help` for the shuffle modes (one place for main.cpp and the docs).
inline constexpr const char* kShuffleHelp =
    "How map results reach the reducers: auto (small key spaces and inputs gather to rank 0; large ones "
    "shuffle over MPI worker to worker, or through files in --scratch-dir when --journal is on), gather, "
    "files, mpi";

/// Every rank, before the runtime starts. `root`: this process is rank 0.
void install_stop_signals(const JournalOptions& options, bool root);
/// Once the rank is known for sure.
void set_stop_role(bool root);

/// Map tasks are coarse (MBs of input each): one per batch, at most two per
/// pool thread on each worker, so every thread is busy and a stop waits for
/// little work.
void limit_dispatch_ahead(cluster::ClusterOptions& options);

/// Rank 0: the journal (default: beside the output when SLURM_JOB_ID is set),
/// drain timeout, split size, the stop flag, and the shuffle: `shuffle`, else
/// COHORT_SHUFFLE (auto, gather, files or mpi: e.g. to test a shuffle path on
/// small inputs); `scratch_dir`, else COHORT_SCRATCH_DIR; COHORT_SHUFFLE_CHUNK
/// (bytes per mpi shuffle message, default 64 MiB: tests use small ones);
/// COHORT_GATHER_LIMIT (input bytes up to which auto gathers, default 256 MiB).
/// A bad value is Error(invalid_argument) naming it.
void apply_journal_options(const JournalOptions& options, mapreduce::RunConfig& cfg);

/// Rank 0: says why the run stopped and how to resume; returns kResumeExit.
/// If tasks were still running at the drain deadline, the job is aborted
/// (with kResumeExit) right after the message: the journal holds what finished.
int report_stopped(const mapreduce::StoppedEarly& e);

/// Rank 0, after a successful run: "resumed: K of N map tasks from the journal".
void report_resumed(const mapreduce::RunResult& r, const mapreduce::RunConfig& cfg, bool quiet);

}  // namespace cohort::cli
