// Worker, columnar part: a task array (wire/array_batch.hpp) runs in chunks;
// results are written in place into the answer's value block.
//
// Where it runs: an array of 1000 empty tasks takes a few microseconds, less
// than handing it to a pool thread and its answer back costs (two wake-ups and
// context switches, the whole of a worker's CPU on such tasks). So the worker
// learns what one task of each name costs and, when a whole array is expected
// to take under ClusterOptions::inline_array_budget, runs it on the loop
// thread itself, checking the clock between chunks: past the budget the
// remaining chunks go to the pool, so a slower-than-learned array does not
// hold the loop for long (a single task that blocks still does: a name whose
// tasks were all fast and then one hangs holds this worker's loop, not one
// pool thread). An array of a name not yet measured, or expected to be
// slower, goes to the pool.
//
// On the pool, the thread that takes the array runs the first chunk alone and
// times it; only if the rest would take longer than kShareAfterNs does it post
// helpers, which take chunks from the same counter. The last chunk to finish
// (whichever thread) builds the answer and wakes the loop once, to send it.
#include "worker.hpp"

#include <cohort/core/error.hpp>
#include <cohort/wire/array_batch.hpp>
#include <cohort/wire/envelope.hpp>
#include <cohort/wire/registry.hpp>

#include "control.hpp"
#include "current_task.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace cohort::cluster::detail {
namespace {
constexpr std::size_t kMaxChunk = 256;          // tasks one thread takes at a time
constexpr std::int64_t kShareAfterNs = 30'000;  // share the rest when it would take longer alone
std::int64_t no_clock() { return 0; }

std::int64_t ns_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
}

// What one task of a name costs (wall ns, the last measurement), per worker.
// Only the loop thread reads and writes it; the table is per loop thread, and a
// loop thread serves one executor's Worker (the worker in the key only keeps
// two workers of one thread apart).
class CostTable {
 public:
  using Key = std::pair<const void*, const void*>;  // worker, invoker
  /// -1: never measured.
  std::int64_t get(Key k) const noexcept {
    for (const Entry& e : entries_)
      if (e.key == k) return e.ns_per_task;
    return -1;
  }
  void set(Key k, std::int64_t ns_per_task) {
    for (Entry& e : entries_) {
      if (e.key == k) {
        e.ns_per_task = ns_per_task;
        return;
      }
    }
    if (entries_.size() >= kMaxEntries) entries_.erase(entries_.begin());  // the oldest name
    entries_.push_back(Entry{k, ns_per_task});
  }

 private:
  static constexpr std::size_t kMaxEntries = 64;
  struct Entry {
    Key key;
    std::int64_t ns_per_task;
  };
  std::vector<Entry> entries_;
};
thread_local CostTable t_costs;

// Tasks [begin, end) of `tasks`: values in place, failures appended to `errors`.
void run_chunk(const wire::Registry& registry, const wire::Registry::Invoker* invoker, const wire::TaskArray& tasks,
               std::size_t begin, std::size_t end, std::span<std::byte> values, std::vector<wire::ArrayError>& errors,
               const wire::InvokeContext& ctx) {
  // What the fatal-signal handler names: the chunk (tasks are not told apart inside it).
  const CurrentTaskScope current(tasks.first_id + begin, tasks.first_id + end - 1, tasks.name);
  if (invoker != nullptr) {
    invoker->run_array(tasks, begin, end, values, errors, ctx);
  } else {
    registry.invoke_array(tasks, begin, end, values, errors, ctx);  // unknown_task errors
  }
}
}  // namespace

struct Worker::ArrayJob {
  std::vector<std::byte> message;  // the task array's bytes (tasks views into them)
  wire::TaskArray tasks;
  std::optional<wire::ArrayResultWriter> out;
  const wire::Registry::Invoker* invoker = nullptr;  // null: unknown name
  std::size_t chunk = 1;
  std::size_t chunks = 1;
  std::atomic<std::size_t> next{0};  // next chunk to take
  std::atomic<std::size_t> done{0};  // chunks finished
  std::vector<std::vector<wire::ArrayError>> errors;  // by chunk: each written by the thread that ran it
  std::int64_t start_ns = 0;
  std::int64_t ns_per_task = -1;  // measured on the first chunk (written before that chunk counts as done)

  // Sizes the answer and the chunks for `threads` pool threads.
  void prepare(std::size_t threads) {
    start_ns = wire::steady_now_ns();
    out.emplace(tasks);
    const std::size_t n = tasks.count;
    chunk = std::clamp<std::size_t>(n / (std::max<std::size_t>(threads, 1) * 4), 1, kMaxChunk);
    chunks = (n + chunk - 1) / chunk;
    errors.resize(chunks);
  }
};

