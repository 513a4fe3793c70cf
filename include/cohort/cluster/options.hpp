#pragma once
/// Options of the cluster runtime and per-task policies.
///
/// Thread safety: plain values.

#include <chrono>
#include <cstddef>

namespace cohort::observe {
class Observer;
}

namespace cohort::cluster {

/// How one task is run. Set per call (submit_with / map options) or once as
/// ClusterOptions::default_policy.
struct TaskPolicy {
  /// A task that throws is run again up to this many times (on any worker)
  /// before its future resolves with the RemoteError of the last attempt.
  /// Unknown tasks, undecodable arguments and timeouts are not retried.
  int max_retries = 0;
  /// Zero: none. Otherwise the future resolves with TimeoutError once the task
  /// has been out on a worker this long (counted from dispatch); a result that
  /// arrives later is ignored. The worker still finishes the task; one still
  /// running shutdown_deadline after shutdown() (stuck) makes rank 0 abort the
  /// job naming it and its rank (exit_code::kShutdownTimeout).
  std::chrono::milliseconds timeout{0};
};

struct ClusterOptions {
  /// Threads of the task pool on each rank that runs tasks (0: core's default
  /// policy: affinity mask, SLURM_CPUS_PER_TASK, OMP_NUM_THREADS, hardware).
  std::size_t threads = 0;
  /// Most tasks in one task message. Batches shrink towards 1 near the end of
  /// the queue so no worker sits on a long tail while others idle.
  std::size_t max_batch = 1024;
  /// Batches a worker may hold at once (its credit): enough to keep its pool
  /// busy while results travel back.
  int credits = 4;
  TaskPolicy default_policy{};
  /// How long rank 0 waits, once shutdown sends "stop", for every worker to
  /// drain and acknowledge; past it the job is aborted with
  /// exit_code::kShutdownTimeout (a clean MPI_Finalize would be impossible).
  std::chrono::milliseconds shutdown_deadline{60'000};
  /// Longest the runtime's loop sleeps between two MPI progress polls when
  /// nothing happens (it backs off from 10 us to this; any posted work wakes
  /// it at once). Lower: less latency, more CPU while idle.
  std::chrono::microseconds max_idle_wait{200};
  /// A task array (see array_batches) whose tasks a worker has measured so
  /// quick that the whole array should take less than this runs on the
  /// worker's loop thread itself, not on its pool: for tiny tasks the hand-off
  /// to a pool thread and back costs more than the tasks. Past the budget the
  /// rest of the array goes to the pool. Zero: always the pool (e.g. for tasks
  /// that may wait for something the worker's loop delivers, such as peer
  /// messages: on the loop thread they would wait for themselves). Read on
  /// each worker rank.
  std::chrono::microseconds inline_array_budget{20};
  /// Stamp each task's start and end (steady clock) into its result record,
  /// for traces and reports; off, the two clock reads per task are saved.
  bool record_task_times = false;
  /// map() over arithmetic/enum inputs (or tuples of them) with an
  /// arithmetic/enum (or void) result sends columnar task arrays
  /// (wire/array_batch.hpp): the name once, the arguments and results as
  /// arrays, per-batch instead of per-task work on every rank. Only without
  /// record_task_times, observer and collect_worker_events (they want a record
  /// per task). Off: every task travels as its own record.
  bool array_batches = true;
  /// Rank 0: receives the runtime's events (cohort/observe/event.hpp): tasks
  /// queued, dispatched, finished, failed, retried; batches; workers joining
  /// and their clock offsets (measured by ping-pong when set). Must outlive
  /// the executor; called on the runtime's loop thread. Null: no events, no cost.
  observe::Observer* observer = nullptr;
  /// Workers record which pool thread ran each task and their batch messages,
  /// and send them to rank 0's observer when they stop (for a trace). Set the
  /// same on every rank.
  bool collect_worker_events = false;
};

}  // namespace cohort::cluster
