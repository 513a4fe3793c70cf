#pragma once
/// Running a job: the local engine (one process, a core::ThreadPool) and the
/// pieces every engine shares (configuration, result, atomic output).
///
///   Job& job = ...;                        // e.g. from load_job() (plugin.hpp)
///   RunConfig cfg;
///   cfg.inputs = {"books/"};
///   cfg.output = "counts.tsv";
///   cfg.options = {{"top", "10"}};
///   RunResult r = run_local(job, cfg);     // throws cohort::Error on failure
///
/// Thread safety: run_local() may be called from any thread, but one run at a
/// time per Job object (it configures the job). on_progress is called from pool
/// threads, one call at a time.
///
/// Contract:
/// - Options are checked (parse_options) and given to Job::configure() before
///   the input is collected and split.
/// - The output file appears whole or not at all: it is written to a temporary
///   file in the same directory, fsync'ed, then renamed over `output`. On any
///   error the temporary file is removed and `output` is left untouched.
/// - Errors are cohort::Error naming what and where: a missing input, an
///   unreadable directory, an empty input, a binary file (a NUL byte in its
///   first 64 KiB), a bad option, an output directory that does not exist.
/// - The output does not depend on the number of threads, splits or partitions
///   (the bundled jobs test this); the engine reduces values in split order.

#include <cohort/core/error.hpp>
#include <cohort/mapreduce/export.hpp>
#include <cohort/mapreduce/job.hpp>
#include <cohort/mapreduce/options.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::mapreduce {

/// Progress of a run, for a progress bar or log lines.
struct Progress {
  std::string_view phase;  ///< "map", "reduce", "write"
  unsigned round = 0;      ///< 0-based; > 0 only for iterative jobs
  std::uint64_t done = 0;  ///< splits (map) or partitions (reduce) finished
  std::uint64_t total = 0;
};

struct RunConfig {
  std::vector<std::filesystem::path> inputs;  ///< files and directories (ignored by compute jobs)
  std::filesystem::path output;               ///< the output file (required)
  std::size_t threads = 0;                    ///< 0: core::default_thread_count()
  OptionValues options;                       ///< job options as text, by name without dashes
  std::uint64_t split_bytes = 0;              ///< 0: auto_split_bytes()
  std::uint64_t splits = 0;                   ///< compute jobs: split count (0: a few per thread)
  std::uint32_t partitions = 0;               ///< reduce partitions (0: 1 for KeySpace::small, else 2 per thread)
  std::function<void(const Progress&)> on_progress;

