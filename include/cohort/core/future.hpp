#pragma once
/// Future<T>: the consumer half of a one-shot result (a value, an exception, or
/// "cancelled"), produced by a Promise<T>, a ThreadPool, an EventLoop or a Task.
/// The full surface of Python's concurrent.futures.Future / asyncio.Future; see
/// docs/python-mapping.md.
///
/// Thread safety: a Future is one owner's handle (move-only) — don't call it
/// from two threads at once. The producer may complete it from any thread while
/// the owner waits, polls, cancels or adds callbacks. To let several threads
/// wait on one result, share() it into SharedFuture<T> (copyable).
///
/// - get() / result() block, then return the value (moved out: a second get()
///   on a value throws InvalidStateError — share() to read it often), rethrow the
///   producer's exception, or throw CancelledError. get(timeout) throws TimeoutError.
/// - A broken promise (producer destroyed without a result) resolves the future
///   with BrokenPromise: an error, never a hang.
/// - cancel() succeeds only while pending; once running (see
///   Promise::set_running_or_notify_cancel) or done it returns false.
/// - When wait() returns, every done-callback has run.
/// - Done-callbacks run on the thread that completes the future, in the order
///   added; one added after completion runs at once, inside add_done_callback.
///   A callback receives a FutureView<T> (or nothing). An exception escaping a
///   callback is reported on stderr and ignored, like Python.
/// - then(ex, fn) consumes the future; fn runs on `ex`, never inline.
/// - Calling anything but valid() on an invalid (default / moved-from) Future
///   throws InvalidStateError.

#include <cohort/core/detail/future_fwd.hpp>
#include <cohort/core/detail/future_state.hpp>
#include <cohort/core/error.hpp>

#include <chrono>
#include <exception>
#include <type_traits>

namespace cohort::core {

/// Read-only view of a completed future, handed to done-callbacks. Valid only
/// for the duration of the callback.
///
/// Thread safety: read-only; the result it views does not change while it lives.
template <class T>
class FutureView {
 public:
  bool done() const noexcept { return true; }
  bool cancelled() const noexcept { return state_->cancelled(); }
  bool has_value() const noexcept { return state_->has_value(); }
  /// The value (const T&; void for Future<void>), or rethrows / CancelledError.
  decltype(auto) result() const {
    if (!state_->has_value()) state_->throw_error();
    if constexpr (!std::is_void_v<T>) return static_cast<const T&>(state_->value());
  }
  decltype(auto) get() const { return result(); }
  /// nullptr if it holds a value; throws CancelledError if cancelled (as Python).
  std::exception_ptr exception() const {
    if (state_->cancelled()) throw CancelledError();
    return state_->has_error() ? state_->error() : nullptr;
  }

 private:
  template <class> friend class Future;
  template <class> friend class SharedFuture;
  friend struct detail::FutureAccess;
  explicit FutureView(detail::FutureState<T>* s) noexcept : state_(s) {}
  detail::FutureState<T>* state_;
};

template <class T>
class [[nodiscard]] Future {
 public:
  using value_type = T;

  Future() noexcept = default;
  Future(Future&&) noexcept = default;
  Future& operator=(Future&&) noexcept = default;
  Future(const Future&) = delete;
  Future& operator=(const Future&) = delete;
  ~Future() = default;

  bool valid() const noexcept { return static_cast<bool>(state_); }

  /// Blocks for the result; see the contract above.
  T get();
  template <class Rep, class Period>
  T get(std::chrono::duration<Rep, Period> timeout);
  T result() { return get(); }
  template <class Rep, class Period>
  T result(std::chrono::duration<Rep, Period> timeout) {
    return get(timeout);
  }

  void wait() const { checked()->wait(); }
  /// true if done within `timeout`.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    return checked()->wait_until(detail::deadline_after(timeout));
  }
  template <class Clock, class Duration>
  bool wait_until(std::chrono::time_point<Clock, Duration> deadline) const {
    return checked()->wait_until(detail::to_steady(deadline));
  }

  bool done() const { return checked()->done(); }
  bool running() const { return checked()->running(); }
  bool cancelled() const { return checked()->cancelled(); }
  /// Cancels if still pending; true if cancelled (now or before).
  bool cancel() { return checked()->cancel(); }

  /// Waits; nullptr if the result is a value; throws CancelledError if cancelled.
  std::exception_ptr exception() const;
  template <class Rep, class Period>
  std::exception_ptr exception(std::chrono::duration<Rep, Period> timeout) const;

  /// `fn` is `void(FutureView<T>)` or `void()`.
  template <class F>
  CallbackId add_done_callback(F&& fn);
  /// true if the callback was still queued and is now removed.
  bool remove_done_callback(CallbackId id) { return checked()->remove_callback(id); }

  /// Runs fn(value) (or fn() for void) on `ex` once this is done; returns fn's
  /// result as a future (a Future<U> returned by fn is unwrapped). An exception
  /// or cancellation of this future skips fn and propagates. Consumes *this.
  template <class F>
  auto then(Executor& ex, F&& fn);

  /// Converts into a copyable SharedFuture. Consumes *this.
  SharedFuture<T> share();

 private:
  friend struct detail::FutureAccess;
  friend class Promise<T>;
  explicit Future(detail::StateRef<detail::FutureState<T>> s) noexcept : state_(std::move(s)) {}
  detail::FutureState<T>* checked() const {
    if (!state_) throw InvalidStateError("Future: no state (default-constructed, moved-from or consumed)");
    return state_.get();
  }

  detail::StateRef<detail::FutureState<T>> state_;
};

}  // namespace cohort::core

#include <cohort/core/promise.hpp>
#include <cohort/core/shared_future.hpp>
#include <cohort/core/impl/future_impl.hpp>
