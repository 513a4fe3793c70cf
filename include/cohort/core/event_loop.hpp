#pragma once
/// EventLoop: runs callbacks, timers and pollers on one thread — asyncio's
/// event loop, and the one thread that drives MPI on a rank (through a poller).
///
/// Thread safety: every scheduling member (post, call_soon, call_soon_threadsafe,
/// call_later, call_at, add_poller, remove_poller, stop, time, sleep) may be
/// called from any thread; off the loop thread it is forwarded through the
/// thread-safe queue and wakes the loop. run_forever / run_until_complete / poll
/// / close are called by one thread at a time: the *loop thread* is the thread
/// inside one of the run calls, and running_in_this_thread() says whether that
/// is you (assert it before touching anything loop-owned, e.g. MPI).
///
/// - Callbacks never run inside the call that posts them. Callbacks scheduled
///   for the same iteration run in the order they were scheduled; timers with
///   the same deadline run in the order they were created.
/// - An exception escaping a callback, timer or poller propagates out of the
///   run call; the loop stays consistent and may be run again.
/// - Idle: with no pollers the loop blocks until the next timer, a thread-safe
///   post or stop(). With pollers it polls every iteration while they report
///   work, then backs off on a condition variable (wait growing from
///   Options::min_idle_wait to Options::max_idle_wait, reset on any work);
///   a post or stop() always wakes it at once.
/// - stop(): run_forever returns after the current iteration (before one if
///   called while not running: the next run_forever runs one iteration).
/// - close(): drops (destroys) pending callbacks, timers and pollers; later
///   post()s are dropped, other scheduling calls throw Error(executor_shutdown).

#include <cohort/core/executor.hpp>
#include <cohort/core/export.hpp>
#include <cohort/core/unique_function.hpp>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>

namespace cohort::core {

template <class T>
class Future;
template <class T>
class Task;

namespace detail {
struct LoopTimerState;
}

/// Cancels a scheduled timer (call_later / call_at). Cheap to copy.
/// Thread safety: cancel() and cancelled() from any thread.
class COHORT_CORE_EXPORT TimerHandle {
 public:
  TimerHandle() = default;
  /// The callback will not run (no effect if it already ran or is running).
  /// Returns false if it had already run or been cancelled.
  bool cancel() noexcept;
  bool cancelled() const noexcept;
  explicit operator bool() const noexcept { return state_ != nullptr; }

 private:
  friend class EventLoop;
  explicit TimerHandle(std::shared_ptr<detail::LoopTimerState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::LoopTimerState> state_;
};

enum class PollerId : std::uint64_t {};

class COHORT_CORE_EXPORT EventLoop final : public Executor {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using Duration = Clock::duration;
  /// Returns true if it did work (the loop keeps polling without sleeping).
  using Poller = UniqueFunction<bool()>;

  struct Options {
    std::chrono::nanoseconds min_idle_wait = std::chrono::microseconds(10);
    std::chrono::nanoseconds max_idle_wait = std::chrono::milliseconds(1);
    /// Idle iterations spent re-polling (with a yield) before the first wait.
    int idle_spins = 16;
  };

  EventLoop();
  explicit EventLoop(Options options);
  ~EventLoop() override;  // close()
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Executor: the same as call_soon_threadsafe.
  void post(Work fn) override;
  void call_soon(Work fn);
  void call_soon_threadsafe(Work fn);
  TimerHandle call_later(Duration delay, Work fn);
  TimerHandle call_at(TimePoint when, Work fn);
  /// The loop's clock: monotonic (steady_clock).
  TimePoint time() const noexcept { return Clock::now(); }

  PollerId add_poller(Poller fn);
  /// Takes effect before the next poll; removing an unknown id does nothing.
  void remove_poller(PollerId id);

  void run_forever();
  /// Runs until `future` is done, then returns its result (or throws its exception).
  template <class T>
  T run_until_complete(Future<T> future);
  /// run_until_complete(start(std::move(task), *this)).
  template <class T>
  T run_until_complete(Task<T> task);
  /// One iteration that never blocks; returns the callbacks run (timers included).
  std::size_t poll();
  void stop() noexcept;
  void close();
  bool is_running() const noexcept;
  bool is_closed() const noexcept;
  bool running_in_this_thread() const noexcept;

  /// `co_await loop.sleep(d)`: resumes the coroutine on the loop thread after d.
  /// Works with any coroutine type; may be awaited from any thread.
  class SleepAwaitable {
   public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { loop_->schedule_resume(deadline_, h); }
    void await_resume() const noexcept {}

   private:
    friend class EventLoop;
    SleepAwaitable(EventLoop* loop, TimePoint deadline) : loop_(loop), deadline_(deadline) {}
    EventLoop* loop_;
    TimePoint deadline_;
  };
  [[nodiscard]] SleepAwaitable sleep(Duration d) noexcept { return SleepAwaitable(this, time() + d); }

 private:
  struct Impl;
  /// Runs until `done()` returns true or stop(); `wake` is called (any thread)
  /// by whoever makes done() true. Used by run_until_complete.
  void run_until(UniqueFunction<bool()> done);
  /// A thread-safe "wake the loop": for completions arriving from other threads.
  void wake() noexcept;
  void schedule_resume(TimePoint deadline, std::coroutine_handle<> h);

  std::unique_ptr<Impl> impl_;
};

}  // namespace cohort::core

#include <cohort/core/impl/event_loop_impl.hpp>
