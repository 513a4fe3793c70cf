#pragma once
// Template bodies of when.hpp.

#include <cohort/core/when.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

namespace cohort::core {
namespace detail {

template <class Fut>
FutureStateBase* checked_state(const Fut& f, const char* where) {
  FutureStateBase* s = FutureAccess::state(f);
  if (s == nullptr) throw InvalidStateError(std::string(where) + ": an invalid (empty or moved-from) future");
  return s;
}

/// Collects the values of a when_all; the Promise is completed once.
template <class Result, class Slots>
struct WhenAllContext {
  Slots slots{};
  std::atomic<std::size_t> remaining{0};
  std::atomic<bool> failed{false};
  Promise<Result> promise;

  /// First error or cancellation wins; later ones are dropped.
  void fail(FutureStateBase& s) {
    if (failed.exchange(true, std::memory_order_acq_rel)) return;
    if (s.cancelled()) {
      promise.try_cancel();
    } else {
      promise.try_set_exception(s.error());
    }
  }
};

template <class T>
auto when_all_vector(std::vector<Future<T>> futures) {
  using Result = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;
  using Slots = std::conditional_t<std::is_void_v<T>, Unit, std::vector<std::optional<Stored<T>>>>;
  using Ctx = WhenAllContext<Result, Slots>;
  for (auto& f : futures) checked_state(f, "when_all");
  auto ctx = std::make_shared<Ctx>();
  Future<Result> out = ctx->promise.get_future();
  if constexpr (!std::is_void_v<T>) ctx->slots.resize(futures.size());
  ctx->remaining.store(futures.size(), std::memory_order_relaxed);
  auto finish = [](Ctx& c) {
    if (c.failed.load(std::memory_order_acquire)) return;
    if constexpr (std::is_void_v<T>) {
      c.promise.try_set_result();
    } else {
      std::vector<T> values;
      values.reserve(c.slots.size());
      for (auto& slot : c.slots) values.push_back(std::move(*slot));
      c.promise.try_set_result(std::move(values));
    }
  };
  if (futures.empty()) finish(*ctx);
  for (std::size_t i = 0; i < futures.size(); ++i) {
    FutureAccess::state(futures[i])->add_callback([ctx, i, finish](FutureStateBase& b) {
      auto& s = static_cast<FutureState<T>&>(b);
      if (!s.has_value()) return ctx->fail(s);
      if constexpr (!std::is_void_v<T>) {
        ctx->slots[i].emplace(std::move(s.value()));  // we own the futures
      } else {
        (void)i;  // clang: -Wunused-lambda-capture for Future<void>
      }
      if (ctx->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(*ctx);
    });
  }
  return out;
}

template <class... Ts, std::size_t... Is>
Future<std::tuple<WhenAllValue<Ts>...>> when_all_tuple(std::index_sequence<Is...>, Future<Ts>&... futures) {
  using Result = std::tuple<WhenAllValue<Ts>...>;
  using Slots = std::tuple<std::optional<WhenAllValue<Ts>>...>;
  using Ctx = WhenAllContext<Result, Slots>;
  (checked_state(futures, "when_all"), ...);
  auto ctx = std::make_shared<Ctx>();
  Future<Result> out = ctx->promise.get_future();
  ctx->remaining.store(sizeof...(Ts), std::memory_order_relaxed);
  auto finish = [](Ctx& c) {
    if (c.failed.load(std::memory_order_acquire)) return;
    c.promise.try_set_result(Result(std::move(*std::get<Is>(c.slots))...));
  };
  if constexpr (sizeof...(Ts) == 0) finish(*ctx);
  auto watch = [&]<std::size_t I, class T>(Future<T>& f) {
    FutureAccess::state(f)->add_callback([ctx, finish](FutureStateBase& b) {
      auto& s = static_cast<FutureState<T>&>(b);
      if (!s.has_value()) return ctx->fail(s);
      if constexpr (std::is_void_v<T>) {
        std::get<I>(ctx->slots).emplace();
      } else {
        std::get<I>(ctx->slots).emplace(std::move(s.value()));
      }
      if (ctx->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(*ctx);
    });
  };
  (watch.template operator()<Is>(futures), ...);
  return out;
}

struct WhenAnyContext {
  std::atomic<bool> won{false};
  Promise<std::size_t> promise;
};

inline Future<std::size_t> when_any_states(const std::vector<FutureStateBase*>& states) {
  if (states.empty()) {
    return make_exceptional_future<std::size_t>(
        std::make_exception_ptr(InvalidStateError("when_any: no futures to wait for")));
  }
  auto ctx = std::make_shared<WhenAnyContext>();
  Future<std::size_t> out = ctx->promise.get_future();
  for (std::size_t i = 0; i < states.size(); ++i) {
    states[i]->add_callback([ctx, i](FutureStateBase&) {
      if (!ctx->won.exchange(true, std::memory_order_acq_rel)) ctx->promise.try_set_result(i);
    });
  }
  return out;
}

/// Completed indices, in completion order, for as_completed.
struct CompletionQueue {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::size_t> ready;

  void push(std::size_t i) {
    {
      std::lock_guard lock(mutex);
      ready.push_back(i);
    }
    cv.notify_one();
  }
  std::optional<std::size_t> pop(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex);
    auto nonempty = [&] { return !ready.empty(); };
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      cv.wait(lock, nonempty);
    } else if (!cv.wait_until(lock, deadline, nonempty)) {
      return std::nullopt;
    }
    std::size_t i = ready.front();
    ready.pop_front();
    return i;
  }
};

struct WaitCounter {
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t completed = 0;
  std::size_t errors = 0;
};

template <class Fut>
WaitResult wait_impl(const std::vector<Fut>& futures, ReturnWhen when,
                     std::chrono::steady_clock::time_point deadline) {
  const std::size_t n = futures.size();
  auto satisfied = [&](std::size_t completed, std::size_t errors) {
    switch (when) {
      case ReturnWhen::first_completed: return completed > 0 || completed == n;
      case ReturnWhen::first_exception: return errors > 0 || completed == n;
      case ReturnWhen::all_completed: break;
    }
    return completed == n;
  };
  std::vector<FutureStateBase*> states;
  states.reserve(n);
  std::size_t completed = 0, errors = 0;
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < n; ++i) {
    FutureStateBase* s = checked_state(futures[i], "wait");
    states.push_back(s);
    if (s->done()) {
      ++completed;
      errors += s->has_error() ? 1 : 0;
    } else {
      pending.push_back(i);
    }
  }
  if (!satisfied(completed, errors)) {
    auto counter = std::make_shared<WaitCounter>();
    counter->completed = completed;
    counter->errors = errors;
    std::vector<std::pair<FutureStateBase*, CallbackId>> watches;
    watches.reserve(pending.size());
    for (std::size_t i : pending) {
      CallbackId id = states[i]->add_callback([counter](FutureStateBase& s) {
        {
          std::lock_guard lock(counter->mutex);
          ++counter->completed;
          counter->errors += s.has_error() ? 1 : 0;
        }
        counter->cv.notify_all();
      });
      watches.emplace_back(states[i], id);
    }
    {
      std::unique_lock lock(counter->mutex);
      auto pred = [&] { return satisfied(counter->completed, counter->errors); };
      if (deadline == std::chrono::steady_clock::time_point::max()) {
        counter->cv.wait(lock, pred);
      } else {
        counter->cv.wait_until(lock, deadline, pred);
      }
    }
    for (auto& [s, id] : watches) s->remove_callback(id);
  }
  WaitResult result;
  for (std::size_t i = 0; i < n; ++i) (states[i]->done() ? result.done : result.not_done).push_back(i);
  return result;
}

}  // namespace detail

