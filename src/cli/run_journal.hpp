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

namespace cohort::cli {

/// "Stopped early, resume me" (EX_TEMPFAIL): slurm/cohort.sbatch requeues on it.
inline constexpr int kResumeExit = 75;

struct JournalOptions {
  std::filesystem::path journal;  ///< --journal FILE ("" = none, or <output>.cohort-journal inside a Slurm job)
  double drain_timeout = 30;      ///< --drain-timeout SECONDS
  std::uint64_t split_size = 0;   ///< --split-size BYTES (0 = automatic)
};

/// Every rank, before the runtime starts. `root`: this process is rank 0.
void install_stop_signals(const JournalOptions& options, bool root);
/// Once the rank is known for sure.
void set_stop_role(bool root);

/// Map tasks are coarse (MBs of input each): each worker holds at most two
/// batches of about its thread count, so a stop waits for little work.
void limit_dispatch_ahead(cluster::ClusterOptions& options);

/// Rank 0: the journal (default: beside the output when SLURM_JOB_ID is set),
/// drain timeout, split size, the stop flag, and COHORT_SHUFFLE (auto, gather
/// or files: an advanced knob, e.g. to test the shuffle path on small inputs).
void apply_journal_options(const JournalOptions& options, mapreduce::RunConfig& cfg);

/// Rank 0: says why the run stopped and how to resume; returns kResumeExit.
/// If tasks were still running at the drain deadline, the job is aborted
/// (with kResumeExit) right after the message: the journal holds what finished.
int report_stopped(const mapreduce::StoppedEarly& e);

/// Rank 0, after a successful run: "resumed: K of N map tasks from the journal".
void report_resumed(const mapreduce::RunResult& r, const mapreduce::RunConfig& cfg, bool quiet);

}  // namespace cohort::cli
