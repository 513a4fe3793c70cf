#pragma once
// Worker: a rank's task-running side. Task batches are decoded and run on the
// thread pool, in slices so every pool thread takes part; the slices' results
// come back to the loop thread (call_soon_threadsafe), which sends one result
// batch per task batch (or earlier, when max_batch results are waiting).
//
// Thread safety: on_message/start on the loop thread; the pool jobs touch only
// their own batch and hand everything else back through the loop.
//
// Stop: on `stop` the worker finishes what it holds, sends its last results,
// then (with ClusterOptions::collect_worker_events) the events it recorded,
// then `stop_ack`, then calls on_stopped (the runtime flushes and ends).
// Pings from rank 0 (clock offsets) are answered at once, from the loop thread.
// Peer messages (shuffle_data, from any worker, peer.hpp) go to their channel's
// handler on the loop thread; a bad one is reported to rank 0 like any other.
//
// Task arrays (columnar map batches, worker_arrays.cpp): an array whose tasks
// this worker has measured as quick (under ClusterOptions::inline_array_budget
// for the whole array) runs on the loop thread itself, checking the clock
// between chunks and handing the rest to the pool if it runs long; any other
// array runs on the pool in chunks that the first pool thread shares only when
// the first chunk says the rest is worth a wake-up. Values go straight into the
// answer's buffer, and the loop is woken once per array, to send it.

#include <cohort/cluster/options.hpp>
#include <cohort/core/event_loop.hpp>
#include <cohort/core/thread_pool.hpp>
#include <cohort/core/unique_function.hpp>
#include <cohort/observe/event_codec.hpp>
#include <cohort/wire/batch.hpp>

#include "run_state.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cohort::wire {
class Registry;
}

namespace cohort::cluster::detail {

class Worker {
 public:
  using Send = core::UniqueFunction<void(int dest, std::vector<std::byte> bytes)>;

  Worker(core::EventLoop& loop, core::ThreadPool& pool, const wire::Registry& registry, const ClusterOptions& options,
         int rank, std::string host, Send send_to_root, core::UniqueFunction<void()> on_stopped, RunState& run);

  /// Says hello to rank 0 (pool size, host).
  void start();
  void on_message(int source, std::span<const std::byte> bytes);

 private:
  struct Job;
  struct ArrayJob;
  void run_array(std::vector<std::byte> message, int source);
  void work_on(const std::shared_ptr<ArrayJob>& job, bool first);
  void finish_array(const std::shared_ptr<ArrayJob>& job);
  void run_batch(std::vector<std::byte> message, int source);
  void absorb(wire::ResultBatchWriter&& part, bool batch_done);
  void report(const std::string& what, std::uint64_t batch_id);
  void flush();
  void send_results(std::vector<std::byte> message, std::size_t count);
  void maybe_stop();
  int pool_thread_index();

  core::EventLoop& loop_;
  core::ThreadPool& pool_;
  const wire::Registry& registry_;
  ClusterOptions options_;
  int rank_;
  std::string host_;
  Send send_;
  core::UniqueFunction<void()> on_stopped_;
  RunState& run_;

  wire::ResultBatchWriter out_;
  std::uint64_t active_batches_ = 0;  // received, not yet fully run
  std::uint64_t tasks_run_ = 0;
  std::uint64_t next_batch_ = 1;
  bool stop_requested_ = false;
  bool stopped_ = false;

  // With collect_worker_events: what ran where, sent to rank 0 at the end.
  bool collect_ = false;
  observe::EventBuffer events_;            // loop thread
  std::atomic<int> next_thread_index_{0};  // pool threads number themselves on first use
};

}  // namespace cohort::cluster::detail
