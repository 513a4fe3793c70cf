#pragma once
/// Recorder: the observer that keeps what a trace, a report and the run's
/// figures need (rank 0). Recording: what it kept, on rank 0's clock.
///
///   observe::Recorder rec;                  // before the runtime starts
///   options.observer = &rec;                // ClusterOptions
///   ... run ...; ex.shutdown();             // every event is in
///   observe::Recording r = rec.finish();
///   observe::write_trace(r, "run.json");    // trace.hpp; report.hpp; stats.hpp
///
/// Thread safety: on_event() from any thread (a mutex); finish() once, after
/// the last event.
///
/// - Task times come from the results (task_finished: the worker's clock),
///   moved onto rank 0's clock by the worker's clock_offset; a worker's
///   task_started events (sent at its end) tell which pool thread ran each task.
/// - A task that was retried has one TaskSpan per attempt.
/// - Recording times are nanoseconds since `origin_ns` (the Recorder's creation).

#include <cohort/observe/event.hpp>
#include <cohort/observe/export.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace cohort::observe {

struct TaskSpan {
  std::uint64_t id = 0;
  std::uint32_t attempt = 0;
  std::uint32_t name = 0;        ///< index into Recording::names
  std::int32_t rank = -1;        ///< the worker it ran on
  std::int32_t thread = -1;      ///< its pool thread (-1: not known)
  std::uint64_t batch = 0;
  std::int64_t dispatch_ns = 0;  ///< sent (rank 0)
  std::int64_t start_ns = -1;    ///< ran (aligned to rank 0; -1: no times)
  std::int64_t end_ns = -1;
  std::int64_t result_ns = -1;   ///< its result reached rank 0 (-1: never)
  std::uint64_t bytes_in = 0;    ///< argument bytes
  std::uint64_t bytes_out = 0;   ///< result bytes
  enum class Outcome : std::uint8_t { pending, ok, failed, retried } outcome = Outcome::pending;
  // Trivially copyable on purpose: a million of these are recorded at a few
  // nanoseconds each. Errors, rare, are in Recording::errors.
};

struct WorkerInfo {
  int rank = -1;
  std::string host;
  std::uint32_t threads = 0;
  std::int64_t joined_ns = 0;
  std::int64_t clock_offset_ns = 0;  ///< its clock minus rank 0's
  std::int64_t clock_rtt_ns = -1;    ///< -1: not measured (offset taken as 0)
  std::uint64_t tasks = 0;           ///< attempts that ran there
};

/// A message on a loop thread: task batches (rank 0 -> worker) and result batches back.
struct BatchSpan {
  EventKind kind = EventKind::task_batch_sent;  ///< one of the four *_batch_* kinds
  int rank = 0;                                 ///< where it happened
  int peer = 0;
  std::uint64_t batch = 0;
  std::int64_t time_ns = 0;
  std::uint64_t count = 0, bytes = 0;
};

struct CounterSample {
  std::int64_t time_ns = 0;
  std::uint64_t queued = 0, inflight = 0;
};

struct PhaseSpan {
  std::string name;
  unsigned round = 0;
  std::int64_t begin_ns = 0, end_ns = -1;
};

struct Recording {
  std::string job;             ///< what ran (set by the caller, e.g. the job's name)
  int world_size = 1;
  std::int64_t origin_ns = 0;  ///< rank 0's now_ns() at time 0 (the Recorder's creation)
  std::int64_t begin_ns = 0;   ///< when the work began (mark_begin(); else 0), since origin
  std::int64_t end_ns = 0;     ///< when it ended (mark_end(), else finish()), since origin
  std::vector<std::string> names;  ///< task names
  std::vector<TaskSpan> tasks;     ///< in dispatch order
  std::unordered_map<std::size_t, std::string> errors;  ///< tasks index -> what the worker said (failed / retried)
  std::map<int, WorkerInfo> workers;
  std::vector<BatchSpan> batches;
  std::vector<CounterSample> counters;
  std::vector<PhaseSpan> phases;
  std::uint64_t queued = 0;    ///< tasks submitted
  std::uint64_t failed = 0;    ///< tasks failed for good
  std::uint64_t retries = 0;   ///< attempts that failed and were run again
  std::uint64_t dropped_events = 0;  ///< worker events that matched no task
};

class COHORT_OBSERVE_EXPORT Recorder final : public Observer {
 public:
  struct Options {
    /// Keep one TaskSpan per task (trace, report). Off: counts and per-worker
    /// figures only, no per-task memory.
    bool keep_tasks = true;
    /// Keep every batch message and counter sample (the trace's loop rows).
    bool keep_batches = true;
  };
  Recorder();
  explicit Recorder(Options options);
  ~Recorder() override;
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void on_event(const Event& event) override;
  /// The run's own work begins / ends now (the wall time of the figures is
  /// between them): the runtime's start-up and shut-down stay on the timeline
  /// but out of the throughput. Optional.
  void mark_begin();
  void mark_end();
  /// Stamps the end (unless marked), aligns the workers' times, hands the recording over.
  Recording finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cohort::observe