// On the loop thread (decoding a task array reads its header only; the
// arguments stay a view into `message`).
void Worker::run_array(std::vector<std::byte> message, int source) {
  auto job = std::make_shared<ArrayJob>();
  job->message = std::move(message);
  std::uint64_t batch_id = kNoBatch;
  try {
    batch_id = wire::decode_envelope(job->message, source).header.batch_id;
    job->tasks = wire::TaskArray::decode(job->message, source);
  } catch (const DecodeError& e) {
    report(e.what(), batch_id);
    --active_batches_;
    maybe_stop();
    return;
  }
  job->invoker = registry_.find(job->tasks.name);
  const CostTable::Key key{this, job->invoker};
  const std::int64_t cost = job->invoker != nullptr ? t_costs.get(key) : -1;
  const std::size_t n = job->tasks.count;
  const std::int64_t budget =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.inline_array_budget).count();
  if (cost < 0 || budget <= 0 || cost > budget / static_cast<std::int64_t>(n)) {
    pool_.post([this, job] {
      job->prepare(pool_.size());
      work_on(job, true);
    });
    return;
  }
  // Expected to be quick: here, chunk by chunk, while it stays within the budget.
  job->prepare(pool_.size());
  const wire::InvokeContext ctx{rank_, job->tasks.source_rank, options_.record_task_times ? nullptr : &no_clock};
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t c = 0;
  std::int64_t took = 0;
  for (; c < job->chunks; ++c) {
    const std::size_t begin = c * job->chunk, end = std::min(n, begin + job->chunk);
    run_chunk(registry_, job->invoker, job->tasks, begin, end, job->out->values(), job->errors[c], ctx);
    took = ns_since(t0);
    if (took > budget && c + 1 < job->chunks) {
      ++c;
      break;
    }
  }
  t_costs.set(key, std::max<std::int64_t>(took / static_cast<std::int64_t>(std::min(n, c * job->chunk)), 1));
  if (c == job->chunks) {
    finish_array(job);
    return;
  }
  // Slower than learned: the rest goes to the pool (shared there if worth it).
  job->next.store(c, std::memory_order_relaxed);
  job->done.store(c, std::memory_order_relaxed);  // published to the pool thread by post()
  pool_.post([this, job] { work_on(job, true); });
}

// On a pool thread: takes chunks until none is left. `first`: the thread that
// took the array, which decides after its first chunk whether to share.
void Worker::work_on(const std::shared_ptr<ArrayJob>& job, bool first) {
  const wire::InvokeContext ctx{rank_, job->tasks.source_rank, options_.record_task_times ? nullptr : &no_clock};
  const std::size_t n = job->tasks.count;
  bool decided = !first;
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const std::size_t c = job->next.fetch_add(1, std::memory_order_relaxed);
    if (c >= job->chunks) return;
    const std::size_t begin = c * job->chunk, end = std::min(n, begin + job->chunk);
    run_chunk(registry_, job->invoker, job->tasks, begin, end, job->out->values(), job->errors[c], ctx);
    std::int64_t took = 0;
    if (!decided) {
      took = ns_since(t0);
      job->ns_per_task = std::max<std::int64_t>(took / static_cast<std::int64_t>(end - begin), 1);
    }
    // acq_rel: the thread that finishes last sees every other chunk's values and errors.
    if (job->done.fetch_add(1, std::memory_order_acq_rel) + 1 == job->chunks) {
      finish_array(job);
      return;
    }
    if (!decided) {
      decided = true;
      const std::size_t left = job->chunks - c - 1;
      if (pool_.size() > 1 && left > 0 && took * static_cast<std::int64_t>(left) > kShareAfterNs) {
        const std::size_t helpers = std::min(pool_.size() - 1, left);
        for (std::size_t k = 0; k < helpers; ++k) pool_.post([this, job] { work_on(job, false); });
      }
    }
  }
}

// On the thread that finished the last chunk: the answer, then (from a pool
// thread) one loop wake-up to send it.
void Worker::finish_array(const std::shared_ptr<ArrayJob>& job) {
  for (auto& list : job->errors)
    for (auto& e : list) job->out->add_error(std::move(e));
  std::vector<std::byte> message = job->out->finish(job->start_ns, wire::steady_now_ns());
  auto deliver = [this, message = std::move(message), n = job->tasks.count, key = CostTable::Key{this, job->invoker},
                  cost = job->ns_per_task]() mutable {
    if (cost > 0 && key.second != nullptr) t_costs.set(key, cost);
    tasks_run_ += n;
    send_(0, std::move(message));
    --active_batches_;
    maybe_stop();
  };
  if (loop_.running_in_this_thread()) {
    deliver();
  } else {
    loop_.call_soon_threadsafe(std::move(deliver));
  }
}

}  // namespace cohort::cluster::detail
