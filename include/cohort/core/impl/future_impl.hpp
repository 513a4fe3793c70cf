#pragma once
// Template bodies of Future<T>, SharedFuture<T> and then(); included by future.hpp.

#include <cohort/core/executor.hpp>
#include <cohort/core/future.hpp>
#include <cohort/core/promise.hpp>
#include <cohort/core/shared_future.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace cohort::core {
namespace detail {

template <class R>
struct Unwrap {
  using type = R;
};
template <class V>
struct Unwrap<Future<V>> {
  using type = V;
};

/// What fn returns when given the result of a FutureState<T>: fn(T&&), fn(const T&) or fn().
template <class T, bool Move, class F>
struct ThenTraits {
  using Arg = std::conditional_t<Move, T&&, const T&>;
  using Result = std::invoke_result_t<F&, Arg>;
};
template <bool Move, class F>
struct ThenTraits<void, Move, F> {
  using Result = std::invoke_result_t<F&>;
};

/// Moves (Move) or copies the outcome of `src` into `dst`. Precondition: src.done().
template <bool Move, class T>
void forward_outcome(FutureState<T>& src, Promise<T>& dst) {
  if (src.has_value()) {
    if constexpr (std::is_void_v<T>) {
      dst.try_set_result();
    } else if constexpr (Move) {
      dst.try_set_result(std::move(src.value()));
    } else {
      dst.try_set_result(src.value());
    }
  } else if (src.cancelled()) {
    dst.try_cancel();
  } else {
    dst.try_set_exception(src.error());
  }
}

/// Completes `dst` with whatever `inner` completes with (then() unwrapping).
template <class V>
void chain(Future<V> inner, Promise<V> dst) {
  auto* s = FutureAccess::state(inner);
  if (s == nullptr) throw InvalidStateError("then: the continuation returned an invalid Future");
  s->add_callback([dst = std::move(dst)](FutureStateBase& b) mutable {
    forward_outcome<true>(static_cast<FutureState<V>&>(b), dst);
  });
}

/// The body of a continuation: runs on the executor after `src` is done.
template <bool Move, class T, class U, class F>
void run_then(FutureState<T>& src, Promise<U>& dst, F& fn) {
  if (!dst.set_running_or_notify_cancel()) return;  // the then-future was cancelled
  if (!src.has_value()) {
    if (src.cancelled()) {
      dst.try_cancel();
    } else {
      dst.try_set_exception(src.error());
    }
    return;
  }
  try {
    auto call = [&]() -> decltype(auto) {
      if constexpr (std::is_void_v<T>) {
        return fn();
      } else if constexpr (Move) {
        return fn(std::move(src.value()));
      } else {
        return fn(static_cast<const T&>(src.value()));
      }
    };
    using R = typename ThenTraits<T, Move, F>::Result;
    if constexpr (std::is_void_v<R>) {
      call();
      dst.try_set_result();
    } else if constexpr (IsFuture<R>::value) {
      chain(call(), std::move(dst));
    } else {
      dst.try_set_result(call());
    }
  } catch (...) {
    dst.try_set_exception(std::current_exception());
  }
}

template <bool Move, class T, class F>
auto then_impl(FutureState<T>* s, Executor& ex, F&& fn) {
  using Fn = std::decay_t<F>;
  using R = typename ThenTraits<T, Move, Fn>::Result;
  using U = typename Unwrap<R>::type;
  Promise<U> p;
  Future<U> out = p.get_future();
  s->add_callback([&ex, p = std::move(p), fn = Fn(std::forward<F>(fn))](FutureStateBase& b) mutable {
    auto ref = StateRef<FutureState<T>>::share(static_cast<FutureState<T>*>(&b));
    // If post() throws or drops the work, `p` dies with it: the then-future is broken, not hung.
    ex.post([ref = std::move(ref), p = std::move(p), fn = std::move(fn)]() mutable {
      run_then<Move>(*ref, p, fn);
    });
  });
  return out;
}

template <class T, class F>
CallbackId add_view_callback(FutureState<T>* s, F&& fn) {
  using Fn = std::decay_t<F>;
  static_assert(std::is_invocable_v<Fn&, FutureView<T>> || std::is_invocable_v<Fn&>,
                "add_done_callback: fn must be callable as fn(FutureView<T>) or fn()");
  return s->add_callback([fn = Fn(std::forward<F>(fn))](FutureStateBase& b) mutable {
    if constexpr (std::is_invocable_v<Fn&, FutureView<T>>) {
      fn(FutureAccess::view(static_cast<FutureState<T>*>(&b)));
    } else {
      fn();
    }
  });
}

}  // namespace detail

template <class T>
T Future<T>::get() {
  auto* s = checked();
  s->wait();
  if (!s->has_value()) s->throw_error();
  if constexpr (!std::is_void_v<T>) {
    if (s->consumed) {
      throw InvalidStateError("Future::get: the value was already taken; share() the future to read it twice");
    }
    s->consumed = true;
    return std::move(s->value());
  }
}

template <class T>
template <class Rep, class Period>
T Future<T>::get(std::chrono::duration<Rep, Period> timeout) {
  if (!wait_for(timeout)) {
    throw TimeoutError("Future::get: no result within " +
                       std::to_string(std::chrono::duration<double, std::milli>(timeout).count()) + " ms");
  }
  return get();
}

template <class T>
std::exception_ptr Future<T>::exception() const {
  auto* s = checked();
  s->wait();
  return FutureView<T>(s).exception();
}

template <class T>
template <class Rep, class Period>
std::exception_ptr Future<T>::exception(std::chrono::duration<Rep, Period> timeout) const {
  if (!wait_for(timeout)) throw TimeoutError("Future::exception: no result within the timeout");
  return exception();
}

template <class T>
template <class F>
CallbackId Future<T>::add_done_callback(F&& fn) {
  return detail::add_view_callback<T>(checked(), std::forward<F>(fn));
}

template <class T>
template <class F>
auto Future<T>::then(Executor& ex, F&& fn) {
  auto ref = std::move(state_);  // consumes *this; the producer keeps the state alive until done
  if (!ref) throw InvalidStateError("Future::then: no state (default-constructed, moved-from or consumed)");
  return detail::then_impl<true>(ref.get(), ex, std::forward<F>(fn));
}

template <class T>
SharedFuture<T> Future<T>::share() {
  checked();
  return SharedFuture<T>(std::move(state_));
}

template <class T>
template <class F>
CallbackId SharedFuture<T>::add_done_callback(F&& fn) const {
  return detail::add_view_callback<T>(checked(), std::forward<F>(fn));
}

template <class T>
template <class F>
auto SharedFuture<T>::then(Executor& ex, F&& fn) const {
  return detail::then_impl<false>(checked(), ex, std::forward<F>(fn));
}

}  // namespace cohort::core
