#pragma once
/// Combinators over many futures: when_all, when_any, as_completed, wait —
/// Python's asyncio.gather / concurrent.futures.as_completed / wait.
///
/// Thread safety: each call is safe against the futures completing on other
/// threads. The futures passed by reference must not be used from another
/// thread during wait() / as_completed() iteration (they are the caller's).
///
/// - when_all consumes its futures: the result is done with every value (in
///   argument order) once all succeed, or with the first error / cancellation as
///   soon as one happens (the rest keep running; their results are dropped).
/// - when_any / as_completed / wait only watch: the futures stay with the caller,
///   who reads the winners with get(). Cancelled and failed futures count as
///   completed (Python's FIRST_COMPLETED); first_exception ignores cancellations.
/// - when_any of nothing is an error (InvalidStateError); when_all of nothing is
///   done at once; wait of nothing returns at once.
/// - as_completed(fs, timeout): the timeout counts from the call, like Python;
///   running out throws TimeoutError from the iteration. The range must not
///   outlive `fs`.

#include <cohort/core/future.hpp>

#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <tuple>
#include <variant>
#include <vector>

namespace cohort::core {

/// What a when_all over Future<void> contributes to a tuple.
template <class T>
using WhenAllValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// Future<vector<T>> (Future<void> for T = void).
template <class T>
auto when_all(std::vector<Future<T>> futures);

/// Future<tuple<WhenAllValue<Ts>...>>.
template <class... Ts>
Future<std::tuple<WhenAllValue<Ts>...>> when_all(Future<Ts>... futures);

/// Index of the first future to complete (value, error or cancelled).
template <class Fut>
Future<std::size_t> when_any(std::vector<Fut>& futures);
template <class... Futs>
Future<std::size_t> when_any(Futs&... futures);

enum class ReturnWhen { first_completed, first_exception, all_completed };

/// Indices into the waited-on futures, each list in ascending order.
struct WaitResult {
  std::vector<std::size_t> done;
  std::vector<std::size_t> not_done;
};

/// Blocks until the condition holds (or the timeout runs out; then returns
/// whatever is done, like Python). Works on vectors of Future or SharedFuture.
template <class Fut>
WaitResult wait(const std::vector<Fut>& futures, ReturnWhen when = ReturnWhen::all_completed);
template <class Fut, class Rep, class Period>
WaitResult wait(const std::vector<Fut>& futures, ReturnWhen when, std::chrono::duration<Rep, Period> timeout);

namespace detail {
struct CompletionQueue;
}

/// The range returned by as_completed(): yields `Fut&` (the caller's futures) in
/// the order they complete. Single pass; move-only.
template <class Fut>
class AsCompleted {
 public:
  class iterator {
   public:
    using value_type = Fut;
    using difference_type = std::ptrdiff_t;
    Fut& operator*() const { return (*owner_->futures_)[index_]; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    bool operator==(std::default_sentinel_t) const noexcept { return owner_ == nullptr; }

   private:
    friend class AsCompleted;
    explicit iterator(AsCompleted* owner) : owner_(owner) { advance(); }
    void advance() {
      auto i = owner_->next_index();
      if (i) {
        index_ = *i;
      } else {
        owner_ = nullptr;
      }
    }
    AsCompleted* owner_;
    std::size_t index_ = 0;
  };

  AsCompleted(AsCompleted&&) noexcept = default;
  AsCompleted& operator=(AsCompleted&&) noexcept = default;
  ~AsCompleted();

  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

  /// Blocks for the next completed index; nullopt once all were yielded.
  /// Throws TimeoutError past the deadline.
  std::optional<std::size_t> next_index();

 private:
  template <class F>
  friend AsCompleted<F> as_completed(std::vector<F>&, std::chrono::steady_clock::time_point);
  AsCompleted(std::vector<Fut>& futures, std::chrono::steady_clock::time_point deadline);

  std::vector<Fut>* futures_;
  std::chrono::steady_clock::time_point deadline_;
  std::shared_ptr<detail::CompletionQueue> queue_;
  std::vector<std::pair<detail::StateRef<detail::FutureStateBase>, CallbackId>> watches_;
  std::size_t yielded_ = 0;
};

template <class Fut>
AsCompleted<Fut> as_completed(std::vector<Fut>& futures,
                              std::chrono::steady_clock::time_point deadline =
                                  std::chrono::steady_clock::time_point::max());
template <class Fut, class Rep, class Period>
AsCompleted<Fut> as_completed(std::vector<Fut>& futures, std::chrono::duration<Rep, Period> timeout) {
  return as_completed(futures, detail::deadline_after(timeout));
}

}  // namespace cohort::core

#include <cohort/core/impl/when_impl.hpp>
