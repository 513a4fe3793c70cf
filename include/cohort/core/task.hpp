#pragma once
/// Task<T>: a lazy coroutine producing a T — Python's coroutine object. Nothing
/// runs until it is started on an executor: start(task, ex) (loop.create_task),
/// co_await task (inside another Task, on the same executor), or
/// loop.run_until_complete(task).
///
///   Task<int> answer(Future<int> f) { co_return co_await std::move(f) + 1; }
///   Future<int> r = start(answer(std::move(f)), pool);
///
/// Thread safety: a Task is one owner's value (move-only). Once started, the
/// coroutine runs on its executor's threads, one step at a time; its Future is
/// thread-safe as any Future.
///
/// - Lazy, move-only, [[nodiscard]]. Destroying a Task that was never started
///   destroys the frame (its arguments included); nothing ran.
/// - A started coroutine owns itself: its frame is destroyed when it finishes,
///   *before* its future is resolved (so every local is gone when get() returns).
/// - `co_await` a Future / SharedFuture / Task resumes on the executor the task was
///   started on (a post, never inline in the producer). Any other awaitable
///   (e.g. `loop.sleep(d)`) resumes wherever that awaitable resumes it.
/// - `co_await current_executor()` yields the Executor& the task runs on.
/// - Cancel = `future.cancel()` on the task's future (allowed until it finishes;
///   Python's Task.cancel()): the future resolves cancelled at once, a future the
///   coroutine is suspended on is cancelled too, and CancelledError is thrown into
///   the coroutine at its next co_await (every co_await is a cancellation point),
///   so destructors and catch blocks run. A task cancelled before its first step
///   never runs. A coroutine that ends by throwing CancelledError is cancelled.
/// - If the executor drops a queued step (shut down), the frame is destroyed and
///   the future resolves BrokenPromise.

#include <cohort/core/executor.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/when.hpp>

#include <chrono>
#include <coroutine>
#include <tuple>
#include <utility>
#include <vector>

namespace cohort::core {

template <class T = void>
class Task;

namespace detail {
template <class T>
class TaskPromise;
template <class T>
class TaskPromiseBase;
}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using value_type = T;

  Task() noexcept = default;
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  /// false once started or moved-from.
  bool valid() const noexcept { return static_cast<bool>(h_); }

 private:
  friend promise_type;
  friend class detail::TaskPromiseBase<T>;
  template <class U>
  friend Future<U> start(Task<U> task, Executor& ex);
  explicit Task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  void reset() noexcept {
    if (h_) std::exchange(h_, nullptr).destroy();
  }

  std::coroutine_handle<promise_type> h_;
};

/// Starts `task` on `ex` (its first step is posted, never run inline) and returns
/// its future. Python: loop.create_task / asyncio.ensure_future. Throws
/// InvalidStateError for an empty task. `ex` must outlive the coroutine.
template <class T>
Future<T> start(Task<T> task, Executor& ex);

/// `co_await current_executor()` inside a Task: the Executor& it runs on.
struct CurrentExecutor {};
inline constexpr CurrentExecutor current_executor() noexcept { return {}; }

/// Runs the tasks concurrently on the awaiting task's executor; the tuple of
/// their results, or the first error (asyncio.gather). Also named when_all.
template <class... Ts>
Task<std::tuple<WhenAllValue<Ts>...>> gather(Task<Ts>... tasks);
template <class T>
Task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> gather(std::vector<Task<T>> tasks);
template <class... Ts>
Task<std::tuple<WhenAllValue<Ts>...>> when_all(Task<Ts>... tasks) {
  return gather(std::move(tasks)...);
}

/// asyncio.wait_for: starts `task` on `loop`; its result if it finishes within
/// `timeout`, else the task is cancelled (see above) and the future resolves
/// TimeoutError. `Loop` is anything with post() and call_later(duration, fn)
/// returning a handle with cancel() — an EventLoop.
template <class T, class Loop, class Rep, class Period>
Future<T> wait_for(Task<T> task, std::chrono::duration<Rep, Period> timeout, Loop& loop);

}  // namespace cohort::core

#include <cohort/core/impl/task_impl.hpp>
