#pragma once
/// ThreadPool: a fixed set of worker threads that run posted work — the
/// Executor behind Python's concurrent.futures.ThreadPoolExecutor.
///
/// Thread safety: every member may be called from any thread, including from
/// the pool's own workers (except shutdown(wait=true), which would wait for
/// itself and throws instead).
///
/// - Each worker owns a lock-free queue; an idle worker steals from the others,
///   so tiny tasks never serialise on one global lock. A post() from a worker
///   goes to its own queue; a post() from outside picks queues round-robin.
///   Idle workers sleep on a condition variable and cost a post() nothing
///   unless one is asleep.
/// - post() never runs `fn` inline. Work posted after shutdown() is dropped
///   (destroyed, not run). Work must not throw: an exception escaping post()ed
///   work calls std::terminate (submit() catches and stores it in the Future).
/// - submit(fn, args...) -> Future<R>: fn's result or exception. A task whose
///   future was cancelled before it started never runs.
/// - map(fn, inputs, chunk) -> Future<std::vector<R>>: fn over every input,
///   `chunk` inputs per task, results in input order; the first exception (by
///   input order) wins.
/// - shutdown(wait, cancel_pending): stops taking work. cancel_pending drops
///   queued work that has not started; submit()/map() futures dropped that way
///   resolve as cancelled, so nobody waiting on them hangs. wait joins the
///   workers (after they finish the running and, unless cancelled, the queued
///   work). Idempotent. The destructor is shutdown(true, false).
/// - Work posted concurrently with shutdown() may be dropped; it is destroyed
///   at the latest when the pool is.
/// - Options::on_thread_start, if set, runs on each worker thread as it starts,
///   before that thread takes any work: per-thread setup by the layer that owns
///   the pool (the cluster runtime gives each thread its own signal stack).
///   thread_local objects it creates live until the thread exits (shutdown
///   with wait, or the destructor, joins them). It runs on the new threads
///   concurrently and must not throw (an exception escaping it calls
///   std::terminate).

#include <cohort/core/executor.hpp>
#include <cohort/core/export.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

namespace cohort::core {

template <class T>
class Future;

class COHORT_CORE_EXPORT ThreadPool final : public Executor {
 public:
  struct Options {
    /// 0: default_thread_count() (see cpu.hpp).
    std::size_t threads = 0;
    /// Runs on each worker thread before its first work (see above). Empty: nothing.
    std::function<void()> on_thread_start;
  };

  /// threads == 0: default_thread_count() (see cpu.hpp).
  explicit ThreadPool(std::size_t threads = 0);
  explicit ThreadPool(Options options);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void post(Work fn) override;

  template <class F, class... Args>
  auto submit(F&& fn, Args&&... args) -> Future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>>;

  /// chunk == 0: about four tasks per worker.
  template <class F, class Range>
  auto map(F&& fn, const Range& inputs, std::size_t chunk = 0);

  void shutdown(bool wait = true, bool cancel_pending = false);

  std::size_t size() const noexcept;
  bool is_shutdown() const noexcept;
  /// True on one of this pool's worker threads.
  bool running_in_this_thread() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cohort::core

#include <cohort/core/impl/thread_pool_impl.hpp>
