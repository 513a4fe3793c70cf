#pragma once
/// The one observer interface of the runtime: the scheduler and the workers
/// emit each Event once; the log, the progress bar, the trace and the report
/// are Observers that read them.
///
/// Thread safety: an Observer's on_event() may be called from several threads
/// at once (rank 0's loop thread for the scheduler's events, the caller's
/// thread for phases); every sink here synchronises itself. Fanout's add()
/// must happen before events flow.
///
/// - Cost when nothing listens: the runtime holds an `Observer*` that is null,
///   and tests it before it builds an event: one predictable branch.
/// - Times are steady-clock nanoseconds (now_ns()) of the rank named by
///   Event::rank; a Recorder aligns workers' times to rank 0's with the
///   measured clock offsets (clock_offset events).
/// - Events carry views (name, text): valid only during on_event(). A sink
///   that keeps them copies them.

#include <cohort/observe/export.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace cohort::observe {

/// What happened. Fields not named for a kind are zero / empty.
enum class EventKind : std::uint8_t {
  /// rank 0: `count` tasks of `name`, ids `id` .. id + count - 1, were queued (one submission).
  tasks_queued = 1,
  /// rank 0: attempt `attempt` of task `id` (`name`) goes to worker `peer` in
  /// task batch `batch`; `bytes` = its argument bytes.
  task_dispatched,
  /// worker: task `id` / `attempt` of batch `batch` ran on pool thread `thread`.
  /// time_ns is 0 when the result record carries the times (task_finished).
  task_started,
  /// rank 0: the result of `id` / `attempt` came back from `peer`; it ran
  /// start_ns .. end_ns on the worker's clock (0: not measured); `bytes` = result bytes.
  task_finished,
  /// rank 0: like task_finished, but the task failed for good; `text` = the error.
  task_failed,
  /// rank 0: attempt `attempt` of `id` failed on `peer` and the task is queued
  /// again; start_ns / end_ns / text as for task_failed.
  task_retried,
  /// rank 0: task batch `batch` of `count` tasks, `bytes` bytes, sent to `peer`.
  task_batch_sent,
  /// worker: task batch `batch` of `count` tasks, `bytes` bytes, received from `peer`.
  task_batch_received,
  /// worker: a result batch of `count` results, `bytes` bytes, sent to `peer`.
  result_batch_sent,
  /// rank 0: a result batch of `count` results, `bytes` bytes, from `peer`.
  result_batch_received,
  /// rank 0: phase `name` of round `id` began / ended (a MapReduce run: plan, map, reduce, write).
  phase_begin,
  phase_end,
  /// rank 0: worker `peer` is ready with `count` pool threads on host `name`.
  worker_joined,
  /// rank 0: worker `peer` stopped after running `count` tasks.
  worker_stopped,
  /// rank 0: worker `peer`'s clock reads `value` ns more than rank 0's at the
  /// same instant (measured over a round trip of `count` ns: the error is at
  /// most half of it).
  clock_offset,
  /// rank 0: `count` tasks queued (not yet sent), `value` in flight on workers.
  counters,
};

inline constexpr int kEventKinds = static_cast<int>(EventKind::counters) + 1;

/// "tasks_queued", "task_dispatched", ...
COHORT_OBSERVE_EXPORT std::string_view to_string(EventKind kind) noexcept;

struct Event {
  EventKind kind = EventKind::counters;
  std::int32_t rank = 0;     ///< where it happened (its clock is time_ns's)
  std::int32_t peer = -1;    ///< the other rank, if any
  std::int32_t thread = -1;  ///< pool thread index on `rank`; -1: the loop thread or not known
  std::uint32_t attempt = 0;
  std::int64_t time_ns = 0;  ///< when (steady clock of `rank`)
  std::int64_t start_ns = 0; ///< task times on the worker's clock (task_finished/failed/retried)
  std::int64_t end_ns = 0;
  std::int64_t value = 0;
  std::uint64_t id = 0;
  std::uint64_t batch = 0;
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;
  std::string_view name;
  std::string_view text;
};

/// Something that wants the runtime's events.
class COHORT_OBSERVE_EXPORT Observer {
 public:
  virtual ~Observer();
  virtual void on_event(const Event& event) = 0;
};

/// Hands each event to every added observer, in the order they were added.
class COHORT_OBSERVE_EXPORT Fanout final : public Observer {
 public:
  /// `observer` must outlive this Fanout's use. Call before events flow.
  void add(Observer& observer) { sinks_.push_back(&observer); }
  bool empty() const noexcept { return sinks_.empty(); }
  void on_event(const Event& event) override;

 private:
  std::vector<Observer*> sinks_;
};

/// Nanoseconds of std::chrono::steady_clock (the clock of every event time).
COHORT_OBSERVE_EXPORT std::int64_t now_ns() noexcept;

}  // namespace cohort::observe