template <class T>
auto when_all(std::vector<Future<T>> futures) {
  return detail::when_all_vector<T>(std::move(futures));
}

template <class... Ts>
Future<std::tuple<WhenAllValue<Ts>...>> when_all(Future<Ts>... futures) {
  return detail::when_all_tuple<Ts...>(std::index_sequence_for<Ts...>{}, futures...);
}

template <class Fut>
Future<std::size_t> when_any(std::vector<Fut>& futures) {
  std::vector<detail::FutureStateBase*> states;
  states.reserve(futures.size());
  for (auto& f : futures) states.push_back(detail::checked_state(f, "when_any"));
  return detail::when_any_states(states);
}

template <class... Futs>
Future<std::size_t> when_any(Futs&... futures) {
  return detail::when_any_states({detail::checked_state(futures, "when_any")...});
}

template <class Fut>
WaitResult wait(const std::vector<Fut>& futures, ReturnWhen when) {
  return detail::wait_impl(futures, when, std::chrono::steady_clock::time_point::max());
}

template <class Fut, class Rep, class Period>
WaitResult wait(const std::vector<Fut>& futures, ReturnWhen when, std::chrono::duration<Rep, Period> timeout) {
  return detail::wait_impl(futures, when, detail::deadline_after(timeout));
}

template <class Fut>
AsCompleted<Fut>::AsCompleted(std::vector<Fut>& futures, std::chrono::steady_clock::time_point deadline)
    : futures_(&futures), deadline_(deadline), queue_(std::make_shared<detail::CompletionQueue>()) {
  watches_.reserve(futures.size());
  for (std::size_t i = 0; i < futures.size(); ++i) {
    detail::FutureStateBase* s = detail::checked_state(futures[i], "as_completed");
    auto ref = detail::StateRef<detail::FutureStateBase>::share(s);
    CallbackId id = s->add_callback([q = queue_, i](detail::FutureStateBase&) { q->push(i); });
    watches_.emplace_back(std::move(ref), id);
  }
}

template <class Fut>
AsCompleted<Fut>::~AsCompleted() {
  for (auto& [s, id] : watches_) {
    if (s) s->remove_callback(id);
  }
}

template <class Fut>
std::optional<std::size_t> AsCompleted<Fut>::next_index() {
  if (yielded_ == watches_.size()) return std::nullopt;
  auto i = queue_->pop(deadline_);
  if (!i) {
    throw TimeoutError("as_completed: " + std::to_string(watches_.size() - yielded_) + " of " +
                       std::to_string(watches_.size()) + " futures still pending at the deadline");
  }
  ++yielded_;
  return i;
}

template <class Fut>
AsCompleted<Fut> as_completed(std::vector<Fut>& futures, std::chrono::steady_clock::time_point deadline) {
  return AsCompleted<Fut>(futures, deadline);
}

}  // namespace cohort::core
