#pragma once
/// Forward declarations for the future family, and the one door into a
/// future's state that the rest of core (when.hpp, task.hpp) uses.

#include <cohort/core/detail/future_state.hpp>

namespace cohort::core {

class Executor;
template <class T> class Future;
template <class T> class SharedFuture;
template <class T> class Promise;
template <class T> class FutureView;

namespace detail {

/// Internal access to the state of a Future / SharedFuture / Promise.
struct FutureAccess {
  template <class F>
  static auto* state(const F& f) noexcept {
    return f.state_.get();
  }
  template <class T>
  static FutureView<T> view(FutureState<T>* s) noexcept {
    return FutureView<T>(s);
  }
  template <class T>
  static Future<T> make_future(StateRef<FutureState<T>> s) noexcept {
    return Future<T>(std::move(s));
  }
};

template <class T>
struct IsFuture : std::false_type {};
template <class T>
struct IsFuture<Future<T>> : std::true_type {};

}  // namespace detail
}  // namespace cohort::core
