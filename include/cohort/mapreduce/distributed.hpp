#pragma once
/// The distributed engine: a job's map and reduce tasks run on the workers of a
/// cluster::ClusterExecutor; rank 0 plans, gathers and writes.
///
/// Every rank, before constructing the executor (SPMD):
///
///   cohort::wire::Registry registry;
///   mapreduce::register_tasks(registry, mapreduce::plugin_resolver(plugin_path));
///   cohort::cluster::ClusterExecutor ex(registry, cluster_options);
///   if (ex.is_root()) {
///     mapreduce::JobHandle job = mapreduce::load_job(name, plugin_path);
///     RunResult r = mapreduce::run_distributed(ex, *job, cfg);   // throws on failure
///     ex.shutdown();
///   }
///   return ex.serve();
///
/// Thread safety: run_distributed() on rank 0, one run at a time per executor.
///
/// How a run goes (see job.hpp for the Job side):
/// - Rank 0 configures its Job, collects the inputs (metadata only: sizes) and
///   splits them. Workers open and read their own splits: the input bytes
///   never pass through rank 0, so inputs must be visible to every rank.
/// - Each round: "cohort.mapreduce.begin" runs on every worker (call_on_workers):
///   the worker creates the job through its resolver, configures it with rank
///   0's option text, and installs rank 0's state; then one "cohort.mapreduce.map"
///   task per split, anywhere (the scheduler balances them).
/// - Gather (KeySpace::small, or input <= RunConfig::gather_limit): the map
///   tasks return their combined, partitioned pairs; rank 0 reduces the
///   partitions on its own thread pool.
/// - Shuffle over MPI (large key spaces, the default without a journal;
///   RunConfig::Shuffle::mpi): partition p belongs to worker W[p % |W|] (W: the
///   ranks that run tasks). Each "cohort.mapreduce.map_shuffle" task sends each
///   non-empty partition of its split straight to that partition's owner, as
///   peer messages (cluster/peer.hpp, in pieces of at most
///   RunConfig::shuffle_chunk_bytes), and returns only its counts and partition
///   sizes. Then rank 0 sends one "cohort.mapreduce.reduce_shuffle" task per
///   partition to its owner (call_on) with the (split, size) list it must hold;
///   the task waits until all of it has arrived (a map result reaching rank 0
///   does not mean its data reached the owner) — at most
///   RunConfig::shuffle_wait, then it fails naming the partition and the
///   missing splits — reduces in split order and returns its sorted records
///   (bigger outputs are fetched by rank 0 in pieces, "cohort.mapreduce.fetch").
///   Rank 0 assembles the output. No file is written but the output; the data
///   is held in the owners' memory until its reduce task takes it.
/// - Shuffle through files (RunConfig::Shuffle::files, and always with a
///   journal, which must resume from map outputs on disk): each map task
///   writes its partitioned pairs to a scratch file and returns the partition
///   offsets; one "cohort.mapreduce.reduce" task per partition reads its
///   segment of every map file (in split order), reduces, and writes a sorted
///   part file; rank 0 merges the parts into the output. The scratch
///   directory (RunConfig::scratch_dir, default: a hidden directory beside the
///   output) must be visible to every rank; it is removed at the end, also on
///   failure.
/// - Iterative jobs: rank 0 calls advance() after each round and sends state()
///   with the next "begin". The output is written by rank 0 through AtomicFile.
/// - A task that fails fails the run: the RemoteError names the rank, the task
///   and the job's own message (e.g. the binary input file).
/// - Resumable runs (RunConfig::journal, journal.hpp): rank 0 records each
///   finished map task's result (gather: its partitions; shuffle: its file and
///   offsets, the files kept in `<journal>.shuffle/` and fdatasync'ed) and each
///   round of an iterative job (its reduce outputs; a rerun replays advance()
///   on them). A rerun runs only the map tasks the journal lacks (and whose
///   files are still whole), so its output is byte-identical to an
///   uninterrupted run's; the journal is removed once the output is committed.
/// - Stopping (RunConfig::stop_requested): checked between rounds and every
///   ~20 ms while map or reduce tasks are out. The executor is shut down with
///   cancel_pending (so run_distributed must be its last use), the tasks out
///   get up to drain_timeout, the journal is synced, no output is written and
///   StoppedEarly is thrown. A stop during rank 0's own reduce or the write is
///   noticed too late to matter: the run completes.

#include <cohort/mapreduce/engine.hpp>
#include <cohort/mapreduce/export.hpp>
#include <cohort/mapreduce/job.hpp>
#include <cohort/plugin/loader.hpp>

#include <functional>
#include <memory>
#include <string_view>

namespace cohort::cluster {
class ClusterExecutor;
}
namespace cohort::wire {
class Registry;
}

namespace cohort::mapreduce {

/// How a worker gets a Job object for a job name (the same on every rank).
using JobResolver = std::function<std::shared_ptr<Job>(std::string_view name)>;

/// A resolver that loads `libcohort_job_<name>.so` from `path` (load_job()).
COHORT_MAPREDUCE_EXPORT JobResolver plugin_resolver(plugin::PluginPath path);

/// Names of the tasks register_tasks() adds.
inline constexpr std::string_view kBeginTask = "cohort.mapreduce.begin";
inline constexpr std::string_view kMapTask = "cohort.mapreduce.map";
inline constexpr std::string_view kReduceTask = "cohort.mapreduce.reduce";
inline constexpr std::string_view kEndTask = "cohort.mapreduce.end";
inline constexpr std::string_view kMapShuffleTask = "cohort.mapreduce.map_shuffle";
inline constexpr std::string_view kReduceShuffleTask = "cohort.mapreduce.reduce_shuffle";
inline constexpr std::string_view kFetchTask = "cohort.mapreduce.fetch";

/// Adds the MapReduce tasks to `registry` (every rank, before the executor is
/// built), and the mpi shuffle's peer handler (process-wide, cluster/peer.hpp:
/// the last registration wins; every registration feeds one inbox per process).
COHORT_MAPREDUCE_EXPORT void register_tasks(wire::Registry& registry, JobResolver resolver);

/// Runs `job` over the executor's workers (rank 0 only). `cfg.threads` is used
/// for rank 0's reduce pool and to size splits; workers use their executor's pool.
COHORT_MAPREDUCE_EXPORT RunResult run_distributed(cluster::ClusterExecutor& executor, Job& job, const RunConfig& cfg);

}  // namespace cohort::mapreduce
