#pragma once
/// Promise<T>: the producer half of a Future<T> (Python: the side that calls
/// set_result / set_exception on a concurrent.futures.Future).
///
/// Thread safety: one owner (move-only); don't call it from two threads at
/// once. Its future may be waited on, polled or cancelled from other threads
/// meanwhile.
///
/// - get_future() once; a second call throws InvalidStateError.
/// - set_result / set_exception throw InvalidStateError if the future is already
///   done or cancelled; the try_ forms return false instead (use them when a
///   result may arrive after the consumer cancelled).
/// - set_running_or_notify_cancel(): false if cancelled (skip the work), else the
///   future is "running" and cancel() fails from then on.
/// - try_cancel(): the producer gives up (e.g. a pool shutting down with
///   cancel_pending): the future resolves as cancelled, unless already done.
/// - Destroying a Promise whose future is not done resolves it with
///   BrokenPromise, so no consumer waits forever.

#include <cohort/core/detail/future_fwd.hpp>
#include <cohort/core/detail/future_state.hpp>
#include <cohort/core/error.hpp>

#include <exception>
#include <type_traits>
#include <utility>

namespace cohort::core {

template <class T>
class Promise {
 public:
  using value_type = T;

  /// Allocates the shared state (the only allocation of a promise/future pair).
  Promise() : state_(new detail::FutureState<T>()) {}
  Promise(Promise&&) noexcept = default;
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      abandon();
      state_ = std::move(other.state_);
      future_taken_ = other.future_taken_;
    }
    return *this;
  }
  Promise(const Promise&) = delete;
  Promise& operator=(const Promise&) = delete;
  ~Promise() { abandon(); }

  /// false once moved-from.
  bool valid() const noexcept { return static_cast<bool>(state_); }

  Future<T> get_future() {
    if (future_taken_) throw InvalidStateError("Promise::get_future: called twice");
    future_taken_ = true;
    return detail::FutureAccess::make_future<T>(detail::StateRef<detail::FutureState<T>>::share(checked()));
  }

  template <class U = T>
    requires std::is_void_v<U>
  void set_result() {
    if (!try_set_result()) throw_already("set_result");
  }
  template <class U = T>
    requires std::is_void_v<U>
  bool try_set_result() {
    return checked()->try_set_value();
  }

  template <class U = T>
    requires(!std::is_void_v<U>)
  void set_result(detail::Stored<U> value) {
    if (!try_set_result(std::move(value))) throw_already("set_result");
  }
  template <class U = T>
    requires(!std::is_void_v<U>)
  bool try_set_result(detail::Stored<U> value) {
    return checked()->try_set_value(std::move(value));
  }
  /// Builds the value in place.
  template <class... Args>
    requires(!std::is_void_v<T> && std::is_constructible_v<detail::Stored<T>, Args...>)
  bool try_emplace_result(Args&&... args) {
    return checked()->try_set_value(std::forward<Args>(args)...);
  }

  void set_exception(std::exception_ptr error) {
    if (!try_set_exception(std::move(error))) throw_already("set_exception");
  }
  bool try_set_exception(std::exception_ptr error) { return checked()->try_set_exception(std::move(error)); }

  bool set_running_or_notify_cancel() { return checked()->set_running_or_notify_cancel(); }
  bool try_cancel() { return checked()->try_cancel_from_producer(); }
  bool is_cancelled() const { return checked()->cancelled(); }
  /// The future is done (value, error or cancelled).
  bool is_done() const { return checked()->done(); }

 private:
  friend struct detail::FutureAccess;

  detail::FutureState<T>* checked() const {
    if (!state_) throw InvalidStateError("Promise: no state (moved-from)");
    return state_.get();
  }
  [[noreturn]] void throw_already(const char* what) const {
    throw InvalidStateError(std::string("Promise::") + what +
                            (state_->cancelled() ? ": the future was cancelled (use the try_ form)"
                                                 : ": the future is already done"));
  }
  void abandon() noexcept {
    if (state_ && !state_->done()) {
      try {
        state_->try_set_exception(std::make_exception_ptr(BrokenPromise()));
      } catch (...) {  // allocation failure: cancel rather than leave waiters hanging
        state_->try_cancel_from_producer();
      }
    }
    state_.reset();
  }

  detail::StateRef<detail::FutureState<T>> state_;
  bool future_taken_ = false;
};

/// A future that is already done with `value`.
template <class T>
Future<std::decay_t<T>> make_ready_future(T&& value) {
  Promise<std::decay_t<T>> p;
  p.set_result(std::forward<T>(value));
  return p.get_future();
}
inline Future<void> make_ready_future() {
  Promise<void> p;
  p.set_result();
  return p.get_future();
}
/// A future that is already done with `error`.
template <class T>
Future<T> make_exceptional_future(std::exception_ptr error) {
  Promise<T> p;
  p.set_exception(std::move(error));
  return p.get_future();
}

}  // namespace cohort::core

#include <cohort/core/future.hpp>