  // Distributed runs only (distributed.hpp):
  enum class Shuffle {
    automatic,  ///< gather for KeySpace::small or inputs up to gather_limit; else mpi, or files with a journal
    gather,     ///< map results travel to rank 0, which reduces them
    files,      ///< map results go to scratch files, reduce tasks on the workers write parts
    mpi,        ///< map results travel worker to worker over MPI, each partition reduced by its owner
  };
  Shuffle shuffle = Shuffle::automatic;
  std::uint64_t gather_limit = 256ull << 20;  ///< input bytes up to which `automatic` gathers
  std::filesystem::path scratch_dir;          ///< for shuffle files (empty: beside the output); shared by all ranks
  /// mpi shuffle: the longest a reduce task waits for its partition's data
  /// after every map task has finished (then it fails, naming what is missing).
  std::chrono::milliseconds shuffle_wait{60'000};
  /// mpi shuffle: the largest piece of data in one message (partition blocks
  /// and reduce outputs bigger than this are split; capped under the wire's 256 MiB).
  std::uint64_t shuffle_chunk_bytes = 64ull << 20;

  /// Resumable runs (distributed engine; journal.hpp). Non-empty: rank 0
  /// records each finished map task (and each round of an iterative job) in
  /// this file; a rerun with the same file runs only what is missing, adopts
  /// the journal's split plan, and refuses a journal of another job, options,
  /// input (names, sizes, mtimes), plan or Cohort version (Errc::journal_mismatch).
  /// Shuffle files then live in `<journal>.shuffle/` (or under scratch_dir)
  /// and survive until the run succeeds; on success the journal is removed.
  /// A journal needs map outputs on disk: `automatic` then shuffles through
  /// files, and Shuffle::mpi with a journal is refused (Errc::invalid_argument).
  std::filesystem::path journal;
  /// Polled by rank 0 (every ~20 ms and between phases): true asks the run to
  /// stop early. It then dispatches nothing more (the executor is shut down
  /// with cancel_pending), waits up to drain_timeout for the tasks already
  /// out, journals what finished, and throws StoppedEarly. No output is written.
  std::function<bool()> stop_requested;
  std::chrono::milliseconds drain_timeout{30'000};
};

/// Thrown by run_distributed() when RunConfig::stop_requested stopped it:
/// what finished is in the journal (if any); rerun the same command to resume.
class COHORT_MAPREDUCE_EXPORT StoppedEarly : public Error {
 public:
  StoppedEarly(const std::string& message, bool drained);
  ~StoppedEarly() override;
  /// false: tasks were still running on the workers at the drain deadline (the
  /// executor cannot shut down cleanly until they return).
  bool drained() const noexcept { return drained_; }

 private:
  bool drained_;
};

struct RunResult {
  std::filesystem::path output;
  std::uint64_t input_files = 0;
  std::uint64_t input_bytes = 0;
  std::uint64_t splits = 0;
  std::uint32_t partitions = 0;
  unsigned rounds = 0;
  std::uint64_t map_records = 0;     ///< pairs emitted by map, all rounds
  std::uint64_t combined_keys = 0;   ///< keys left after each split's combine, summed
  std::uint64_t reduced_keys = 0;    ///< distinct keys reduced (last round)
  std::uint64_t output_records = 0;  ///< records the reducers produced (last round, before limit)
  std::size_t threads = 0;
  int workers = 1;        ///< ranks that ran map tasks (distributed runs)
  bool shuffled = false;  ///< the distributed run shuffled partitions between workers (files or mpi)
  /// How map results reached the reducers: gather, files or mpi (never automatic).
  RunConfig::Shuffle shuffle = RunConfig::Shuffle::gather;
  std::uint64_t resumed_tasks = 0;  ///< map tasks of the last round taken from the journal
  unsigned resumed_rounds = 0;      ///< whole rounds (iterative jobs) taken from the journal
  double seconds = 0;
};

/// "automatic", "gather", "files", "mpi".
COHORT_MAPREDUCE_EXPORT std::string_view to_string(RunConfig::Shuffle shuffle) noexcept;

/// Runs `job` in this process on a thread pool of cfg.threads threads.
/// (RunConfig::journal and stop_requested are for the distributed engine, which
/// `cohort run` uses even alone; run_local ignores them.)
COHORT_MAPREDUCE_EXPORT RunResult run_local(Job& job, const RunConfig& cfg);

/// Parses cfg.options against job.options() and calls job.configure() (the
/// first step of every engine; the CLI may call it early to report bad options).
COHORT_MAPREDUCE_EXPORT Options configure_job(Job& job, const OptionValues& values);

/// Throws cohort::Error unless `path` names a file that can be created: not a
/// directory, in an existing, writable directory.
COHORT_MAPREDUCE_EXPORT void check_output_path(const std::filesystem::path& path);

/// A file written under a temporary name beside `path`, renamed into place by
/// commit(); removed by the destructor if commit() did not happen.
class COHORT_MAPREDUCE_EXPORT AtomicFile final : public Sink {
 public:
  /// Throws cohort::Error (io_error) if the directory does not exist or is not writable.
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile() override;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view text) override;
  /// Flushes, fsyncs, renames over the target and fsyncs the directory.
  void commit();
  const std::filesystem::path& temp_path() const noexcept { return temp_; }

 private:
  void flush();
  std::filesystem::path path_, temp_;
  int fd_ = -1;
  std::string buf_;
  bool committed_ = false;
};

}  // namespace cohort::mapreduce
