#pragma once
// Scheduler: rank 0's side of the runtime. Holds the queue of pending tasks,
// gives each worker batches while it has credit, routes results to their
// futures, retries, times out, and runs the stop protocol.
//
// Thread safety: none; everything runs on the event-loop thread.
//
// - Credit: a worker may hold `credits` batches at once. The batch size is
//   clamp(queued / (workers * credits), 1, max_batch): large while much is
//   queued, shrinking towards 1 at the end so the tail spreads over every
//   worker (guided self-scheduling). A batch's credit comes back with its last
//   result, so a slower worker simply gets less.
// - dispatch() sends at most kSliceTasks per loop iteration, then re-posts
//   itself: a million queued tasks never starve the loop (results, timers).
// - Stop: once shutdown is requested and nothing is queued or out, every
//   worker gets `stop`; the runtime is down when all have acknowledged (or the
//   job is aborted past ClusterOptions::shutdown_deadline).
// - Columnar submissions (map over fixed-size types) are queued as blocks and
//   sent as task arrays: one record per batch (ArrayOut), not per task; credit,
//   timeouts and cancellation work per batch; a failed task of an array is
//   retried as an array of one (scheduler_arrays.cpp).
// - Events: with ClusterOptions::observer set, every step above is told to it
//   (observe/event.hpp), and each worker's clock offset is measured when it
//   says hello (kClockPings ping-pongs, the shortest round trip wins). Without
//   an observer, one null test per step and nothing else.

#include <cohort/cluster/detail/submission.hpp>
#include <cohort/cluster/options.hpp>
#include <cohort/core/event_loop.hpp>
#include <cohort/core/unique_function.hpp>
#include <cohort/observe/event.hpp>
#include <cohort/observe/event_codec.hpp>
#include <cohort/wire/batch.hpp>

#include "control.hpp"
#include "run_state.hpp"
#include "task_table.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace cohort::cluster::detail {

class Scheduler {
 public:
  using Send = core::UniqueFunction<void(int dest, std::vector<std::byte> bytes)>;
  static constexpr std::size_t kSliceTasks = 32 * 1024;
  static constexpr int kClockPings = 8;

  /// `worker_ranks`: the ranks that run tasks ({0} when alone, else 1..n-1).
  Scheduler(core::EventLoop& loop, const ClusterOptions& options, std::vector<int> worker_ranks, int world_size,
            Send send, RunState& run);
  ~Scheduler();

  void add(std::unique_ptr<Submission> submission);
  void on_message(int source, std::span<const std::byte> bytes);
  /// Starts the stop protocol; `on_down` runs (on the loop) once every worker acknowledged.
  void request_shutdown(bool cancel_pending, core::UniqueFunction<void()> on_down);

 private:
  enum class State : std::uint8_t { queued, running, done, timed_out };
  struct Entry {  // 32 bytes
    Submission* sub = nullptr;  // null once the task's future is settled
    std::uint64_t batch = 0;
    std::uint32_t index = 0;    // within sub
    std::uint32_t attempt = 0;
    std::int32_t rank = -1;
    State state = State::queued;
  };
  struct Range {
    std::uint64_t first, count;
  };
  struct WorkerState {
    bool ready = false;  // said hello
    bool acked = false;  // acknowledged stop
    std::uint64_t inflight = 0;  // tasks
    int batches = 0;             // batches not yet fully answered (its credit in use)
    std::uint32_t threads = 0;
    std::string host = "?";
    std::deque<std::uint64_t> pinned;  // tasks that must run here
    observe::ClockSync clock;          // with an observer: its clock offset
  };
  struct Deadline {
    std::chrono::steady_clock::time_point at;
    std::uint64_t id;  // task id, or batch id for an array
    std::uint32_t attempt;
    bool array = false;
    bool operator>(const Deadline& o) const { return at > o.at; }
  };
  struct Block {  // columnar tasks first .. first + count - 1 of sub, waiting, all at one attempt
    Submission* sub;
    std::uint64_t first;
    std::uint64_t count;
    std::uint32_t attempt;
  };
  struct ArrayOut {  // a task array out on a worker
    Submission* sub;        // not used once timed_out (the submission may be gone)
    std::uint64_t first;    // index in sub
    std::uint64_t first_id;
    std::uint32_t count;
    std::uint32_t attempt;
    int rank;
    bool timed_out;
  };

  Entry* find(std::uint64_t id);
  void settle(Entry& e);
  void trim();
  void post_dispatch();
  void dispatch();
  std::size_t send_batch(int rank, std::size_t budget);
  bool take(int rank, std::uint64_t& id);
  std::size_t batch_size() const;
  void on_results(int source, std::span<const std::byte> message);
  void on_control(int source, const Control& c);
  void arm_timer();
  void on_timer();
  void check_drained();
  std::string stuck_list() const;
  void fail_batch(int rank, std::uint64_t batch, const std::string& why);
  void answered(int rank, std::uint64_t batch);
  // Columnar submissions (scheduler_arrays.cpp).
  void add_columnar(std::unique_ptr<Submission> s);
  std::size_t send_array(int rank, std::size_t budget);
  void on_array_results(int source, std::span<const std::byte> message);
  void on_array_timeout(std::uint64_t batch);
  bool fail_array(int rank, std::uint64_t batch, const std::string& why);
  void cancel_blocks();
  void abandon_arrays();
  void settle_range(Submission& s, std::uint64_t count);
  // Events (only with an observer).
  void emit(observe::Event e) const;
  void emit_counters() const;
  void emit_result(observe::EventKind kind, int source, const wire::ResultRecord& rec, std::int64_t time_ns) const;
  void send_ping(int rank);
  void on_pong(int source, const Control& c);

  core::EventLoop& loop_;
  ClusterOptions options_;
  std::vector<int> worker_ranks_;
  std::vector<WorkerState> workers_;  // by rank
  Send send_;
  RunState& run_;
  observe::Observer* observer_;  // null: no events

  TaskTable<Entry> table_;  // by task id
  std::deque<Range> queue_;  // tasks for any worker
  std::uint64_t queued_ = 0; // tasks in queue_
  std::uint64_t pinned_ = 0; // tasks in workers' pinned queues
  std::uint64_t inflight_ = 0;
  std::uint64_t timed_out_out_ = 0;  // of inflight_: tasks whose future already timed out
  // Those timed-out tasks ("task 5 ('hang') on rank 1 (node3)"), by task id
  // and by array batch id, to name them if they never come back.
  std::unordered_map<std::uint64_t, std::string> stuck_tasks_, stuck_arrays_;
  std::unordered_map<Submission*, std::unique_ptr<Submission>> owned_;
  std::uint64_t next_batch_ = 1;
  std::unordered_map<std::uint64_t, std::uint64_t> batch_left_;  // batch id -> tasks not yet answered
  std::uint64_t last_batch_ = 0;        // results of one batch arrive together:
  std::uint64_t* last_left_ = nullptr;  // its batch_left_ entry, cached
  std::size_t rr_ = 0;
  bool dispatch_posted_ = false;
  wire::TaskBatchWriter writer_;
  std::deque<Block> blocks_;                                // columnar tasks waiting (counted in queued_)
  std::unordered_map<std::uint64_t, ArrayOut> arrays_out_;  // by batch id

  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  core::TimerHandle timer_;
  std::chrono::steady_clock::time_point timer_at_{};

  bool shutting_down_ = false;
  bool stop_sent_ = false;
  int acks_missing_ = 0;
  core::TimerHandle shutdown_timer_;
  core::UniqueFunction<void()> on_down_;
};

}  // namespace cohort::cluster::detail
