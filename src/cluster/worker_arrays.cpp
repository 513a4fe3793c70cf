// Worker, columnar part: a task array (wire/array_batch.hpp) runs on the pool
// in chunks; results are written in place into the answer's value block.
//
// Why chunks, and help only on demand: an array of 1000 empty tasks runs in a
// few microseconds, less than waking a second pool thread costs. So the pool
// thread that decodes the array runs the first chunk alone and times it; only
// if the rest would take longer than kShareAfter does it post helpers, which
// take chunks from the same counter. The last chunk to finish (whichever
// thread) builds the answer and wakes the loop once, to send it.
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
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace cohort::cluster::detail {
namespace {
constexpr std::size_t kMaxChunk = 256;  // tasks one thread takes at a time
constexpr std::int64_t kShareAfterNs = 30'000;  // share the rest when it would take longer alone
std::int64_t no_clock() { return 0; }
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
};

void Worker::run_array(std::vector<std::byte> message, int source) {
  pool_.post([this, message = std::move(message), source]() mutable {
    auto job = std::make_shared<ArrayJob>();
    job->message = std::move(message);
    std::uint64_t batch_id = kNoBatch;
    try {
      batch_id = wire::decode_envelope(job->message, source).header.batch_id;
      job->tasks = wire::TaskArray::decode(job->message, source);
    } catch (const DecodeError& e) {
      loop_.call_soon_threadsafe([this, what = std::string(e.what()), batch_id] {
        report(what, batch_id);
        --active_batches_;
        maybe_stop();
      });
      return;
    }
    job->start_ns = wire::steady_now_ns();
    job->out.emplace(job->tasks);
    job->invoker = registry_.find(job->tasks.name);
    const std::size_t n = job->tasks.count;
    const std::size_t threads = std::max<std::size_t>(pool_.size(), 1);
    job->chunk = std::clamp<std::size_t>(n / (threads * 4), 1, kMaxChunk);
    job->chunks = (n + job->chunk - 1) / job->chunk;
    job->errors.resize(job->chunks);
    work_on(job, true);
  });
}

// On a pool thread: takes chunks until none is left. `first`: the thread that
// decoded the array, which decides after its first chunk whether to share.
void Worker::work_on(const std::shared_ptr<ArrayJob>& job, bool first) {
  const wire::InvokeContext ctx{rank_, job->tasks.source_rank, options_.record_task_times ? nullptr : &no_clock};
  const std::size_t n = job->tasks.count;
  bool decided = !first;
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    const std::size_t c = job->next.fetch_add(1, std::memory_order_relaxed);
    if (c >= job->chunks) return;
    const std::size_t begin = c * job->chunk, end = std::min(n, begin + job->chunk);
    std::vector<wire::ArrayError>& errors = job->errors[c];
    {
      // What the fatal-signal handler names: the chunk (tasks are not told apart inside it).
      const CurrentTaskScope current(job->tasks.first_id + begin, job->tasks.first_id + end - 1, job->tasks.name);
      if (job->invoker != nullptr) {
        job->invoker->run_array(job->tasks, begin, end, job->out->values(), errors, ctx);
      } else {
        registry_.invoke_array(job->tasks, begin, end, job->out->values(), errors, ctx);  // unknown_task errors
      }
    }
    // acq_rel: the thread that finishes last sees every other chunk's values and errors.
    if (job->done.fetch_add(1, std::memory_order_acq_rel) + 1 == job->chunks) {
      finish_array(job);
      return;
    }
    if (!decided) {
      decided = true;
      const std::size_t left = job->chunks - c - 1;
      const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0);
      if (pool_.size() > 1 && left > 0 && took.count() * static_cast<std::int64_t>(left) > kShareAfterNs) {
        const std::size_t helpers = std::min(pool_.size() - 1, left);
        for (std::size_t k = 0; k < helpers; ++k) pool_.post([this, job] { work_on(job, false); });
      }
    }
  }
}

// On the pool thread that finished the last chunk: the answer, then one loop wake-up.
void Worker::finish_array(const std::shared_ptr<ArrayJob>& job) {
  for (auto& list : job->errors)
    for (auto& e : list) job->out->add_error(std::move(e));
  std::vector<std::byte> message = job->out->finish(job->start_ns, wire::steady_now_ns());
  const std::size_t n = job->tasks.count;
  loop_.call_soon_threadsafe([this, message = std::move(message), n]() mutable {
    tasks_run_ += n;
    send_(0, std::move(message));
    --active_batches_;
    maybe_stop();
  });
}

}  // namespace cohort::cluster::detail
