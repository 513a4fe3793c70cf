#pragma once
/// SharedFuture<T>: a copyable handle to one result that many may read
/// (std::shared_future's role; Python futures are always shared). Made by
/// Future<T>::share().
///
/// Thread safety: distinct SharedFuture objects (copies) may be used from
/// different threads at once, all reading the same result; one object is one
/// owner's, like any value.
///
/// - get() returns const T& (the value stays in the state), rethrows the
///   producer's exception, or throws CancelledError; get(timeout) throws TimeoutError.
/// - Everything else behaves as on Future<T>; then() passes `const T&` and does
///   not consume this handle.

#include <cohort/core/future.hpp>

namespace cohort::core {

template <class T>
class SharedFuture {
 public:
  using value_type = T;

  SharedFuture() noexcept = default;

  bool valid() const noexcept { return static_cast<bool>(state_); }

  /// const T& for a value; void for SharedFuture<void>.
  decltype(auto) get() const {
    auto* s = checked();
    s->wait();
    return FutureView<T>(s).result();
  }
  template <class Rep, class Period>
  decltype(auto) get(std::chrono::duration<Rep, Period> timeout) const {
    if (!wait_for(timeout)) throw TimeoutError("SharedFuture::get: no result within the timeout");
    return FutureView<T>(state_.get()).result();
  }
  decltype(auto) result() const { return get(); }
  template <class Rep, class Period>
  decltype(auto) result(std::chrono::duration<Rep, Period> timeout) const {
    return get(timeout);
  }

  void wait() const { checked()->wait(); }
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
  bool cancel() const { return checked()->cancel(); }

  std::exception_ptr exception() const {
    wait();
    return FutureView<T>(state_.get()).exception();
  }

  /// `fn` is `void(FutureView<T>)` or `void()`.
  template <class F>
  CallbackId add_done_callback(F&& fn) const;
  bool remove_done_callback(CallbackId id) const { return checked()->remove_callback(id); }

  /// Runs fn(const T&) (or fn()) on `ex` once done; see Future::then.
  template <class F>
  auto then(Executor& ex, F&& fn) const;

 private:
  friend struct detail::FutureAccess;
  friend class Future<T>;
  explicit SharedFuture(detail::StateRef<detail::FutureState<T>> s) noexcept : state_(std::move(s)) {}
  detail::FutureState<T>* checked() const {
    if (!state_) throw InvalidStateError("SharedFuture: no state (default-constructed or moved-from)");
    return state_.get();
  }

  detail::StateRef<detail::FutureState<T>> state_;
};

}  // namespace cohort::core
